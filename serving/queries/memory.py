"""SQL for NPC memory: the candidate observations of one NPC and their stored text embeddings.

Candidates come from the newest `scan` events of the world up to `at` (a bounded walk down the
(world_id, occurred_at, event_id) index): events the NPC acted in, spoke, was the subject of
(`payload.npc_id`) or listened to, and events at the place the NPC was at that time (its latest
`npc.state_changed` location before the event within the window, else its current location).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import numpy as np
import numpy.typing as npt

from serving.security.scope import WorldScope

_CANDIDATES_SQL = """
WITH recent AS (
    SELECT event_id, type, occurred_at, actor, session_id, payload
      FROM events
     WHERE world_id = $1 AND occurred_at <= $3
     ORDER BY occurred_at DESC, event_id DESC
     LIMIT $4
),
moves AS (
    SELECT occurred_at, payload->>'location' AS location
      FROM recent
     WHERE type = 'npc.state_changed' AND payload->>'npc_id' = $2 AND payload ? 'location'
),
home AS (
    SELECT location FROM world_state_npcs WHERE world_id = $1 AND npc_id = $2
)
SELECT r.event_id, r.type, r.occurred_at, r.actor, r.session_id, r.payload
  FROM recent r
 WHERE r.type <> 'clock.tick'
   AND (r.actor = $2
        OR r.payload->>'npc_id' = $2
        OR r.payload->>'speaker' = $2
        OR (jsonb_typeof(r.payload->'listeners') = 'array' AND r.payload->'listeners' ? $2)
        OR coalesce(r.payload->>'location', r.payload->>'to_location') = coalesce(
               (SELECT m.location FROM moves m WHERE m.occurred_at <= r.occurred_at
                 ORDER BY m.occurred_at DESC LIMIT 1),
               (SELECT location FROM home)))
 ORDER BY r.occurred_at DESC, r.event_id DESC
 LIMIT $5
"""


async def npc_candidates(
    conn: Any, scope: WorldScope, npc_id: str, *, at: datetime, scan: int, limit: int
) -> list[dict[str, Any]]:
    records = await conn.fetch(_CANDIDATES_SQL, scope.world_id, npc_id, at, scan, limit)
    return [dict(record) for record in records]


async def npc_known(conn: Any, scope: WorldScope, npc_id: str) -> bool:
    """True when the world has state or an entity for this NPC."""
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM world_state_npcs WHERE world_id = $1 AND npc_id = $2)"
        " OR EXISTS (SELECT 1 FROM entities WHERE world_id = $1 AND kind = 'npc'"
        " AND entity_id = $2)",
        scope.world_id,
        npc_id,
    )
    return bool(found)


async def stored_embeddings(
    conn: Any, scope: WorldScope, event_ids: Sequence[UUID], renderer: int
) -> dict[UUID, npt.NDArray[np.float32]]:
    records = await conn.fetch(
        "SELECT event_id, embedding FROM memory_embeddings"
        " WHERE world_id = $1 AND event_id = ANY($2::uuid[]) AND renderer = $3",
        scope.world_id,
        list(event_ids),
        renderer,
    )
    return {record["event_id"]: record["embedding"] for record in records}


async def store_embeddings(
    conn: Any,
    scope: WorldScope,
    event_ids: Sequence[UUID],
    vectors: npt.NDArray[np.float32],
    renderer: int,
) -> None:
    await conn.executemany(
        "INSERT INTO memory_embeddings (world_id, event_id, renderer, embedding)"
        " VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (world_id, event_id) DO UPDATE"
        " SET renderer = EXCLUDED.renderer, embedding = EXCLUDED.embedding, created_at = now()"
        " WHERE memory_embeddings.renderer <> EXCLUDED.renderer",
        [
            (scope.world_id, event_id, renderer, vectors[index])
            for index, event_id in enumerate(event_ids)
        ],
    )
