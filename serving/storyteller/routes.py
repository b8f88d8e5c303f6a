"""POST /v1/storyteller/generate and /generate/stream (SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from serving.api.dependencies import Caller, Embedder, Pool, Settings, forbidden, require_scope
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.llm.errors import AllTiersFailed
from serving.memory.scoring import Weights
from serving.security.scope import Principal, Role, WorldForbiddenError
from serving.storyteller.context.sources import MemorySettings
from serving.storyteller.dependencies import Storyteller
from serving.storyteller.generation import generate
from serving.storyteller.planning import (
    GenerationAsk,
    GenerationPlan,
    PlanningError,
    plan_generation,
)
from serving.storyteller.schemas import GenerateRequest, GenerateResponse
from serving.storyteller.streaming import StreamEvent, stream_events
from serving.storyteller.tier_failures import failure_details

router = APIRouter(prefix="/v1/storyteller", tags=["storyteller"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": '`text/event-stream`: `event: token` (data `{"text": ...}`) per chunk, '
        "then `event: done` (data: the same body as /generate) or `event: error` "
        '(data `{"code", "message", "details"}`)',
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


def _ask(body: GenerateRequest, caller: Principal) -> GenerationAsk:
    scope = require_scope(caller, body.world_id, Role.READ)
    try:
        lore_scope = caller.lore_scope(body.world_id, include_global=True)
    except WorldForbiddenError as exc:
        raise forbidden(exc) from exc
    return GenerationAsk(
        scope=scope,
        lore_scope=lore_scope,
        use_case=body.use_case,
        situation=body.situation,
        npc_id=body.npc_id,
        max_context_tokens=body.max_context_tokens,
    )


async def _plan(
    body: GenerateRequest,
    caller: Principal,
    storyteller: Storyteller,
    pool: Pool,
    embedder: Embedder,
    settings: Settings,
) -> GenerationPlan:
    memory = MemorySettings(
        weights=Weights(
            recency=settings.memory_weight_recency,
            importance=settings.memory_weight_importance,
            relevance=settings.memory_weight_relevance,
        ),
        decay_per_hour=settings.memory_decay_per_hour,
        scan=settings.memory_scan_events,
        candidates=settings.memory_candidates,
    )
    try:
        return await plan_generation(storyteller, pool, embedder, memory, _ask(body, caller))
    except PlanningError as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from exc


def _all_failed(details: list[dict[str, object]]) -> ApiError:
    tiers = ", ".join(dict.fromkeys(str(d["tier"]) for d in details)) or "none"
    return ApiError(
        503, "all_tiers_failed", f"no tier could answer (tried: {tiers})", details=details
    )


@router.post(
    "/generate",
    response_model=GenerateResponse,
    summary="Generate text for a use case, grounded in the world's context",
    responses=error_responses(401, 403, 404, 413, 422, 503),
)
async def generate_text(
    body: GenerateRequest,
    caller: Caller,
    storyteller: Storyteller,
    pool: Pool,
    embedder: Embedder,
    settings: Settings,
) -> GenerateResponse:
    plan = await _plan(body, caller, storyteller, pool, embedder, settings)
    try:
        return await generate(storyteller, pool, plan)
    except AllTiersFailed as exc:
        raise _all_failed(failure_details(exc.errors)) from exc


@router.post(
    "/generate/stream",
    summary="The same generation as server-sent events",
    response_class=StreamingResponse,
    responses={**_STREAM_DOC, **error_responses(401, 403, 404, 413, 422, 503)},
)
async def generate_stream(
    body: GenerateRequest,
    caller: Caller,
    storyteller: Storyteller,
    pool: Pool,
    embedder: Embedder,
    settings: Settings,
) -> StreamingResponse:
    plan = await _plan(body, caller, storyteller, pool, embedder, settings)
    events = stream_events(storyteller, pool, plan)
    # Wait for the first event before answering: when no tier answers at all, the caller gets
    # the same 503 as from /generate instead of a 200 stream holding only an error.
    first = await anext(events)
    if first.name == "error" and first.data.get("code") == "all_tiers_failed":
        await events.aclose()
        raise _all_failed(first.data["details"])
    return StreamingResponse(
        _encoded(first, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _encoded(first: StreamEvent, rest: AsyncIterator[StreamEvent]) -> AsyncIterator[str]:
    yield first.encode()
    async for event in rest:
        yield event.encode()
