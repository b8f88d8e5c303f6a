"""GET /v1/worlds/{world_id}/npcs/{npc_id}/memory: the NPC's observations, best first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from serving.api.dependencies import Embedder, Pool, ReadScope, Settings
from serving.api.schemas.errors import error_responses
from serving.api.schemas.fields import ID_PATTERN
from serving.api.schemas.memory import Memory, MemoryScores, MemoryWeights, NpcMemoryResponse
from serving.memory.retrieval import RecallRequest, recall
from serving.memory.scoring import Weights

router = APIRouter(prefix="/v1/worlds/{world_id}/npcs", tags=["npc memory"])

Weight = Annotated[float | None, Query(ge=0.0, le=10.0)]


@router.get(
    "/{npc_id}/memory",
    response_model=NpcMemoryResponse,
    summary="The NPC's memories ranked by recency, importance and relevance",
    responses=error_responses(401, 403, 422),
)
async def npc_memory(
    scope: ReadScope,
    pool: Pool,
    embedder: Embedder,
    settings: Settings,
    npc_id: Annotated[str, Path(pattern=ID_PATTERN)],
    query: Annotated[
        str | None, Query(min_length=1, max_length=1000, pattern=r"^[^\x00]+$")
    ] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    w_recency: Weight = None,
    w_importance: Weight = None,
    w_relevance: Weight = None,
    decay_per_hour: Annotated[float | None, Query(gt=0.0, lt=1.0)] = None,
    at: Annotated[
        AwareDatetime | None, Query(description="remember as of this time (default: now)")
    ] = None,
) -> NpcMemoryResponse:
    weights = Weights(
        recency=settings.memory_weight_recency if w_recency is None else w_recency,
        importance=settings.memory_weight_importance if w_importance is None else w_importance,
        relevance=settings.memory_weight_relevance if w_relevance is None else w_relevance,
    )
    when = at or datetime.now(UTC)
    decay = decay_per_hour or settings.memory_decay_per_hour
    recalled, candidates = await recall(
        pool,
        embedder,
        scope,
        RecallRequest(
            npc_id=npc_id,
            query=query,
            k=k,
            weights=weights,
            decay_per_hour=decay,
            at=when,
            scan=settings.memory_scan_events,
            candidates=settings.memory_candidates,
        ),
    )
    return NpcMemoryResponse(
        world_id=scope.world_id,
        npc_id=npc_id,
        query=query,
        at=when,
        weights=MemoryWeights(
            recency=weights.recency, importance=weights.importance, relevance=weights.relevance
        ),
        decay_per_hour=decay,
        candidates=candidates,
        memories=[
            Memory(
                event_id=item.event["event_id"],
                type=item.event["type"],
                occurred_at=item.event["occurred_at"],
                session_id=item.event["session_id"],
                role=item.role,
                text=item.text,
                scores=MemoryScores(
                    recency=item.recency,
                    importance=item.importance,
                    relevance=item.relevance,
                    total=item.score,
                ),
            )
            for item in recalled
        ],
    )
