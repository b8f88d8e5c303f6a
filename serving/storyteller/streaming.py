"""Streamed generation: tokens as they arrive, then `done` (the whole response) or `error`.

A tier that fails before its first token falls back to the next one (as in plain generation);
once tokens were sent a failure ends the stream with `error`. Guardrails run on the complete text
and are reported in `done`; a streamed output is never retried (the client already has it)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from serving.llm.client import ChatCompletion
from serving.llm.errors import TierError, TierUnavailable
from serving.storyteller.attempts import AttemptRunner
from serving.storyteller.generation import response
from serving.storyteller.planning import GenerationPlan
from serving.storyteller.resources import StorytellerResources
from serving.storyteller.tier_failures import error_code, failure_details


@dataclass(frozen=True, slots=True)
class StreamEvent:
    name: str  # token | done | error
    data: dict[str, Any]

    def encode(self) -> str:
        payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))
        return f"event: {self.name}\ndata: {payload}\n\n"


async def stream_events(
    storyteller: StorytellerResources, pool: Any, plan: GenerationPlan
) -> AsyncGenerator[StreamEvent, None]:
    runner = AttemptRunner(storyteller, pool, plan, streamed=True)
    for tier in await runner.order():
        endpoints = runner.endpoints(tier)
        if not endpoints:
            await runner.failed(tier, None, TierUnavailable(tier, None, "no replica"), 0.0)
            continue
        for endpoint in endpoints:
            concurrent = runner.begin(endpoint)
            started = time.perf_counter()
            sent = 0
            completion: ChatCompletion | None = None
            try:
                async with runner.open_stream(tier, endpoint) as stream:
                    async for text in stream:
                        sent += 1
                        yield StreamEvent("token", {"text": text})
                    completion = stream.completion
            except TierError as error:
                await runner.failed(tier, endpoint, error, _ms_since(started))
                if sent:
                    yield StreamEvent(
                        "error",
                        {
                            "code": error_code(error),
                            "message": f"the stream broke after {sent} chunks: {error}",
                            "details": failure_details(runner.errors),
                        },
                    )
                    return
                if isinstance(error, TierUnavailable):
                    continue
                break
            except (asyncio.CancelledError, GeneratorExit):
                storyteller.in_background(runner.abandoned(tier, endpoint, _ms_since(started)))
                raise
            finally:
                runner.end(endpoint)
            assert completion is not None
            answer = await runner.answered(completion, concurrent)
            done = response(plan, runner, answer, retried=False)
            yield StreamEvent("done", done.model_dump(mode="json"))
            return
    yield StreamEvent(
        "error",
        {
            "code": "all_tiers_failed",
            "message": "no tier could answer",
            "details": failure_details(runner.errors),
        },
    )


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
