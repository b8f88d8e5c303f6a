"""Key management for admins: create, list and revoke keys within the admin key's worlds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from serving.api.dependencies import AdminCaller, Pool, Resources
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.api.schemas.keys import KeyCreated, KeyCreateRequest, KeyInfo, KeyList
from serving.queries import api_keys as key_queries
from serving.queries.api_keys import KeyRow
from serving.security.keys import create_api_key_row

router = APIRouter(prefix="/v1/admin/keys", tags=["admin"])

KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the 12 hex chars after lk_")]


def _info(row: KeyRow) -> KeyInfo:
    return KeyInfo(
        key_id=row.key_id,
        worlds=list(row.worlds),
        roles=list(row.roles),
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=KeyCreated,
    summary="Create a key for some of the admin key's worlds",
    responses=error_responses(401, 403, 422),
)
async def create_key(body: KeyCreateRequest, caller: AdminCaller, pool: Pool) -> KeyCreated:
    outside = sorted(set(body.worlds) - caller.worlds)
    if outside:
        raise ApiError(403, "world_forbidden", f"this admin key does not hold worlds {outside}")
    token, row = await create_api_key_row(pool, body.worlds, body.roles, label=body.label)
    return KeyCreated(api_key=token, **_info(row).model_dump())


@router.get(
    "",
    response_model=KeyList,
    summary="Keys confined to the admin key's worlds",
    responses=error_responses(401, 403),
)
async def list_keys(caller: AdminCaller, pool: Pool) -> KeyList:
    async with pool.acquire() as conn:
        rows = await key_queries.list_keys_within(conn, sorted(caller.worlds))
    return KeyList(keys=[_info(row) for row in rows])


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke a key (takes effect at once in this process)",
    responses=error_responses(401, 403, 404, 422),
)
async def revoke_key(
    key_id: KeyId, caller: AdminCaller, pool: Pool, resources: Resources
) -> Response:
    async with pool.acquire() as conn:
        row = await key_queries.revoke_key_within(conn, key_id, sorted(caller.worlds))
    if row is None:
        raise ApiError(404, "key_not_found", f"no key {key_id!r} within this admin's worlds")
    resources.authenticator.forget(key_id)
    return Response(status_code=204)
