"""Entry point of a streams worker process: `python -m streams.worker` (or `loreline streams worker`).

Faust's own CLI wants a module-level app (`faust -A module:app worker`); this module instead builds
the app from `WorkerSettings` when run, so importing anything in `streams` never connects or
declares anything. Before Faust starts it creates the ingest and DLQ topics and applies the schema
migrations, so a worker can be the first thing started against fresh servers.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys

import faust

from infra.kafka.topics import TopicSpec, ensure_topics, wait_for_broker
from loreline.db import apply_migrations
from streams.app import create_app
from streams.settings import WorkerSettings
from streams.world_state.changelog import changelog_topic
from streams.world_state.fold import SPECS

log = logging.getLogger(__name__)


def worker_topics(settings: WorkerSettings) -> list[TopicSpec]:
    """The ingest and DLQ topics, and the tables' changelogs: declared before Faust starts so
    the first rebalance already sees every topic (Faust would otherwise create the changelogs while
    the group forms, and a partition assignment could miss some of them)."""
    compacted = {"cleanup.policy": "compact"}
    return [
        TopicSpec(settings.events_topic, settings.partitions),
        TopicSpec(settings.dlq_topic, settings.partitions),
        *(
            TopicSpec(
                changelog_topic(settings.app_id, domain), settings.partitions, config=compacted
            )
            for domain in SPECS
        ),
    ]


async def prepare(settings: WorkerSettings) -> None:
    """Topics and schema the worker needs (idempotent)."""
    await wait_for_broker(settings.kafka_bootstrap, timeout=120)
    await ensure_topics(settings.kafka_bootstrap, worker_topics(settings))
    await asyncio.to_thread(apply_migrations, settings.require_database_url())


def build_worker(settings: WorkerSettings, loop: asyncio.AbstractEventLoop) -> faust.Worker:
    app = create_app(settings)
    return faust.Worker(app, loop=loop, loglevel=settings.log_level.upper(), quiet=True)


def tune_gc() -> None:
    """Fewer garbage-collector passes: a worker allocates millions of short-lived objects (decoded
    events) that reference counting frees, and every full pass would also walk the long-lived ones
    (tables, the dedup window). Freezing what exists after start-up and raising the thresholds
    cuts the CPU per event by about a third (measured: decode + rows + fold 44 -> 29 us/event)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def run(settings: WorkerSettings) -> None:
    """Prepare, then run the Faust worker until SIGTERM/SIGINT (exits the process)."""
    settings.resolved_data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(prepare(settings))
    worker = build_worker(settings, loop)
    tune_gc()
    worker.execute_from_commandline()  # runs until SIGTERM/SIGINT, then exits the process


def main(argv: list[str] | None = None) -> None:
    run(WorkerSettings())


if __name__ == "__main__":
    main(sys.argv[1:])
