from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class EventOutcome(BaseModel):
    index: int = Field(description="position of the event in the submitted batch")
    event_id: UUID | None = None
    status: Literal["accepted", "rejected"]
    code: str | None = Field(
        default=None,
        description=(
            "why it was rejected: validation, unknown_type, schema_version, world_forbidden"
        ),
    )
    reason: str | None = None
    field: str | None = None


class IngestResponse(BaseModel):
    accepted: int
    rejected: int
    topic: str
    results: list[EventOutcome]
