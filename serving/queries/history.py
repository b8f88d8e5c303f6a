"""SQL for a world's history: stored events (keyset pages) and narrative-history search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import numpy as np

from loreline.knowledge.search import HistoryHit, search_history
from serving.security.scope import WorldScope

Order = Literal["asc", "desc"]


@dataclass(frozen=True, slots=True)
class EventFilter:
    session_id: str | None = None
    actor: str | None = None
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the (occurred_at, event_id) of its last event."""

    occurred_at: datetime
    event_id: UUID


async def event_page(
    conn: Any,
    scope: WorldScope,
    where: EventFilter,
    *,
    order: Order,
    after: Position | None,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Up to `limit` events of the world in (occurred_at, event_id) order after `after`;
    returns them and whether more follow. Only the filters given enter the SQL, so the planner
    walks the (world_id, occurred_at, event_id) index for every combination."""
    conditions = ["world_id = $1"]
    args: list[Any] = [scope.world_id]

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if where.session_id is not None:
        conditions.append(f"session_id = {bind(where.session_id)}")
    if where.actor is not None:
        conditions.append(f"actor = {bind(where.actor)}")
    if where.types:
        conditions.append(f"type = ANY({bind(list(where.types))}::text[])")
    if where.since is not None:
        conditions.append(f"occurred_at >= {bind(where.since)}")
    if where.until is not None:
        conditions.append(f"occurred_at < {bind(where.until)}")
    if after is not None:
        op = ">" if order == "asc" else "<"
        t, e = bind(after.occurred_at), bind(after.event_id)
        conditions.append(f"(occurred_at, event_id) {op} ({t}, {e})")
    direction = "ASC" if order == "asc" else "DESC"
    sql = (
        "SELECT event_id, type, occurred_at, actor, session_id, schema_version, payload"
        f" FROM events WHERE {' AND '.join(conditions)}"
        f" ORDER BY occurred_at {direction}, event_id {direction} LIMIT {bind(limit + 1)}"
    )
    records = await conn.fetch(sql, *args)
    return [dict(record) for record in records[:limit]], len(records) > limit


async def search_narrative(
    pool: Any,
    scope: WorldScope,
    query_embedding: Sequence[float] | np.ndarray | None,
    query_text: str,
    *,
    k: int,
    session_id: str | None,
    since: datetime | None,
    until: datetime | None,
    mode: Literal["hybrid", "vector", "text"],
) -> list[HistoryHit]:
    """Semantic (+ full-text) search over the world's narrative history summaries."""
    hits = await search_history(
        pool,
        query_embedding,
        query_text,
        world_id=scope.world_id,
        k=k,
        session_id=session_id,
        since=since,
        until=until,
        mode=mode,
    )
    return [hit for hit in hits if hit.world_id == scope.world_id]
