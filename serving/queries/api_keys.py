"""SQL for API keys (serving-owned table `api_keys`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from serving.security.tokens import IssuedToken


@dataclass(frozen=True, slots=True)
class KeyRow:
    key_id: str
    salt: bytes
    secret_hash: bytes
    worlds: tuple[str, ...]
    roles: tuple[str, ...]
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def _row(record: Any) -> KeyRow:
    return KeyRow(
        key_id=record["key_id"],
        salt=bytes(record["salt"]),
        secret_hash=bytes(record["secret_hash"]),
        worlds=tuple(record["worlds"]),
        roles=tuple(record["roles"]),
        label=record["label"],
        created_at=record["created_at"],
        revoked_at=record["revoked_at"],
    )


_COLUMNS = "key_id, salt, secret_hash, worlds, roles, label, created_at, revoked_at"


async def insert_key(
    conn: Any, issued: IssuedToken, worlds: list[str], roles: list[str], label: str | None
) -> KeyRow:
    record = await conn.fetchrow(
        f"INSERT INTO api_keys (key_id, salt, secret_hash, worlds, roles, label)"
        f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
        issued.key_id,
        issued.salt,
        issued.secret_hash,
        worlds,
        roles,
        label,
    )
    return _row(record)


async def fetch_key(conn: Any, key_id: str) -> KeyRow | None:
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM api_keys WHERE key_id = $1", key_id)
    return None if record is None else _row(record)


async def list_keys_within(conn: Any, worlds: list[str]) -> list[KeyRow]:
    """Keys whose every world is among `worlds` (what an admin of those worlds may see)."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM api_keys WHERE worlds <@ $1::text[] ORDER BY created_at, key_id",
        worlds,
    )
    return [_row(record) for record in records]


async def revoke_key_within(conn: Any, key_id: str, worlds: list[str] | None) -> KeyRow | None:
    """Mark a key revoked (once); `worlds` limits it to keys inside an admin's worlds (None: any).
    Returns the key, or None when no such key is visible."""
    record = await conn.fetchrow(
        f"UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())"
        f" WHERE key_id = $1 AND ($2::text[] IS NULL OR worlds <@ $2::text[])"
        f" RETURNING {_COLUMNS}",
        key_id,
        worlds,
    )
    return None if record is None else _row(record)
