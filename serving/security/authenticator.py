"""Turning an `Authorization: Bearer lk_...` header into a `Principal`.

Key rows are looked up by id and kept in-process for `ttl` seconds (0 disables it), so a busy API
does not query `api_keys` on every request; the salted hash is checked on every request, and a key
revoked through this process is dropped from the cache at once (other processes see it within
`ttl`).
"""

from __future__ import annotations

import time
from typing import Any

from serving.queries import api_keys as key_queries
from serving.queries.api_keys import KeyRow
from serving.security.scope import Principal, Role
from serving.security.tokens import parse_token, secret_matches


class KeyAuthenticator:
    def __init__(self, pool: Any, ttl: float) -> None:
        self._pool = pool
        self._ttl = ttl
        self._rows: dict[str, tuple[float, KeyRow | None]] = {}

    async def principal(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked key; None for anything else."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        row = await self._row(parsed.key_id)
        if row is None or row.revoked_at is not None:
            return None
        if not secret_matches(parsed, row.salt, row.secret_hash):
            return None
        return Principal(
            key_id=row.key_id,
            worlds=frozenset(row.worlds),
            roles=frozenset(Role(role) for role in row.roles),
        )

    def forget(self, key_id: str) -> None:
        self._rows.pop(key_id, None)

    async def _row(self, key_id: str) -> KeyRow | None:
        now = time.monotonic()
        cached = self._rows.get(key_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._pool.acquire() as conn:
            row = await key_queries.fetch_key(conn, key_id)
        if self._ttl > 0 and row is not None:
            if len(self._rows) > 10_000:
                self._rows.clear()
            self._rows[key_id] = (now + self._ttl, row)
        return row
