"""Dagster: the webserver (the UI data ops run the assets from) and the daemon (schedules, sensors)."""

from __future__ import annotations

from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.platform.parts.process import announce, process_status, running, stop_registered
from pipelines.runtime import DAEMON, WEBSERVER, start_dagster


class DagsterPart:
    name = "dagster"

    def start(self, ctx: StackContext) -> None:
        web, daemon = running(ctx, WEBSERVER), running(ctx, DAEMON)
        if web is None or daemon is None:
            for leftover in (WEBSERVER, DAEMON):
                stop_registered(ctx, leftover)
            assert ctx.database_url, "start postgres first"
            infos = start_dagster(ctx.layout, ctx.database_url, port=ctx.settings.dagster_port)
            for info in infos:
                ctx.registry.put(info)
            web = infos[0]
        announce(ctx, web, "(Dagster UI)")

    def stop(self, ctx: StackContext) -> None:
        for name in (DAEMON, WEBSERVER):
            stop_registered(ctx, name)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        return [process_status(ctx, WEBSERVER), process_status(ctx, DAEMON)]
