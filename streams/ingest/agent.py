"""The ingest agent: buffers of raw records from the ingest topic through `IngestPipeline`.

`stream.take_events(n, within)` hands over up to `batch_max_records` records (one sink batch). The
buffer goes through three lanes (prepare in the agent loop, store, finish; see `IngestService.run`);
only the finish lane acknowledges a record, after it is durable in PostgreSQL, the lake and the
live-state changelogs, and Faust commits acknowledged offsets every `commit_interval_s`. A failing
stage is retried (every stage is idempotent), never skipped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

import faust
from faust.types import EventT

from loreline.state import StateLayout
from streams.dedup import DedupWindow
from streams.ingest.pipeline import IngestPipeline, Prepared, Stored, recover_lake
from streams.ingest.records import SourceRecord, headers_list
from streams.ingest.stall import StallWatch, unread_records
from streams.settings import WorkerSettings
from streams.sinks.lake import LakeWriter
from streams.sinks.postgres import PostgresSink, prune_lake_batches
from streams.world_state.tables import WorldStateTables

log = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_STALLED = 75  # EX_TEMPFAIL: the supervisor should start the worker again


def ready_file(layout: StateLayout, pid: int) -> Path:
    """Written by a worker process once it has joined the group and owns its partitions."""
    return layout.run_dir / f"streams-worker.{pid}.ready"


def to_source_record(event: EventT) -> SourceRecord:
    message = event.message
    return SourceRecord(
        partition=message.partition,
        offset=message.offset,
        value=message.value or b"",
        key=message.key,
        headers=headers_list(message.headers),
        timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
        topic=message.topic,
    )


class IngestService:
    """Everything the ingest agent holds: topics, tables, sinks, the pipeline."""

    def __init__(self, app: faust.App, settings: WorkerSettings) -> None:
        self.app = app
        self.settings = settings
        self.events_topic = app.topic(
            settings.events_topic,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.partitions,
        )
        self.state = WorldStateTables(app, settings.partitions)
        self.window = DedupWindow(settings.dedup_window)
        self.lake = LakeWriter(settings.resolved_lake_dir)
        self.pipeline: IngestPipeline | None = None
        self.agent: Any = None  # the Faust agent, set by `register`
        self._last_report = (time.monotonic(), 0)
        self.buffers_in_flight = 0  # taken from the stream, not yet acknowledged by the finish lane

    def sink(self) -> PostgresSink:
        s = self.settings
        return PostgresSink(
            s.require_database_url(), retry_initial_s=s.retry_initial_s, retry_max_s=s.retry_max_s
        )

    async def send_dead_letter(
        self, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
    ) -> Any:
        return await self.app.producer.send(
            self.settings.dlq_topic, key, value, None, None, headers
        )

    async def open_pipeline(self) -> IngestPipeline:
        if self.pipeline is None:
            s = self.settings
            self.pipeline = IngestPipeline(
                self.sink(),
                self.lake,
                self.send_dead_letter,
                state=self.state,
                window=self.window,
                retry_initial_s=s.retry_initial_s,
                retry_max_s=s.retry_max_s,
            )
            recovered = await self.pipeline.recover_lake(older_than_s=0.0)
            if recovered:
                log.info(
                    "lake: recovered %d batch(es) left pending by a previous worker", recovered
                )
        return self.pipeline

    async def run(self, stream: faust.StreamT[bytes]) -> None:
        """Consume the ingest topic through three concurrent lanes (docs/streams.md):

        the agent loop decodes buffer N+2 while the store lane writes buffer N+1 to PostgreSQL
        and the finish lane writes buffer N's lake files and live state, then acknowledges it.
        Buffers go through every lane in order, one at a time per lane (queues of one), and a
        record is acknowledged only by the finish lane, so its offset is committed only once the
        record is durable everywhere. Each message gets an extra reference before `take_events`
        acknowledges it, so that acknowledgement does not count; the finish lane's does.
        """
        pipeline = await self.open_pipeline()
        to_store: asyncio.Queue[tuple[Prepared, Sequence[EventT]]] = asyncio.Queue(maxsize=1)
        to_finish: asyncio.Queue[tuple[Prepared, list[Stored], Sequence[EventT]]] = asyncio.Queue(
            maxsize=1
        )

        async def store_lane() -> None:
            while True:
                prepared, events = await to_store.get()
                stored = await self._retrying(partial(pipeline.store, prepared), "store")
                await to_finish.put((prepared, stored, events))

        async def finish_lane() -> None:
            while True:
                prepared, stored, events = await to_finish.get()
                await self._retrying(partial(pipeline.finish, prepared, stored), "finish")
                for event in events:
                    await stream.ack(event)
                self.buffers_in_flight -= 1

        lanes = [
            asyncio.create_task(store_lane(), name="ingest-store-lane"),
            asyncio.create_task(finish_lane(), name="ingest-finish-lane"),
        ]
        try:
            s = self.settings
            take_events = cast(Any, stream).take_events  # not declared on StreamT
            async for events in take_events(s.batch_max_records, s.batch_within_s):
                self.buffers_in_flight += 1
                for event in events:
                    event.message.incref()  # released by the finish lane's ack
                records = [to_source_record(event) for event in events]
                prepared = await self._retrying(partial(pipeline.prepare, records), "prepare")
                await to_store.put((prepared, events))
        finally:
            for lane in lanes:
                lane.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            self.buffers_in_flight = 0
            self.report()

    async def _retrying(self, fn: Callable[[], Awaitable[T]], what: str) -> T:
        """Never skip a buffer: every stage is idempotent, so a failure is retried (with back-off)
        until it succeeds; skipping would lose events."""
        delay = self.settings.retry_initial_s
        while True:
            try:
                return await fn()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("ingest %s failed; retrying in %.1fs", what, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.retry_max_s)

    def report(self) -> None:
        if self.pipeline is None:
            return
        totals = self.pipeline.totals
        now = time.monotonic()
        then, events_then = self._last_report
        rate = (totals.events - events_then) / max(now - then, 1e-9)
        self._last_report = (now, totals.events)
        stages = " ".join(f"{k} {v:.1f}s" for k, v in sorted(self.pipeline.timings.items()))
        log.info(
            "ingest: %.0f events/s | records %d events %d stored %d duplicates %d reclaimed %d "
            "dead-letters %d (rejected events %d) state rows %d lake files %d | %s",
            rate,
            totals.records,
            totals.events,
            totals.stored,
            totals.duplicates,
            totals.reclaimed,
            totals.dead_letters,
            totals.rejected_events,
            totals.state_rows,
            totals.lake_files,
            stages,
        )


def register(app: faust.App, settings: WorkerSettings) -> IngestService:
    """Declare the ingest topic, the state tables, the agent and the timers on `app`."""
    service = IngestService(app, settings)

    @app.agent(service.events_topic, name="ingest", concurrency=1)
    async def ingest(stream: faust.StreamT[bytes]) -> None:
        await service.run(stream)

    @app.timer(interval=settings.lake_recovery_interval_s)
    async def lake_recovery() -> None:
        sink = service.sink()
        try:
            await recover_lake(sink, service.lake, older_than_s=settings.lake_recovery_interval_s)
            pruned = await sink.run(
                partial(prune_lake_batches, older_than_s=settings.lake_batch_retention_s),
                "lake bookkeeping prune",
                transaction=False,
            )
            if pruned:
                log.info("lake: forgot %d written batch record(s)", pruned)
        finally:
            await sink.close()

    watch = StallWatch(settings.stall_warn_s, settings.stall_exit_s)

    @app.timer(interval=10.0)
    async def report() -> None:
        service.report()
        if service.pipeline is None:
            return
        unread, state = unread_records(app, settings.events_topic)
        now = time.monotonic()
        verdict = watch.observe(
            now, service.pipeline.totals.records, unread, busy=service.buffers_in_flight > 0
        )
        if verdict == "stalled":
            log.warning(
                "ingest: %d records wait in this worker's partitions, none taken in for %.0fs;"
                " consumer state %s",
                unread, watch.idle_s(now), state,
            )  # fmt: skip
        elif verdict == "give_up":
            log.error(
                "ingest: no record taken in for %.0fs while %d wait; exiting so that the"
                " supervisor restarts this worker (nothing is lost: offsets are committed only"
                " after the sinks, and a restart re-reads from them). Consumer state %s",
                watch.idle_s(now), unread, state,
            )  # fmt: skip
            logging.shutdown()
            os._exit(EXIT_STALLED)

    async def on_revoked(sender: Any, *args: Any, **kwargs: Any) -> None:
        # partitions may come back later: their window is then re-seeded from PostgreSQL
        for tp in args[0] if args else kwargs.get("revoked", ()):
            if tp.topic == settings.events_topic:
                service.window.forget(tp.partition)

    async def on_rebalance_complete(sender: Any, *args: Any, **kwargs: Any) -> None:
        ready = ready_file(settings.layout, os.getpid())
        ready.parent.mkdir(parents=True, exist_ok=True)
        ready.write_text(f"{time.time():.3f}\n")

    # (mode's Signal.connect annotation does not admit an async receiver with **kwargs)
    cast(Any, app.on_partitions_revoked).connect(on_revoked)
    cast(Any, app.on_rebalance_complete).connect(on_rebalance_complete)

    service.agent = ingest
    return service
