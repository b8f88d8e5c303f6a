"""GET /v1/worlds/{world_id}/state: live state, or a daily snapshot with `?at=`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from serving.api.dependencies import Pool, ReadScope
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.api.schemas.state import (
    FactionStanding,
    GameClock,
    ItemPrice,
    NpcRelation,
    NpcState,
    PlayerState,
    QuestState,
    StateSource,
    Weather,
    WorldStateResponse,
)
from serving.queries.state import StateRows, live_state, snapshot_state

router = APIRouter(prefix="/v1/worlds/{world_id}", tags=["world state"])


@router.get(
    "/state",
    response_model=WorldStateResponse,
    summary="World state: players, quests, NPCs, relations, factions, weather, clock, economy",
    responses=error_responses(401, 403, 404, 422),
)
async def world_state(
    scope: ReadScope,
    pool: Pool,
    at: Annotated[
        AwareDatetime | None,
        Query(description="read the newest daily snapshot that ended at or before this time"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="rows per section")] = 1_000,
) -> WorldStateResponse:
    async with pool.acquire() as conn:
        if at is None:
            rows = await live_state(conn, scope, limit)
        else:
            found = await snapshot_state(conn, scope, at, limit)
            if found is None:
                raise ApiError(
                    404,
                    "snapshot_not_found",
                    f"world {scope.world_id!r} has no snapshot of a day ending at or before {at}",
                )
            rows = found
    return _response(scope.world_id, rows, snapshot=at is not None)


def _section(rows: StateRows, name: str) -> list[dict[str, Any]]:
    return rows.sections.get(name, [])


def _response(world_id: str, rows: StateRows, *, snapshot: bool) -> WorldStateResponse:
    world = rows.world or {}
    weather = None
    if any(world.get(name) is not None for name in ("weather", "temperature_c", "wind")):
        weather = Weather(
            condition=world.get("weather"),
            temperature_c=world.get("temperature_c"),
            wind=world.get("wind"),
        )
    clock = None
    if world.get("game_day") is not None or world.get("game_minute") is not None:
        clock = GameClock(game_day=world.get("game_day"), game_minute=world.get("game_minute"))
    source = StateSource(
        kind="snapshot" if snapshot else "live",
        as_of=rows.as_of,
        last_offset=None if snapshot else world.get("last_offset"),
        events_applied=world.get("events_applied"),
        snapshot_date=rows.snapshot_date,
    )
    return WorldStateResponse(
        world_id=world_id,
        source=source,
        weather=weather,
        clock=clock,
        players=[PlayerState.model_validate(r) for r in _section(rows, "players")],
        quests=[QuestState.model_validate(r) for r in _section(rows, "quests")],
        npcs=[NpcState.model_validate(r) for r in _section(rows, "npcs")],
        npc_relations=[NpcRelation.model_validate(r) for r in _section(rows, "npc_relations")],
        factions=[FactionStanding.model_validate(r) for r in _section(rows, "factions")],
        economy=[ItemPrice.model_validate(r) for r in _section(rows, "economy")],
        truncated=sorted(name for name, cut in rows.truncated.items() if cut),
    )
