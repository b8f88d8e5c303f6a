"""asyncpg connection pools with pgvector `vector` as numpy float32 and json/jsonb as Python."""

from __future__ import annotations

import json

import asyncpg

from loreline.db.vector_codec import register_vector_codec


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, schema="pg_catalog", encoder=json.dumps, decoder=json.loads, format="text"
        )
    await register_vector_codec(conn)


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool on `dsn`. Vector columns need the `vector` extension (migration 0001) to exist
    when a connection opens; apply migrations before creating the pool."""
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection
    )
