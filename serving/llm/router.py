"""Tier routing: which tier answers a request, and in which order the others are tried.

For each tier the router estimates the p95 time to first token a new request would see:

    expected = max(recent p95 TTFT, idle TTFT x (1 + load per replica / max concurrency))

where load = waiting + running requests per ready replica (vLLM's gauges). A tier whose replicas
are at their concurrency limit is saturated. Tiers then rank in three groups:

1. ready and expected to meet the objective (the use case's, else the tier's own);
2. ready but over the objective or saturated;
3. no metrics (scrape failed), or no replica at all: avoided unless nothing else is left.

Within a group: the use case's preferred tier, then its explicit order, then the price of a
replica-hour, then the expected TTFT. A pinned use case gets its tier alone.
`generate()` walks that order: an unavailable endpoint makes it try the tier's next replica, a
timeout moves on to the next tier, and `AllTiersFailed` carries every tier's error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any

from serving.llm.client import CallTimeouts, ChatCompletion, ChatRequest, ChatStream, LlmClient
from serving.llm.errors import AllTiersFailed, TierError, TierTimeout, TierUnavailable
from serving.llm.metrics import TierMetrics
from serving.llm.tier import TierConfig
from serving.llm.use_case import UseCasePolicy


class TierStatus(Enum):
    MEETS_OBJECTIVE = "meets_objective"
    OVER_OBJECTIVE = "over_objective"
    SATURATED = "saturated"
    NO_METRICS = "no_metrics"
    NO_REPLICAS = "no_replicas"

    @property
    def group(self) -> int:
        if self is TierStatus.MEETS_OBJECTIVE:
            return 0
        if self in (TierStatus.OVER_OBJECTIVE, TierStatus.SATURATED):
            return 1
        return 2


@dataclass(frozen=True)
class TierEstimate:
    tier: str
    status: TierStatus
    ready_replicas: int
    load_per_replica: float | None
    expected_ttft_ms: float | None
    objective_ms: float
    price_per_replica_hour: float
    endpoints: tuple[str, ...]  # least loaded first; unreachable ones last


@dataclass(frozen=True)
class TierChoice:
    tier: str  # the first tier to call
    fallbacks: tuple[str, ...]  # then these, in order
    wanted: str  # the tier the policy ranks first when every tier is healthy
    estimates: Mapping[str, TierEstimate]
    reason: str

    @property
    def order(self) -> tuple[str, ...]:
        return (self.tier, *self.fallbacks)


@dataclass(frozen=True)
class GenerationRequest:
    """What the caller asks for; each tier gets its model name and token limit applied."""

    messages: Sequence[Mapping[str, str]]
    max_tokens: int
    temperature: float = 0.7
    top_p: float = 1.0
    extra: Mapping[str, Any] | None = None

    def for_tier(self, tier: TierConfig) -> ChatRequest:
        return ChatRequest(
            model=tier.model,
            messages=self.messages,
            max_tokens=min(self.max_tokens, tier.max_tokens),
            temperature=self.temperature,
            top_p=self.top_p,
            extra=self.extra,
        )


class TierRouter:
    def __init__(self, tiers: Mapping[str, TierConfig]) -> None:
        if not tiers:
            raise ValueError("the router needs at least one tier")
        self.tiers = dict(tiers)

    def estimate(
        self, tier: TierConfig, metrics: TierMetrics | None, objective_ms: float | None = None
    ) -> TierEstimate:
        objective = objective_ms if objective_ms is not None else tier.ttft_objective_ms

        def result(
            status: TierStatus,
            endpoints: tuple[str, ...] = (),
            ready: int = 0,
            load: float | None = None,
            expected: float | None = None,
        ) -> TierEstimate:
            return TierEstimate(
                tier=tier.name,
                status=status,
                ready_replicas=ready,
                load_per_replica=load,
                expected_ttft_ms=expected,
                objective_ms=objective,
                price_per_replica_hour=tier.price_per_replica_hour,
                endpoints=endpoints,
            )

        if metrics is None or not metrics.endpoints:
            return result(TierStatus.NO_REPLICAS)
        ordered = tuple(
            e.endpoint
            for e in sorted(
                metrics.endpoints,
                key=lambda e: (not e.reachable, e.load is None, e.load or 0.0),
            )
        )
        load = metrics.load_per_replica
        if load is None:
            return result(TierStatus.NO_METRICS, ordered)
        queued_model = tier.idle_ttft_ms * (1.0 + load / tier.max_concurrency)
        measured = metrics.ttft_p95_s * 1000.0 if metrics.ttft_p95_s is not None else 0.0
        expected = max(measured, queued_model)
        if load >= tier.max_concurrency:
            status = TierStatus.SATURATED
        elif expected <= objective:
            status = TierStatus.MEETS_OBJECTIVE
        else:
            status = TierStatus.OVER_OBJECTIVE
        return result(status, ordered, metrics.ready_replicas, load, expected)

    def choose(self, policy: UseCasePolicy, snapshot: Mapping[str, TierMetrics]) -> TierChoice:
        """Rank the tiers for this use case given each tier's live metrics."""
        if policy.tier is not None and policy.tier not in self.tiers:
            raise ValueError(
                f"use case {policy.use_case!r} names tier {policy.tier!r}, which is not in the "
                f"tiers file (known: {', '.join(sorted(self.tiers))})"
            )
        candidates = (
            [policy.tier] if policy.selection == "pinned" and policy.tier else list(self.tiers)
        )
        estimates = {
            name: self.estimate(self.tiers[name], snapshot.get(name), policy.ttft_objective_ms)
            for name in candidates
        }

        def preference(name: str) -> tuple[int, int, float]:
            preferred = 0 if name == policy.tier else 1
            explicit = policy.order.index(name) if name in policy.order else len(policy.order)
            return (preferred, explicit, self.tiers[name].price_per_replica_hour)

        def rank(name: str) -> tuple[int, tuple[int, int, float], float]:
            estimate = estimates[name]
            expected = estimate.expected_ttft_ms
            return (estimate.status.group, preference(name), expected or float("inf"))

        order = sorted(candidates, key=rank)
        wanted = min(candidates, key=preference)
        first = estimates[order[0]]
        reason = f"{first.tier}: {first.status.value}"
        if first.expected_ttft_ms is not None:
            reason += f" (expected p95 TTFT {first.expected_ttft_ms:.0f} ms"
            reason += f" vs objective {first.objective_ms:.0f} ms)"
        return TierChoice(
            tier=order[0],
            fallbacks=tuple(order[1:]),
            wanted=wanted,
            estimates=estimates,
            reason=reason,
        )

    def endpoints_of(self, choice: TierChoice, tier: str) -> tuple[str, ...]:
        return choice.estimates[tier].endpoints


