"""Kafka: the local 3.9 KRaft broker (or KAFKA_BOOTSTRAP), with the project's topics."""

from __future__ import annotations

import asyncio

from infra.kafka import LocalKafka, ensure_jars, ensure_topics, loreline_topics, wait_for_broker
from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.state import ComponentInfo
from loreline.state.ports import port_open

NAME = "kafka"


class KafkaPart:
    name = NAME

    def _broker(self, ctx: StackContext) -> LocalKafka:
        return LocalKafka(ctx.layout.kafka_dir, ctx.layout.kafka_libs_dir)

    def start(self, ctx: StackContext) -> None:
        if ctx.settings.kafka_bootstrap:
            bootstrap = ctx.settings.kafka_bootstrap
            asyncio.run(wait_for_broker(bootstrap, timeout=30))
            info = ComponentInfo(name=NAME, url=bootstrap, external=True)
        else:
            ensure_jars(ctx.layout.kafka_libs_dir)
            broker = self._broker(ctx)
            info = broker.start()
            bootstrap = broker.bootstrap
        ctx.kafka_bootstrap = bootstrap
        topics = loreline_topics(ctx.settings.ingest_partitions)
        asyncio.run(ensure_topics(bootstrap, topics))
        ctx.registry.put(info)
        names = ", ".join(f"{t.name}[{t.partitions}]" for t in topics)
        ctx.console.print(f"  {'kafka':<18} [green]up[/]  {bootstrap}  (topics {names})")

    def stop(self, ctx: StackContext) -> None:
        if not ctx.settings.kafka_bootstrap:
            self._broker(ctx).stop()
        ctx.registry.remove(NAME)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        if ctx.settings.kafka_bootstrap:
            host, _, port = ctx.settings.kafka_bootstrap.split(",")[0].rpartition(":")
            up = port.isdigit() and port_open(host, int(port))
            return [
                PartStatus(
                    name=NAME,
                    state="external" if up else "down",
                    address=ctx.settings.kafka_bootstrap,
                )
            ]
        if not ctx.layout.kafka_dir.exists():
            return [PartStatus(name=NAME, state="down", detail="never started: run `loreline up`")]
        broker = self._broker(ctx)
        info = broker.status()
        if info is None:
            return [
                PartStatus(
                    name=NAME,
                    state="down",
                    address=broker.bootstrap,
                    detail=f"not running: run `loreline up` (log: {broker.log_path})",
                )
            ]
        ctx.kafka_bootstrap = broker.bootstrap
        return [
            PartStatus(
                name=NAME, state="up", address=broker.bootstrap, version=info.version, pid=info.pid
            )
        ]

    def bootstrap(self, ctx: StackContext) -> str:
        return ctx.settings.kafka_bootstrap or self._broker(ctx).bootstrap
