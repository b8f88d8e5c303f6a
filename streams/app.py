"""The Faust app of the streams worker.

`create_app(settings)` builds a fresh app (nothing is created at import time): the ingest topic,
the world-state tables (changelog-backed, co-partitioned with the ingest topic), the ingest agent
and its timers. `streams.worker` runs it as a process; tests build one per test with
`create_app(WorkerSettings(...))`.
"""

from __future__ import annotations

import faust

from streams.ingest.agent import IngestService, register
from streams.settings import WorkerSettings


def broker_urls(bootstrap: str) -> list[str]:
    return [f"kafka://{host.strip()}" for host in bootstrap.split(",") if host.strip()]


def create_app(settings: WorkerSettings | None = None) -> faust.App:
    """A Faust app configured from `settings` (default: from the environment)."""
    settings = settings or WorkerSettings()
    app = faust.App(
        settings.app_id,
        broker=broker_urls(settings.kafka_bootstrap),
        store=settings.store,
        datadir=str(settings.resolved_data_dir),
        autodiscover=False,
        web_enabled=False,
        processing_guarantee=settings.processing_guarantee,
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=settings.commit_interval_s,
        broker_commit_every=100_000,
        broker_max_poll_records=settings.max_poll_records,
        stream_buffer_maxsize=max(4 * settings.batch_max_records, 4096),
        producer_acks=-1,
        producer_max_request_size=4 * 1024 * 1024,
        table_standby_replicas=0,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(0.5, settings.session_timeout_s / 10),
    )
    app.ingest_service = register(app, settings)  # type: ignore[attr-defined]
    return app


def ingest_service(app: faust.App) -> IngestService:
    service: IngestService = app.ingest_service  # type: ignore[attr-defined]
    return service
