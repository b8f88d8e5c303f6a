"""The storyteller query API (uvicorn running serving.api.app:create_app)."""

from __future__ import annotations

from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.platform.parts.process import announce, process_status, running, stop_registered
from serving.api.settings import ApiSettings
from serving.runtime import COMPONENT_NAME, start_api_process


class ApiPart:
    name = COMPONENT_NAME

    def start(self, ctx: StackContext) -> None:
        info = running(ctx, self.name)
        if info is None:
            assert ctx.database_url, "start postgres first"
            settings = ApiSettings(
                database_url=ctx.database_url, kafka_bootstrap=ctx.kafka_bootstrap
            )
            info = start_api_process(ctx.layout, settings, port=ctx.settings.api_port)
            ctx.registry.put(info)
        ctx.extras["api_url"] = info.url or ""
        announce(ctx, info, f"(docs {info.url}/docs)")

    def stop(self, ctx: StackContext) -> None:
        stop_registered(ctx, self.name)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        return [process_status(ctx, self.name)]
