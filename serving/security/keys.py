"""Creating and revoking API keys: what the `loreline keys` command and the admin endpoints call."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from loreline.contract import validate_world_id
from serving.queries import api_keys as key_queries
from serving.queries.api_keys import KeyRow
from serving.security.scope import Role
from serving.security.tokens import issue_token


def _checked_worlds(worlds: Iterable[str]) -> list[str]:
    checked = sorted({validate_world_id(world, "world") for world in worlds})
    if not checked:
        raise ValueError("a key needs at least one world")
    return checked


def _checked_roles(roles: Iterable[str | Role]) -> list[str]:
    try:
        checked = sorted({Role(role).value for role in roles})
    except ValueError as exc:
        known = ", ".join(role.value for role in Role)
        raise ValueError(f"unknown role in {list(roles)!r}; roles are: {known}") from exc
    if not checked:
        raise ValueError("a key needs at least one role")
    return checked


async def create_api_key_row(
    pool: Any,
    worlds: Iterable[str],
    roles: Iterable[str | Role],
    *,
    label: str | None = None,
) -> tuple[str, KeyRow]:
    """Create a key; returns the secret token (shown once) and the stored row."""
    checked_worlds, checked_roles = _checked_worlds(worlds), _checked_roles(roles)
    issued = issue_token()
    async with pool.acquire() as conn:
        row = await key_queries.insert_key(conn, issued, checked_worlds, checked_roles, label)
    return issued.token, row


async def create_api_key(
    pool: Any,
    worlds: Iterable[str],
    roles: Iterable[str | Role],
    *,
    label: str | None = None,
) -> str:
    """Create a key for `worlds` with `roles` (read, ingest, admin); returns `lk_...` (only the
    salted hash is stored, so this is the one chance to see it). `pool`: an asyncpg pool."""
    token, _row = await create_api_key_row(pool, worlds, roles, label=label)
    return token


async def revoke_api_key(pool: Any, key_id: str) -> bool:
    """Revoke a key by its id (the 12 hex characters after `lk_`); True if it exists."""
    async with pool.acquire() as conn:
        return await key_queries.revoke_key_within(conn, key_id, None) is not None


async def list_api_keys(pool: Any, worlds: Iterable[str]) -> list[KeyRow]:
    """Keys confined to `worlds` (never their secrets)."""
    async with pool.acquire() as conn:
        return await key_queries.list_keys_within(conn, _checked_worlds(worlds))
