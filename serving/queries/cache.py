"""SQL for the per-world cache (`cache_entries`). The world is always `scope.world_id`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from serving.security.scope import WorldScope

_LIVE = "(expires_at IS NULL OR expires_at > now())"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    key: str
    value: Any
    expires_at: datetime | None
    updated_at: datetime


async def get_entry(conn: Any, scope: WorldScope, key: str) -> CacheEntry | None:
    record = await conn.fetchrow(
        f"SELECT key, value, expires_at, updated_at FROM cache_entries"
        f" WHERE world_id = $1 AND key = $2 AND {_LIVE}",
        scope.world_id,
        key,
    )
    if record is None:
        return None
    return CacheEntry(record["key"], record["value"], record["expires_at"], record["updated_at"])


async def entry_exists(conn: Any, scope: WorldScope, key: str) -> bool:
    found = await conn.fetchval(
        f"SELECT 1 FROM cache_entries WHERE world_id = $1 AND key = $2 AND {_LIVE}",
        scope.world_id,
        key,
    )
    return found is not None


async def put_entry(
    conn: Any, scope: WorldScope, key: str, value: Any, ttl_seconds: float | None
) -> tuple[CacheEntry, bool]:
    """Upsert; returns the entry and whether it is new (an expired row counts as new)."""
    record = await conn.fetchrow(
        """
        INSERT INTO cache_entries AS c (world_id, key, value, expires_at)
        VALUES ($1, $2, $3::text::jsonb,
                CASE WHEN $4::float8 IS NULL THEN NULL
                     ELSE now() + make_interval(secs => $4::float8) END)
        ON CONFLICT (world_id, key) DO UPDATE
           SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = now(),
               created_at = CASE WHEN c.expires_at IS NOT NULL AND c.expires_at <= now()
                                 THEN now() ELSE c.created_at END
        RETURNING key, value, expires_at, updated_at, (created_at = updated_at) AS created
        """,
        scope.world_id,
        key,
        json.dumps(value, ensure_ascii=False, allow_nan=False),
        ttl_seconds,
    )
    entry = CacheEntry(record["key"], record["value"], record["expires_at"], record["updated_at"])
    return entry, bool(record["created"])


async def delete_entry(conn: Any, scope: WorldScope, key: str) -> bool:
    deleted = await conn.fetchval(
        f"DELETE FROM cache_entries WHERE world_id = $1 AND key = $2 RETURNING {_LIVE}",
        scope.world_id,
        key,
    )
    return bool(deleted)


async def purge_expired(conn: Any) -> int:
    """Maintenance across worlds: delete expired rows (returns nothing of theirs but a count)."""
    status = await conn.execute(
        "DELETE FROM cache_entries WHERE expires_at IS NOT NULL AND expires_at <= now()"
    )
    return int(status.split()[-1])
