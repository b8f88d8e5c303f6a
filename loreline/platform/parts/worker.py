"""The Faust streams worker: consumes game-events, writes Postgres and the lake."""

from __future__ import annotations

import asyncio

from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.platform.parts.process import announce, process_status, running, stop_registered
from streams.process import WORKER_COMPONENT, consumer_lag, start_worker_process
from streams.settings import WorkerSettings


def worker_settings(ctx: StackContext) -> WorkerSettings:
    assert ctx.kafka_bootstrap and ctx.database_url, "start postgres and kafka first"
    return WorkerSettings(
        kafka_bootstrap=ctx.kafka_bootstrap,
        database_url=ctx.database_url,
        home=ctx.layout.home,
        partitions=ctx.settings.ingest_partitions,
    )


class WorkerPart:
    name = WORKER_COMPONENT

    def start(self, ctx: StackContext) -> None:
        info = running(ctx, self.name)
        if info is None:
            info = start_worker_process(ctx.layout, worker_settings(ctx))
            ctx.registry.put(info)
        announce(ctx, info, f"(consumer group {WorkerSettings().app_id})")

    def stop(self, ctx: StackContext) -> None:
        stop_registered(ctx, self.name)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        row = process_status(ctx, self.name)
        bootstrap = ctx.kafka_bootstrap
        if row.state == "up" and bootstrap:
            try:
                lag = asyncio.run(consumer_lag(bootstrap, WorkerSettings().app_id))
                row.detail = f"consumer lag {lag['total_lag']} records"
            except Exception as exc:  # status must still print the other rows
                row.detail = f"lag unknown: {exc}"
        return [row]
