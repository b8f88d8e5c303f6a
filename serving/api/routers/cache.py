"""The storyteller cache, namespaced by world: /v1/worlds/{world_id}/cache/{key}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from serving.api.dependencies import Pool, ReadScope
from serving.api.errors import ApiError
from serving.api.schemas.cache import CacheEntryResponse, CachePut
from serving.api.schemas.errors import error_responses
from serving.api.schemas.fields import CACHE_KEY_PATTERN
from serving.queries import cache as cache_queries
from serving.queries.cache import CacheEntry

router = APIRouter(prefix="/v1/worlds/{world_id}/cache", tags=["cache"])

CacheKey = Annotated[
    str, Path(pattern=CACHE_KEY_PATTERN, description="1-200 chars: letters, digits, . _ : @ -")
]


def _missing(key: str) -> ApiError:
    return ApiError(404, "cache_miss", f"no live cache entry {key!r}")


def _body(world_id: str, entry: CacheEntry) -> CacheEntryResponse:
    return CacheEntryResponse(
        world_id=world_id,
        key=entry.key,
        value=entry.value,
        expires_at=entry.expires_at,
        updated_at=entry.updated_at,
    )


@router.get(
    "/{key}",
    response_model=CacheEntryResponse,
    summary="Read a cached value",
    responses=error_responses(401, 403, 404, 422),
)
async def get_value(scope: ReadScope, pool: Pool, key: CacheKey) -> CacheEntryResponse:
    async with pool.acquire() as conn:
        entry = await cache_queries.get_entry(conn, scope, key)
    if entry is None:
        raise _missing(key)
    return _body(scope.world_id, entry)


@router.head(
    "/{key}",
    summary="Does a live entry exist? 200 or 404, no body",
    responses={404: {"description": "no live entry"}},
)
async def has_value(scope: ReadScope, pool: Pool, key: CacheKey) -> Response:
    async with pool.acquire() as conn:
        found = await cache_queries.entry_exists(conn, scope, key)
    return Response(status_code=200 if found else 404)


@router.put(
    "/{key}",
    response_model=CacheEntryResponse,
    summary="Store a JSON value with an optional TTL (201 when new, 200 when replaced)",
    responses={201: {"model": CacheEntryResponse}, **error_responses(401, 403, 413, 422)},
)
async def put_value(
    scope: ReadScope, pool: Pool, key: CacheKey, body: CachePut, response: Response
) -> CacheEntryResponse:
    async with pool.acquire() as conn:
        entry, created = await cache_queries.put_entry(
            conn, scope, key, body.value, body.ttl_seconds
        )
    response.status_code = 201 if created else 200
    return _body(scope.world_id, entry)


@router.delete(
    "/{key}",
    status_code=204,
    summary="Delete a cached value",
    responses=error_responses(401, 403, 404, 422),
)
async def delete_value(scope: ReadScope, pool: Pool, key: CacheKey) -> Response:
    async with pool.acquire() as conn:
        deleted = await cache_queries.delete_entry(conn, scope, key)
    if not deleted:
        raise _missing(key)
    return Response(status_code=204)
