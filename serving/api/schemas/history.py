from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from serving.api.schemas.fields import EntityId, QueryText, TopK


class HistoryEvent(BaseModel):
    event_id: UUID
    type: str
    occurred_at: datetime
    actor: str | None = None
    session_id: str | None = None
    schema_version: int
    payload: dict[str, Any]


class HistoryPage(BaseModel):
    world_id: str
    order: Literal["asc", "desc"]
    events: list[HistoryEvent]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; null on the last page"
    )


class HistorySearchRequest(BaseModel):
    query: QueryText
    k: TopK = 8
    session_id: EntityId | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    mode: Literal["hybrid", "vector", "text"] = "hybrid"


class HistoryHitModel(BaseModel):
    history_id: int
    session_id: str
    period_start: datetime
    period_end: datetime
    summary: str
    event_count: int
    first_event_id: str
    last_event_id: str
    score: float
    similarity: float | None = None


class HistorySearchResponse(BaseModel):
    world_id: str
    query: str
    hits: list[HistoryHitModel]
