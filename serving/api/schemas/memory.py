from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field


class MemoryScores(BaseModel):
    recency: float = Field(description="0..1, min-max normalised over the candidates")
    importance: float = Field(description="0..1, min-max normalised over the candidates")
    relevance: float = Field(description="0..1, min-max normalised; 0 without a query")
    total: float = Field(description="weighted sum of the three")


class Memory(BaseModel):
    event_id: UUID
    type: str
    occurred_at: datetime
    session_id: str | None = None
    role: Literal["actor", "speaker", "subject", "listener", "witness"]
    text: str
    scores: MemoryScores


class MemoryWeights(BaseModel):
    recency: float
    importance: float
    relevance: float


class NpcMemoryResponse(BaseModel):
    world_id: str
    npc_id: str
    query: str | None
    at: datetime
    weights: MemoryWeights
    decay_per_hour: float
    candidates: int = Field(description="observations scored")
    memories: list[Memory]
