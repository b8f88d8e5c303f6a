"""FastAPI dependencies as `Annotated` aliases: resources, the caller and its world scopes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loreline.contract import WORLD_ID_PATTERN
from serving.api.errors import ApiError
from serving.api.resources import ApiResources
from serving.api.settings import ApiSettings
from serving.embedding import QueryEmbedder
from serving.ingest.publisher import EventPublisher
from serving.security.scope import Principal, Role, WorldForbiddenError, WorldScope

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="`Authorization: Bearer lk_...` (create keys with `loreline keys create`)",
)


def get_resources(request: Request) -> ApiResources:
    resources: ApiResources | None = getattr(request.app.state, "resources", None)
    if resources is None:
        raise ApiError(503, "starting", "the API is still starting; retry")
    return resources


Resources = Annotated[ApiResources, Depends(get_resources)]


def get_settings(resources: Resources) -> ApiSettings:
    return resources.settings


def get_pool(resources: Resources) -> Any:
    return resources.pool


def get_embedder(resources: Resources) -> QueryEmbedder:
    return resources.embedder


def get_publisher(resources: Resources) -> EventPublisher:
    return resources.publisher


Settings = Annotated[ApiSettings, Depends(get_settings)]
Pool = Annotated[Any, Depends(get_pool)]
Embedder = Annotated[QueryEmbedder, Depends(get_embedder)]
Publisher = Annotated[EventPublisher, Depends(get_publisher)]

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


async def authenticate(
    resources: Resources,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(
            401,
            "unauthorized",
            "missing API key: send `Authorization: Bearer lk_...`",
            headers=_UNAUTHORIZED_HEADERS,
        )
    principal = await resources.authenticator.principal(credentials.credentials)
    if principal is None:
        raise ApiError(
            401,
            "invalid_api_key",
            "the API key is unknown or revoked",
            headers=_UNAUTHORIZED_HEADERS,
        )
    return principal


Caller = Annotated[Principal, Depends(authenticate)]

WorldIdPath = Annotated[
    str, Path(pattern=WORLD_ID_PATTERN, description="world slug, e.g. `saltmarch`")
]


def forbidden(exc: WorldForbiddenError) -> ApiError:
    if exc.missing_role:
        return ApiError(403, "role_forbidden", f"this API key lacks the role {exc.role.value!r}")
    return ApiError(403, "world_forbidden", f"this API key has no access to world {exc.world_id!r}")


def require_scope(principal: Principal, world_id: str, role: Role) -> WorldScope:
    try:
        return principal.scope_for(world_id, role)
    except WorldForbiddenError as exc:
        raise forbidden(exc) from exc


def read_scope(world_id: WorldIdPath, caller: Caller) -> WorldScope:
    return require_scope(caller, world_id, Role.READ)


ReadScope = Annotated[WorldScope, Depends(read_scope)]


def require_role(caller: Principal, role: Role) -> Principal:
    if not caller.has_role(role):
        raise forbidden(WorldForbiddenError("", role, missing_role=True))
    return caller


def ingest_caller(caller: Caller) -> Principal:
    return require_role(caller, Role.INGEST)


def admin_caller(caller: Caller) -> Principal:
    return require_role(caller, Role.ADMIN)


IngestCaller = Annotated[Principal, Depends(ingest_caller)]
AdminCaller = Annotated[Principal, Depends(admin_caller)]
