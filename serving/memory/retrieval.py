"""Recall: candidates from SQL, texts and importance per event, embeddings (stored or computed
once), then the vectorised score."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np

from serving.embedding import QueryEmbedder
from serving.memory.importance import importance
from serving.memory.observations import RENDERER_VERSION, observation_text, participation
from serving.memory.scoring import Scores, Weights, cosine, score
from serving.queries import memory as memory_queries
from serving.security.scope import WorldScope


@dataclass(frozen=True, slots=True)
class RecallRequest:
    npc_id: str
    query: str | None
    k: int
    weights: Weights
    decay_per_hour: float
    at: datetime
    scan: int
    candidates: int


@dataclass(frozen=True, slots=True)
class Recalled:
    event: dict[str, Any]
    text: str
    role: str
    recency: float
    importance: float
    relevance: float
    score: float


async def recall(
    pool: Any, embedder: QueryEmbedder | None, scope: WorldScope, request: RecallRequest
) -> tuple[list[Recalled], int]:
    """The best `k` memories and how many candidates were scored."""
    async with pool.acquire() as conn:
        events = await memory_queries.npc_candidates(
            conn, scope, request.npc_id, at=request.at, scan=request.scan, limit=request.candidates
        )
    if not events:
        return [], 0
    texts = [observation_text(e["type"], e["actor"], e["payload"]) for e in events]
    roles = [participation(request.npc_id, e["actor"], e["payload"]) for e in events]
    hours = np.array(
        [(request.at - e["occurred_at"]).total_seconds() / 3600.0 for e in events], dtype=np.float64
    )
    weights_of_importance = np.array(
        [importance(e["type"], e["payload"], role) for e, role in zip(events, roles, strict=True)],
        dtype=np.float64,
    )
    similarity = None
    if request.query and embedder is not None and request.weights.relevance > 0:
        query_vector = await embedder.embed(request.query)
        memory_vectors = await _memory_vectors(pool, embedder, scope, events, texts)
        similarity = cosine(query_vector, memory_vectors)
    scores: Scores = score(
        hours, weights_of_importance, similarity, request.weights, request.decay_per_hour
    )
    order = np.lexsort((hours, -scores.total))[: request.k]
    recalled = [
        Recalled(
            event=events[i],
            text=texts[i],
            role=roles[i],
            recency=float(scores.recency[i]),
            importance=float(scores.importance[i]),
            relevance=float(scores.relevance[i]),
            score=float(scores.total[i]),
        )
        for i in order.tolist()
    ]
    return recalled, len(events)


async def _memory_vectors(
    pool: Any,
    embedder: QueryEmbedder,
    scope: WorldScope,
    events: list[dict[str, Any]],
    texts: list[str],
) -> np.ndarray:
    ids: list[UUID] = [e["event_id"] for e in events]
    async with pool.acquire() as conn:
        stored = await memory_queries.stored_embeddings(conn, scope, ids, RENDERER_VERSION)
    missing = [i for i, event_id in enumerate(ids) if event_id not in stored]
    if missing:
        computed = await embedder.embed_texts([texts[i] for i in missing])
        async with pool.acquire() as conn:
            await memory_queries.store_embeddings(
                conn, scope, [ids[i] for i in missing], computed, RENDERER_VERSION
            )
        for row, i in enumerate(missing):
            stored[ids[i]] = computed[row]
    return np.stack([np.asarray(stored[event_id], dtype=np.float32) for event_id in ids])
