"""Plain generation: call the tiers in order until one answers; a failing output is retried once
on the other tier and then returned flagged; `AllTiersFailed` when no tier answers."""

from __future__ import annotations

from typing import Any

from serving.llm.errors import AllTiersFailed, TierError
from serving.storyteller.attempts import Answer, AttemptRunner
from serving.storyteller.planning import GenerationPlan
from serving.storyteller.resources import StorytellerResources
from serving.storyteller.schemas import (
    ContextItemReport,
    ContextReport,
    GenerateResponse,
    GuardrailReport,
    RoutingReport,
    Usage,
)


async def generate(
    storyteller: StorytellerResources, pool: Any, plan: GenerationPlan
) -> GenerateResponse:
    runner = AttemptRunner(storyteller, pool, plan, streamed=False)
    order = await runner.order()
    for tier in order:
        try:
            answer = await runner.call(tier)
        except TierError:
            continue
        if answer.outcome.passed or not storyteller.settings.guardrail_retry:
            return response(plan, runner, answer, retried=False)
        try:
            second = await runner.call(runner.retry_tier(order, tier), retry_of=answer)
        except TierError:
            return response(plan, runner, answer, retried=True)
        return response(plan, runner, second, retried=True)
    raise AllTiersFailed(runner.errors)


def context_report(plan: GenerationPlan, counted_with: str) -> ContextReport:
    fitted = plan.context
    return ContextReport(
        budget_tokens=fitted.budget_tokens,
        used_tokens=fitted.used_tokens,
        counted_with=counted_with,
        items=[
            ContextItemReport(
                citation_id=placed.item.citation_id,
                kind=placed.item.kind,
                label=placed.label,
                tokens=placed.tokens,
                cut=placed.cut,
            )
            for placed in fitted.placed
        ],
        dropped=list(fitted.dropped),
    )


def usage_of(answer: Answer) -> Usage:
    completion = answer.completion
    return Usage(
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        ttft_ms=None if completion.ttft_s is None else round(completion.ttft_s * 1000.0, 1),
        latency_ms=round(completion.latency_s * 1000.0, 1),
        estimated_cost_usd=answer.cost_usd,
    )


def response(
    plan: GenerationPlan, runner: AttemptRunner, answer: Answer, *, retried: bool
) -> GenerateResponse:
    completion = answer.completion
    return GenerateResponse(
        request_id=plan.request_id,
        world_id=plan.scope.world_id,
        use_case=plan.use_case,
        text=completion.text.strip(),
        citations=plan.context.citations,
        tier=completion.tier,
        model=completion.model,
        usage=usage_of(answer),
        guardrail=GuardrailReport(
            passed=answer.outcome.passed, flags=list(answer.outcome.flags), retried=retried
        ),
        fallback=answer.fallback,
        routing=RoutingReport(
            wanted=runner.choice.wanted,
            order=list(runner.order_used),
            reason=runner.choice.reason,
        ),
        attempts=list(runner.reports),
        context=context_report(plan, runner.storyteller.counter.name),
    )
