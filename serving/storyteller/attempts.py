"""Calling tiers for one plan: the tier order, one call per endpoint, and an `inference_log` row
for every call (answered or failed). Shared by the plain and the streamed generation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from serving.llm.client import ChatCompletion, ChatRequest, ChatStream
from serving.llm.errors import TierError, TierUnavailable
from serving.llm.router import GenerationRequest, TierChoice
from serving.models.entry import tier_policy_of
from serving.storyteller.cost import estimate_cost
from serving.storyteller.guardrails import GuardrailOutcome, check_output
from serving.storyteller.inference_log import InferenceRecord, write_record
from serving.storyteller.planning import GenerationPlan
from serving.storyteller.resources import StorytellerResources
from serving.storyteller.schemas import AttemptReport
from serving.storyteller.tier_failures import error_code


@dataclass(frozen=True, slots=True)
class Answer:
    completion: ChatCompletion
    outcome: GuardrailOutcome
    cost_usd: float | None
    fallback: bool


class AttemptRunner:
    def __init__(
        self, storyteller: StorytellerResources, pool: Any, plan: GenerationPlan, *, streamed: bool
    ) -> None:
        self.storyteller = storyteller
        self.pool = pool
        self.plan = plan
        self.streamed = streamed
        self.errors: list[TierError] = []
        self.reports: list[AttemptReport] = []
        self._attempt = 0
        self._choice: TierChoice | None = None
        self.order_used: tuple[str, ...] = ()
        self._running: dict[str, float] = {}

    async def order(self) -> tuple[str, ...]:
        """The router's order for the entry's policy, tiers serving the entry's model first."""
        gateway = self.storyteller.gateway
        self._choice = await gateway.choose(tier_policy_of(self.plan.entry))
        snapshot = await gateway.snapshot()
        self._running = {
            endpoint.endpoint: endpoint.running or 0.0
            for metrics in snapshot.values()
            for endpoint in metrics.endpoints
        }
        tiers = self.storyteller.tiers
        model = self.plan.entry.model
        order = self._choice.order
        self.order_used = tuple(sorted(order, key=lambda name: tiers[name].model != model))
        return self.order_used

    @property
    def choice(self) -> TierChoice:
        assert self._choice is not None, "call order() first"
        return self._choice

    def is_fallback(self, tier: str) -> bool:
        """True for a tier other than the one the policy wants when every tier is healthy (the
        router steered around it, or a call to it failed)."""
        return tier != self.choice.wanted

    def endpoints(self, tier: str) -> tuple[str, ...]:
        return self.choice.estimates[tier].endpoints

    def chat_request(self, tier: str) -> ChatRequest:
        entry = self.plan.entry
        request = GenerationRequest(
            messages=self.plan.messages,
            max_tokens=entry.max_tokens,
            temperature=entry.temperature,
            top_p=entry.top_p,
        )
        return request.for_tier(self.storyteller.tiers[tier])

    def open_stream(self, tier: str, endpoint: str) -> ChatStream:
        return self.storyteller.gateway.client.stream_chat(
            tier, endpoint, self.chat_request(tier), self.storyteller.timeouts
        )

    def begin(self, endpoint: str) -> int:
        """Count the call in flight; returns the concurrency its cost is shared by."""
        self.storyteller.in_flight[endpoint] += 1
        here = self.storyteller.in_flight[endpoint]
        return max(here, int(self._running.get(endpoint, 0.0)) + 1)

    def end(self, endpoint: str) -> None:
        self.storyteller.in_flight[endpoint] -= 1
        if self.storyteller.in_flight[endpoint] <= 0:
            del self.storyteller.in_flight[endpoint]

    async def call(self, tier: str, *, retry_of: Answer | None = None) -> Answer:
        """One tier: its endpoints in order until one answers. An unavailable endpoint moves on
        to the tier's next replica; a timeout or a refused request ends the tier. Raises the
        last `TierError` when no endpoint answered."""
        endpoints = self.endpoints(tier)
        if not endpoints:
            error = TierUnavailable(tier, None, "no replica")
            await self.failed(tier, None, error, 0.0)
            raise error
        last: TierError | None = None
        for endpoint in endpoints:
            concurrent = self.begin(endpoint)
            started = time.perf_counter()
            try:
                async with self.open_stream(tier, endpoint) as stream:
                    completion = await stream.collect()
            except TierError as error:
                await self.failed(tier, endpoint, error, _ms_since(started))
                last = error
                if isinstance(error, TierUnavailable):
                    continue
                break
            finally:
                self.end(endpoint)
            return await self.answered(completion, concurrent, retry_of=retry_of)
        assert last is not None
        raise last

    async def answered(
        self, completion: ChatCompletion, concurrent: int, *, retry_of: Answer | None = None
    ) -> Answer:
        """Log an answer. A guardrail retry is a fallback only when the answer it retries was
        (the retry itself moves tiers on purpose)."""
        tier = self.storyteller.tiers[completion.tier]
        latency_ms = completion.latency_s * 1000.0
        cost = estimate_cost(tier.price_per_gpu_hour, tier.gpus_per_replica, latency_ms, concurrent)
        outcome = check_output(completion.text, self.plan.use_case, self.plan.guardrail_inputs)
        moved = self.is_fallback(completion.tier)
        fallback = retry_of.fallback if retry_of is not None else moved
        await self._write(
            completion.tier,
            completion.endpoint,
            completion.model,
            latency_ms,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            ttft_ms=None if completion.ttft_s is None else completion.ttft_s * 1000.0,
            estimated_cost_usd=cost,
            guardrail_passed=outcome.passed,
            guardrail_flags=outcome.flags,
            fallback_used=fallback,
        )
        self.reports.append(
            AttemptReport(tier=tier.name, endpoint=completion.endpoint, outcome="answered")
        )
        return Answer(completion, outcome, cost, fallback)

    async def failed(
        self, tier: str, endpoint: str | None, error: TierError, latency_ms: float
    ) -> None:
        code = error_code(error)
        self.errors.append(error)
        self.reports.append(
            AttemptReport(
                tier=tier, endpoint=endpoint, outcome="failed", error_code=code, reason=error.reason
            )
        )
        await self._write(
            tier,
            endpoint or "",
            self.storyteller.tiers[tier].model,
            latency_ms,
            fallback_used=self.is_fallback(tier),
            error_code=code,
            error=error.reason,
        )

    async def abandoned(self, tier: str, endpoint: str, latency_ms: float) -> None:
        """The log row of a streamed call the client walked away from."""
        await self._write(
            tier,
            endpoint,
            self.storyteller.tiers[tier].model,
            latency_ms,
            fallback_used=self.is_fallback(tier),
            error_code="client_disconnected",
            error="the client closed the stream before the end",
        )

    async def _write(
        self, tier: str, endpoint: str, model: str, latency_ms: float, **fields: Any
    ) -> None:
        self._attempt += 1
        plan = self.plan
        await write_record(
            self.pool,
            InferenceRecord(
                request_id=plan.request_id,
                attempt=self._attempt,
                world_id=plan.scope.world_id,
                use_case=plan.use_case.value,
                key_id=plan.scope.key_id,
                tier=tier,
                endpoint=endpoint,
                model=model,
                registry_version=plan.entry.version,
                streamed=self.streamed,
                latency_ms=latency_ms,
                **fields,
            ),
        )

    def retry_tier(self, order: tuple[str, ...], answered: str) -> str:
        """Where a failing output is retried: the next tier of the order that has not failed,
        else the first other tier, else the same tier (a pinned use case)."""
        failed = {error.tier for error in self.errors}
        others = [tier for tier in order if tier != answered]
        healthy = [tier for tier in others if tier not in failed]
        return (healthy or others or [answered])[0]


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
