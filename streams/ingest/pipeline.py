"""What the ingest agent does with one buffer of Kafka records, independent of Faust.

    prepare  decode + validate ─▶ dead letters (sent now, awaited in `finish`)
             drop duplicates (within the buffer, and those the dedup window knows)
    store    one PostgreSQL transaction: COPY → INSERT ... ON CONFLICT DO NOTHING RETURNING
             (= the new events) → fold(new events) upserted into world_state_* → lake batch noted
    finish   lake files of the new events (tmp + rename, batch marked written), concurrently with
             the live state: the records' own events merged into the Faust tables (per-row
             watermark), changelog writes awaited; then the dead letters are awaited
    → only then does the agent acknowledge the records (offsets are committed after)

Why this is exactly once per accepted event, including crashes at every step: docs/streams.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Protocol

import asyncpg

from loreline.contract import Encoding, Event, Rejection, RejectionKind, encode_event
from streams.dedup import DedupWindow
from streams.ingest.dlq import dead_letter
from streams.ingest.records import DecodedRecord, SourceRecord, decode_record, event_row
from streams.sinks.lake import LakeWriter
from streams.sinks.postgres import (
    ClientDataError,
    PostgresSink,
    Triple,
    batch_events,
    mark_lake_written,
    pending_lake_batches,
    recent_event_ids,
    record_lake_batch,
    store_events,
)
from streams.world_state.fold import Key, StateDelta, fold
from streams.world_state.sql import upsert_state

log = logging.getLogger(__name__)

Item = tuple[Event, int, int]
"""(event, source partition, source offset)."""


class StateStore(Protocol):
    """The live state (the Faust tables in the worker)."""

    def watermark(self, domain: str, key: Key) -> int | None: ...

    async def apply(self, delta: StateDelta, partition_of_world: Mapping[str, int]) -> int: ...


DeadLetterSend = Callable[[bytes | None, bytes, list[tuple[str, bytes]]], Awaitable[Awaitable[Any]]]
"""`await send(key, value, headers)` enqueues a DLQ record and returns its delivery awaitable."""


@dataclass
class BatchResult:
    records: int = 0
    events: int = 0
    dead_letters: int = 0
    rejected_events: int = 0
    duplicates: int = 0
    stored: int = 0
    reclaimed: int = 0
    state_rows: int = 0
    lake_files: int = 0
    batch_ids: list[str] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_COUNTS: Final = (
    "records",
    "events",
    "dead_letters",
    "rejected_events",
    "duplicates",
    "stored",
    "reclaimed",
    "state_rows",
    "lake_files",
)


@dataclass
class Prepared:
    """A decoded buffer, ready to store: the output of `prepare`, the input of `store`."""

    records: Sequence[SourceRecord]
    result: BatchResult
    items: list[Item]
    rows: list[tuple[Any, ...]]
    pending_dlq: list[Awaitable[Any]]


@dataclass
class Stored:
    """What one storing transaction did: the input of `finish`."""

    batch_id: str
    inserted: set[Triple]
    own: set[Triple]
    delta: StateDelta
    lake_rows: list[tuple[Any, ...]]


def new_batch_id() -> str:
    """Sortable, unique: milliseconds since the epoch, then random hex."""
    return f"{time.time_ns() // 1_000_000:013d}-{uuid.uuid4().hex[:12]}"


class IngestPipeline:
    """The stages of one buffer: `prepare` (CPU: decode, validate, dead letters, duplicates),
    `store` (one PostgreSQL transaction), `finish` (lake files and live state, concurrently; then
    the dead letters are awaited). `process` runs the three in a row; the worker runs them as three
    concurrent lanes so that buffer N+1 is decoded while buffer N is being stored (docs/streams.md).

    `sink` is used by `store` only; `aux_sink` (same database, its own connection) by the other
    stages, so the lanes never share a connection.
    """

    def __init__(
        self,
        sink: PostgresSink,
        lake: LakeWriter,
        send_dead_letter: DeadLetterSend,
        *,
        state: StateStore | None = None,
        window: DedupWindow | None = None,
        aux_sink: PostgresSink | None = None,
        retry_initial_s: float = 0.2,
        retry_max_s: float = 5.0,
    ) -> None:
        self.sink = sink
        self.aux_sink = aux_sink or sink.sibling()
        self.lake = lake
        self.send_dead_letter = send_dead_letter
        self.state = state
        self.window = window if window is not None else DedupWindow(0)
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.totals = BatchResult()
        self.timings: defaultdict[str, float] = defaultdict(float)
        """Wall seconds per stage (decode, accept, store, fold, state_sql, lake, live_state)."""

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] += time.perf_counter() - started

    async def close(self) -> None:
        await self.sink.close()
        await self.aux_sink.close()

    # -- the stages -------------------------------------------------------------------------------

    async def process(self, records: Sequence[SourceRecord]) -> BatchResult:
        prepared = await self.prepare(records)
        await self.finish(prepared, await self.store(prepared))
        return prepared.result

    async def prepare(self, records: Sequence[SourceRecord]) -> Prepared:
        result = BatchResult(records=len(records))
        decoded = []
        for n, record in enumerate(records):
            with self._timed("decode"):
                decoded.append(decode_record(record))
            if n % 8 == 7:
                await asyncio.sleep(0)  # let the other lanes move on while this one decodes
        pending_dlq = [await self._dead_letter(d, result) for d in decoded if d.rejections]
        await self._seed_window({r.partition for r in records})
        with self._timed("accept"):
            items, rows = self._accepted(decoded, result)
        return Prepared(records, result, items, rows, pending_dlq)

    async def store(self, prepared: Prepared) -> list[Stored]:
        if not prepared.items:
            return []
        with self._timed("store"):
            return await self._store(prepared.items, prepared.rows, prepared)

    async def finish(self, prepared: Prepared, stored: list[Stored]) -> None:
        result = prepared.result
        for batch in stored:
            await self._finish(batch, prepared.items, result)
        if prepared.pending_dlq:
            await asyncio.gather(*prepared.pending_dlq)
        self.totals.add(result)

    # -- prepare ----------------------------------------------------------------------------------

    def _accepted(
        self, decoded: Sequence[DecodedRecord], result: BatchResult
    ) -> tuple[list[Item], list[tuple[Any, ...]]]:
        """Accepted events in offset order, minus duplicates: within the buffer (per partition,
        first occurrence wins) and those the window knows were stored by another record."""
        items: list[Item] = []
        rows: list[tuple[Any, ...]] = []
        seen: set[tuple[int, int]] = set()
        is_duplicate = self.window.is_duplicate
        for d in decoded:
            partition, offset = d.source.partition, d.source.offset
            for event in d.events:
                result.events += 1
                marker = (partition, event.event_id.int)
                if marker in seen or is_duplicate(partition, event.event_id, offset):
                    result.duplicates += 1
                    continue
                seen.add(marker)
                items.append((event, partition, offset))
                rows.append(event_row(event, partition, offset))
        return items, rows

    async def _dead_letter(self, decoded: DecodedRecord, result: BatchResult) -> Awaitable[Any]:
        result.dead_letters += 1
        result.rejected_events += sum(1 for r in decoded.rejections if r.index is not None)
        for rejection in decoded.rejections[:3]:
            log.warning(
                "dead-lettering p%d@%d: %s",
                decoded.source.partition,
                decoded.source.offset,
                rejection.describe(),
            )
        key, value, headers = dead_letter(decoded)
        return await self.send_dead_letter(key, value, headers)

    async def _seed_window(self, partitions: set[int]) -> None:
        if self.window.capacity <= 0:
            return
        for partition in [p for p in partitions if not self.window.is_seeded(p)]:
            stored = await self.aux_sink.run(
                partial(recent_event_ids, partition=partition, limit=self.window.capacity),
                "dedup seed",
                transaction=False,
            )
            self.window.seed(partition, stored)

    # -- store ------------------------------------------------------------------------------------

    async def _store(
        self, items: list[Item], rows: list[tuple[Any, ...]], prepared: Prepared
    ) -> list[Stored]:
        """Store in one transaction; if PostgreSQL refuses a value, bisect to dead-letter only the
        refused events (a poison event must not block its partition)."""
        try:
            return [
                await self.sink.run(lambda conn: self._transaction(conn, items, rows), "events")
            ]
        except (asyncpg.PostgresError, ClientDataError) as exc:
            if len(items) == 1:
                event, partition, offset = items[0]
                log.error("postgres refused event %s: %s", event.event_id, exc)
                source = SourceRecord(partition, offset, b"", key=event.world_id.encode())
                reason = f"PostgreSQL refused the event: {type(exc).__name__}: {exc}"
                raw = encode_event(event, Encoding.JSON)
                refused = DecodedRecord(
                    source, [], [Rejection(None, RejectionKind.VALIDATION, reason, None, raw)]
                )
                prepared.pending_dlq.append(await self._dead_letter(refused, prepared.result))
                return []
            middle = len(items) // 2
            first = await self._store(items[:middle], rows[:middle], prepared)
            return first + await self._store(items[middle:], rows[middle:], prepared)

    async def _transaction(
        self, conn: asyncpg.Connection, items: list[Item], rows: list[tuple[Any, ...]]
    ) -> Stored:
        inserted, own = await store_events(conn, rows)
        new_items, lake_rows = [], []
        ranges: dict[int, tuple[int, int, int]] = {}
        for item, row in zip(items, rows, strict=True):
            event, partition, offset = item
            if (event.event_id.int, partition, offset) in inserted:
                new_items.append((event, offset))
                lake_rows.append(row[:8])
                lo, hi, n = ranges.get(partition, (offset, offset, 0))
                ranges[partition] = (min(lo, offset), max(hi, offset), n + 1)
        with self._timed("fold"):
            delta = fold(new_items)
        with self._timed("state_sql"):
            await upsert_state(conn, delta)
            batch_id = new_batch_id()
            await record_lake_batch(conn, batch_id, ranges)
        return Stored(batch_id, inserted, own, delta, lake_rows)

    # -- finish -----------------------------------------------------------------------------------

    async def _finish(self, stored: Stored, items: list[Item], result: BatchResult) -> None:
        result.stored += len(stored.inserted)
        result.reclaimed += len(stored.own) - len(stored.inserted)
        own = stored.own
        own_items = [item for item in items if (item[0].event_id.int, item[1], item[2]) in own]
        lake = asyncio.ensure_future(self._write_lake(stored)) if stored.lake_rows else None
        try:
            if self.state is not None and own_items:
                with self._timed("live_state"):
                    result.state_rows += await self._apply_state(stored, own_items)
        finally:
            if lake is not None:
                result.lake_files += await lake
                result.batch_ids.append(stored.batch_id)
        by_partition: dict[int, list[tuple[uuid.UUID, int]]] = defaultdict(list)
        for event, partition, offset in own_items:
            by_partition[partition].append((event.event_id, offset))
        for partition, ids in by_partition.items():
            self.window.remember(partition, ids)
        if len(stored.own) > len(stored.inserted):
            # a re-delivery after a crash: the earlier delivery may have died before its files
            await self.recover_lake(older_than_s=0.0)

    async def _write_lake(self, stored: Stored) -> int:
        with self._timed("lake"):
            paths = await self._retrying(
                lambda: asyncio.to_thread(self.lake.write_batch, stored.batch_id, stored.lake_rows),
                "lake write",
            )
            await self.aux_sink.run(
                partial(mark_lake_written, batch_ids=[stored.batch_id]),
                "lake mark",
                transaction=False,
            )
        return len(paths)

    async def _apply_state(self, stored: Stored, own_items: list[Item]) -> int:
        assert self.state is not None
        partition_of_world = {event.world_id: partition for event, partition, _ in own_items}
        first_offset: dict[int, int] = {}
        for _, partition, offset in own_items:
            first_offset.setdefault(partition, offset)
        delta = stored.delta
        watermark = self.state.watermark
        clean = len(stored.own) == len(stored.inserted) and all(
            (wm := watermark(domain, key)) is None or wm < first_offset[partition_of_world[key[0]]]
            for domain, rows in delta.rows.items()
            for key in rows
        )
        if not clean:
            # re-delivered records: apply each record to each row at most once
            def skip(domain: str, key: Key, offset: int) -> bool:
                wm = watermark(domain, key)
                return wm is not None and offset <= wm

            delta = fold(((e, o) for e, _, o in own_items), skip=skip)
        return await self.state.apply(delta, partition_of_world)

    # -- helpers ----------------------------------------------------------------------------------

    async def _retrying(self, fn: Callable[[], Awaitable[Any]], what: str) -> Any:
        delay = self.retry_initial_s
        while True:
            try:
                return await fn()
            except OSError as exc:
                log.warning("%s failed (%s); retrying in %.1fs", what, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)

    async def recover_lake(self, older_than_s: float) -> int:
        return await recover_lake(self.aux_sink, self.lake, older_than_s, self._retrying)


async def recover_lake(
    sink: PostgresSink,
    lake: LakeWriter,
    older_than_s: float,
    retrying: Callable[[Callable[[], Awaitable[Any]], str], Awaitable[Any]] | None = None,
) -> int:
    """Write the files of batches stored in PostgreSQL whose lake files may be missing (the worker
    died between the commit and the rename). Idempotent: a batch's file names are fixed."""
    pending = await sink.run(
        lambda conn: pending_lake_batches(conn, older_than_s), "lake recovery", transaction=False
    )
    for batch_id, ranges in pending.items():
        events = await sink.run(
            partial(batch_events, ranges=ranges), "lake recovery", transaction=False
        )
        rows = [event_row(event, 0, 0)[:8] for event in events]

        def write(b: str = batch_id, r: list[tuple[Any, ...]] = rows) -> Awaitable[Any]:
            return asyncio.to_thread(lake.write_batch, b, r)

        await (retrying(write, "lake recovery write") if retrying else write())
        await sink.run(
            partial(mark_lake_written, batch_ids=[batch_id]), "lake mark", transaction=False
        )
        log.info("lake: re-wrote batch %s (%d events) from postgres", batch_id, len(rows))
    return len(pending)
