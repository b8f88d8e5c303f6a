"""SQL for a world's state: the live `world_state_*` tables, or a daily snapshot for `?at=`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from serving.security.scope import WorldScope

SECTIONS = ("players", "quests", "npcs", "npc_relations", "factions", "economy")

_LIVE_SQL = {
    "players": "SELECT player_id, location, status, updated_at FROM world_state_players"
    " WHERE world_id = $1 ORDER BY player_id LIMIT $2",
    "quests": "SELECT player_id, quest_id, status, step, updated_at FROM world_state_quests"
    " WHERE world_id = $1 ORDER BY player_id, quest_id LIMIT $2",
    "npcs": "SELECT npc_id, status, location, mood, updated_at FROM world_state_npcs"
    " WHERE world_id = $1 ORDER BY npc_id LIMIT $2",
    "npc_relations": "SELECT npc_id, player_id, affinity::float8 AS affinity, updated_at"
    " FROM world_state_npc_relations WHERE world_id = $1 ORDER BY npc_id, player_id LIMIT $2",
    "factions": "SELECT faction_id, player_id, reputation::float8 AS reputation, updated_at"
    " FROM world_state_factions WHERE world_id = $1 ORDER BY faction_id, player_id LIMIT $2",
    "economy": "SELECT item, price, updated_at FROM world_state_economy"
    " WHERE world_id = $1 ORDER BY item LIMIT $2",
}

_WORLD_SQL = """
SELECT weather, temperature_c, wind, game_day, game_minute, events_applied, last_event_at,
       last_offset
  FROM world_state_world WHERE world_id = $1
"""


@dataclass
class StateRows:
    """Rows per section (each a dict), the world row, and what the state reflects."""

    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    truncated: dict[str, bool] = field(default_factory=dict)
    world: dict[str, Any] | None = None
    snapshot_date: date | None = None
    as_of: datetime | None = None


async def live_state(conn: Any, scope: WorldScope, limit: int) -> StateRows:
    """The live state, read in one repeatable-read transaction so all sections agree."""
    rows = StateRows()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for section, sql in _LIVE_SQL.items():
            records = await conn.fetch(sql, scope.world_id, limit + 1)
            rows.truncated[section] = len(records) > limit
            rows.sections[section] = [dict(record) for record in records[:limit]]
        world = await conn.fetchrow(_WORLD_SQL, scope.world_id)
    rows.world = None if world is None else dict(world)
    rows.as_of = None if world is None else world["last_event_at"]
    return rows


async def snapshot_state(
    conn: Any, scope: WorldScope, at: datetime, limit: int
) -> StateRows | None:
    """The newest daily snapshot whose day ended at or before `at`; None when there is none."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        snapshot_date = await conn.fetchval(
            "SELECT max(snapshot_date) FROM world_state_snapshots"
            " WHERE world_id = $1 AND (snapshot_date + 1)::timestamp AT TIME ZONE 'UTC' <= $2",
            scope.world_id,
            at,
        )
        if snapshot_date is None:
            return None
        records = await conn.fetch(
            "SELECT kind, key, state, as_of FROM world_state_snapshots"
            " WHERE world_id = $1 AND snapshot_date = $2 ORDER BY kind, key",
            scope.world_id,
            snapshot_date,
        )
    rows = StateRows(snapshot_date=snapshot_date)
    for section in SECTIONS:
        rows.sections[section] = []
        rows.truncated[section] = False
    for record in records:
        state = record["state"] if isinstance(record["state"], dict) else {}
        as_of = record["as_of"]
        if rows.as_of is None or as_of > rows.as_of:
            rows.as_of = as_of
        kind = record["kind"]
        if kind == "world":
            rows.world = state
            continue
        entries = rows.sections.get(kind)
        if entries is None:
            continue
        if len(entries) >= limit:
            rows.truncated[kind] = True
            continue
        entries.append(_with_key_ids(kind, record["key"], state))
    return rows


_KEY_FIELDS = {
    "players": ("player_id",),
    "quests": ("player_id", "quest_id"),
    "npcs": ("npc_id",),
    "npc_relations": ("npc_id", "player_id"),
    "factions": ("faction_id", "player_id"),
    "economy": ("item",),
}


def _with_key_ids(kind: str, key: str, state: dict[str, Any]) -> dict[str, Any]:
    """Snapshot rows key their entity by `key` ('p1', 'p1/q1', ...); fill ids the state lacks."""
    merged = dict(state)
    names = _KEY_FIELDS[kind]
    parts = key.split("/", len(names) - 1)
    if len(parts) == len(names):
        for name, part in zip(names, parts, strict=True):
            merged.setdefault(name, part)
    return merged
