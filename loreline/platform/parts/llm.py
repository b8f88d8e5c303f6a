"""The local LLM tiers: real vLLM (CPU build) serving SmolLM2 for both gold and silver."""

from __future__ import annotations

from infra.vllm.local_tier import start_local_tiers
from infra.vllm.settings import VllmSettings
from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.platform.parts.process import announce, process_status, running, stop_registered

PREFIX = "vllm-"


class LlmPart:
    name = "llm"

    def _names(self, ctx: StackContext) -> list[str]:
        return sorted(name for name in ctx.registry.load() if name.startswith(PREFIX))

    def start(self, ctx: StackContext) -> None:
        names = self._names(ctx)
        if not names or any(running(ctx, name) is None for name in names):
            for name in names:
                stop_registered(ctx, name)
            settings = VllmSettings(home=ctx.layout.home, cache=ctx.layout.cache)
            start_local_tiers(
                settings, ctx.registry, progress=lambda line: ctx.console.print(f"    {line}")
            )
        for name in self._names(ctx):
            info = ctx.registry.get(name)
            if info is not None:
                announce(ctx, info, "(OpenAI-compatible API, /metrics)")

    def stop(self, ctx: StackContext) -> None:
        for name in self._names(ctx):
            stop_registered(ctx, name)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        names = self._names(ctx)
        if not names:
            return [PartStatus(name="vllm", state="down", detail="not started: run `loreline up`")]
        return [process_status(ctx, name) for name in names]
