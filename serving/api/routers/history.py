"""A world's history: stored events (cursor pages) and semantic search over narrative history."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from serving.api.cursor import InvalidCursorError, decode_cursor, encode_cursor
from serving.api.dependencies import Embedder, Pool, ReadScope
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.api.schemas.fields import ID_PATTERN
from serving.api.schemas.history import (
    HistoryEvent,
    HistoryHitModel,
    HistoryPage,
    HistorySearchRequest,
    HistorySearchResponse,
)
from serving.queries.history import EventFilter, Position, event_page, search_narrative

router = APIRouter(prefix="/v1/worlds/{world_id}/history", tags=["history"])

IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN)]
_EVENT_TYPE = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")


@router.get(
    "",
    response_model=HistoryPage,
    summary="The world's events in time order, cursor-paginated and filterable",
    responses=error_responses(400, 401, 403, 422),
)
async def history(
    scope: ReadScope,
    pool: Pool,
    session_id: IdQuery = None,
    actor: IdQuery = None,
    type: Annotated[
        list[str] | None,
        Query(max_length=20, description="event types, e.g. dialogue.line (repeatable)"),
    ] = None,
    since: Annotated[AwareDatetime | None, Query(description="occurred at or after")] = None,
    until: Annotated[AwareDatetime | None, Query(description="occurred before")] = None,
    order: Literal["asc", "desc"] = "asc",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HistoryPage:
    types = tuple(type or ())
    for name in types:
        if not _is_event_type(name):
            raise ApiError(422, "validation_error", f"invalid type {name[:80]!r}")
    after = None
    if cursor is not None:
        try:
            after = decode_cursor(cursor, order)
        except InvalidCursorError as exc:
            raise ApiError(400, "invalid_cursor", str(exc)) from exc
    where = EventFilter(session_id=session_id, actor=actor, types=types, since=since, until=until)
    async with pool.acquire() as conn:
        rows, more = await event_page(conn, scope, where, order=order, after=after, limit=limit)
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(Position(last["occurred_at"], last["event_id"]), order)
    return HistoryPage(
        world_id=scope.world_id,
        order=order,
        events=[HistoryEvent.model_validate(row) for row in rows],
        next_cursor=next_cursor,
    )


def _is_event_type(name: str) -> bool:
    return len(name) <= 64 and _EVENT_TYPE.fullmatch(name) is not None


@router.post(
    "/search",
    response_model=HistorySearchResponse,
    summary="Semantic + full-text search over the world's narrative history",
    responses=error_responses(401, 403, 413, 422),
)
async def history_search(
    body: HistorySearchRequest, scope: ReadScope, pool: Pool, embedder: Embedder
) -> HistorySearchResponse:
    vector = await embedder.embed(body.query) if body.mode != "text" else None
    hits = await search_narrative(
        pool,
        scope,
        vector,
        body.query,
        k=body.k,
        session_id=body.session_id,
        since=body.since,
        until=body.until,
        mode=body.mode,
    )
    return HistorySearchResponse(
        world_id=scope.world_id,
        query=body.query,
        hits=[HistoryHitModel.model_validate(hit.model_dump()) for hit in hits],
    )
