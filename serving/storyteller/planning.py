"""Turning a generate request into a plan: the registry entry in force, the world's names, the
context fitted into its budget and the chat messages. Nothing is sent to a tier here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from serving.embedding import QueryEmbedder
from serving.models import store as registry
from serving.models.entry import ModelEntry, UseCase
from serving.queries.memory import npc_known
from serving.security.scope import WorldScope
from serving.storyteller.context.budget import FittedContext, fit_context
from serving.storyteller.context.sources import (
    ContextLimits,
    ContextQuery,
    MemorySettings,
    gather_context,
)
from serving.storyteller.guardrails import GuardrailInputs
from serving.storyteller.prompt import KIND_ORDER, context_budget, prompt_frame
from serving.storyteller.resources import StorytellerResources
from serving.storyteller.world_names import load_world_names


class PlanningError(Exception):
    """The request cannot be served as asked (maps to a 4xx answer)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class GenerationAsk:
    scope: WorldScope
    lore_scope: WorldScope
    use_case: UseCase
    situation: str
    npc_id: str | None
    max_context_tokens: int | None


@dataclass(frozen=True, slots=True)
class GenerationPlan:
    request_id: UUID
    scope: WorldScope
    use_case: UseCase
    entry: ModelEntry
    messages: list[dict[str, str]]
    context: FittedContext
    guardrail_inputs: GuardrailInputs


async def plan_generation(
    storyteller: StorytellerResources,
    pool: Any,
    embedder: QueryEmbedder,
    memory: MemorySettings,
    ask: GenerationAsk,
) -> GenerationPlan:
    settings = storyteller.settings
    async with pool.acquire() as conn:
        entry = await registry.get_entry(conn, ask.use_case)
        if entry is None:
            raise PlanningError(
                404, "use_case_not_configured", f"the model registry has no {ask.use_case.value!r}"
            )
        names = await load_world_names(conn, ask.scope, storyteller.catalogues)
        if ask.npc_id is not None and not (
            ask.npc_id in names.names or await npc_known(conn, ask.scope, ask.npc_id)
        ):
            raise PlanningError(
                404, "npc_not_found", f"world {ask.scope.world_id!r} has no NPC {ask.npc_id!r}"
            )
    frame = prompt_frame(
        ask.use_case,
        ask.situation,
        names.world_name,
        names.name_of(ask.npc_id) if ask.npc_id else None,
    )
    counter = storyteller.counter
    budget = context_budget(
        ask.max_context_tokens,
        settings.default_context_tokens,
        settings.model_context_tokens,
        entry.max_tokens,
        frame.fixed_tokens(counter),
        settings.prompt_margin_tokens,
    )
    if budget < 0:
        raise PlanningError(
            422,
            "prompt_too_long",
            f"the situation and a {entry.max_tokens}-token answer leave no room in the "
            f"{settings.model_context_tokens}-token context; shorten the situation",
        )
    items = []
    if budget > 0:
        query = ContextQuery(ask.scope, ask.lore_scope, ask.situation, ask.npc_id)
        limits = ContextLimits(
            lore_hits=settings.lore_hits,
            history_hits=settings.history_hits,
            recent_events=settings.recent_events,
            memories=settings.memories,
            state_rows=settings.state_rows,
        )
        items = await gather_context(pool, embedder, query, names, limits, memory)
    fitted = fit_context(items, budget, counter, KIND_ORDER[ask.use_case])
    return GenerationPlan(
        request_id=uuid4(),
        scope=ask.scope,
        use_case=ask.use_case,
        entry=entry,
        messages=frame.messages(fitted.lines()),
        context=fitted,
        guardrail_inputs=GuardrailInputs(
            known=names.known(),
            prompt_texts=[placed.text for placed in fitted.placed] + [ask.situation],
            blocklist=storyteller.blocklist,
            common_words=storyteller.common_words,
        ),
    )
