from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class PlayerState(BaseModel):
    player_id: str
    location: str | None = None
    status: str | None = None
    updated_at: datetime | None = None


class QuestState(BaseModel):
    player_id: str
    quest_id: str
    status: str | None = None
    step: int = 0
    updated_at: datetime | None = None


class NpcState(BaseModel):
    npc_id: str
    status: str | None = None
    location: str | None = None
    mood: str | None = None
    updated_at: datetime | None = None


class NpcRelation(BaseModel):
    npc_id: str
    player_id: str
    affinity: float
    updated_at: datetime | None = None


class FactionStanding(BaseModel):
    faction_id: str
    player_id: str
    reputation: float
    updated_at: datetime | None = None


class ItemPrice(BaseModel):
    item: str
    price: float
    updated_at: datetime | None = None


class Weather(BaseModel):
    condition: str | None = None
    temperature_c: float | None = None
    wind: str | None = None


class GameClock(BaseModel):
    game_day: int | None = None
    game_minute: int | None = None


class StateSource(BaseModel):
    kind: Literal["live", "snapshot"]
    as_of: datetime | None = Field(
        default=None, description="time of the newest event the state reflects"
    )
    last_offset: int | None = Field(default=None, description="ingest offset (live state only)")
    events_applied: int | None = None
    snapshot_date: date | None = None


class WorldStateResponse(BaseModel):
    world_id: str
    source: StateSource
    weather: Weather | None = None
    clock: GameClock | None = None
    players: list[PlayerState]
    quests: list[QuestState]
    npcs: list[NpcState]
    npc_relations: list[NpcRelation]
    factions: list[FactionStanding]
    economy: list[ItemPrice]
    truncated: list[str] = Field(default_factory=list, description="sections cut at `limit` rows")