def _tiers_to_try(
    router: TierRouter, choice: TierChoice, errors: list[TierError]
) -> Iterator[tuple[str, TierConfig, tuple[str, ...]]]:
    """The chosen tiers in fallback order with their endpoints; a tier without a replica is
    skipped and recorded in `errors`."""
    for tier_name in choice.order:
        endpoints = router.endpoints_of(choice, tier_name)
        if not endpoints:
            errors.append(TierUnavailable(tier_name, None, "no replica"))
            continue
        yield tier_name, router.tiers[tier_name], endpoints


async def generate(
    client: LlmClient,
    router: TierRouter,
    choice: TierChoice,
    request: GenerationRequest,
    timeouts: CallTimeouts | None = None,
) -> ChatCompletion:
    """Call the chosen tier; fall back in order on timeout or unavailability."""
    errors: list[TierError] = []
    for tier_name, tier, endpoints in _tiers_to_try(router, choice, errors):
        for endpoint in endpoints:
            try:
                return await client.chat(tier_name, endpoint, request.for_tier(tier), timeouts)
            except TierTimeout as error:
                errors.append(error)
                break  # a slow tier: the next tier, not the next replica of this one
            except TierUnavailable as error:
                errors.append(error)
    raise AllTiersFailed(errors)


@asynccontextmanager
async def open_stream(
    client: LlmClient,
    router: TierRouter,
    choice: TierChoice,
    request: GenerationRequest,
    timeouts: CallTimeouts | None = None,
) -> AsyncIterator[ChatStream]:
    """Open a streamed completion on the first tier that accepts it (fallback before streaming).

    Once the stream is open, a later failure surfaces to the caller (text was already sent).
    """
    errors: list[TierError] = []
    for tier_name, tier, endpoints in _tiers_to_try(router, choice, errors):
        for endpoint in endpoints:
            stream = client.stream_chat(tier_name, endpoint, request.for_tier(tier), timeouts)
            try:
                await stream.__aenter__()
            except TierTimeout as error:
                errors.append(error)
                break
            except TierUnavailable as error:
                errors.append(error)
                continue
            try:
                yield stream
            finally:
                await stream.__aexit__(None, None, None)
            return
    raise AllTiersFailed(errors)
