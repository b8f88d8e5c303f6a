"""World-state snapshots computed over the event lake with DuckDB (set-based, no per-row Python).

`compute_snapshot(lake_dir, as_of)` gives, per kind, an Arrow table with the same columns as the
streams' live `world_state_*` tables, following docs/architecture.md "State semantics":
"latest" = greatest `(occurred_at, event_id)`, sums of deltas in exact micro-units (6 decimals),
step = max over `quest.progressed`. Events are de-duplicated by event_id where it matters (sums and
counts), so a re-delivered event stored twice in the lake counts once, as in the live state.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from assets import lake

KINDS = ("players", "quests", "npcs", "npc_relations", "factions", "world", "economy")

# key columns (after world_id) and state columns of each kind, as in world_state_<kind>
KEYS: dict[str, tuple[str, ...]] = {
    "players": ("player_id",),
    "quests": ("player_id", "quest_id"),
    "npcs": ("npc_id",),
    "npc_relations": ("npc_id", "player_id"),
    "factions": ("faction_id", "player_id"),
    "world": (),
    "economy": ("item",),
}
FIELDS: dict[str, tuple[str, ...]] = {
    "players": ("location", "status", "updated_at"),
    "quests": ("status", "step", "updated_at"),
    "npcs": ("status", "location", "mood", "updated_at"),
    "npc_relations": ("affinity", "updated_at"),
    "factions": ("reputation", "updated_at"),
    "world": (
        "weather",
        "temperature_c",
        "wind",
        "game_day",
        "game_minute",
        "events_applied",
        "last_event_at",
    ),
    "economy": ("price", "updated_at"),
}

_K = "(occurred_at, event_id)"


# payload fields the state needs, extracted once per event (one JSON parse) into `ev.j`
PAYLOAD_FIELDS = (
    "to_location",
    "location",
    "quest_id",
    "step",
    "npc_id",
    "status",
    "mood",
    "player_id",
    "delta",
    "faction_id",
    "item",
    "unit_price",
    "price",
    "condition",
    "temperature_c",
    "wind",
    "game_day",
    "game_minute",
)
STATE_TYPES = (
    "player.moved",
    "session.joined",
    "session.left",
    "quest.started",
    "quest.progressed",
    "quest.completed",
    "quest.failed",
    "npc.state_changed",
    "npc.relationship_changed",
    "faction.reputation_changed",
    "economy.trade",
    "economy.price_changed",
    "weather.changed",
    "clock.tick",
)
_TYPES_SQL = ", ".join(f"'{t}'" for t in STATE_TYPES)
_PATHS_SQL = ", ".join(f"'$.{f}'" for f in PAYLOAD_FIELDS)
STAGE_SQL = f"""
CREATE OR REPLACE TEMP TABLE ev AS
SELECT world_id, type, occurred_at, event_id, actor,
       CASE WHEN type IN ({_TYPES_SQL}) THEN json_extract_string(payload, [{_PATHS_SQL}]) END AS j
  FROM lake_events
 WHERE occurred_at < $as_of AND ($worlds IS NULL OR list_contains($worlds, world_id))
"""


def _j(field: str) -> str:
    return f"j[{PAYLOAD_FIELDS.index(field) + 1}]"


def _latest(value: str, where: str) -> str:
    return f"(arg_max({{'v': {value}}}, {_K}) FILTER (WHERE {where})).v"


_SOURCE = "ev WHERE true"


def _deduped(event_type: str) -> str:
    return f"(SELECT DISTINCT ON (event_id) * FROM ev WHERE type = '{event_type}')"


_MICROS = (
    f"CAST(sum(CAST(round_even(CAST({_j('delta')} AS DOUBLE) * 1000000, 0) AS BIGINT))"
    " AS DECIMAL(38, 0)) * CAST(0.000001 AS DECIMAL(7, 6))"
)

SNAPSHOT_SQL: dict[str, str] = {
    "players": f"""
        SELECT world_id, actor AS player_id,
               {
        _latest(
            "CASE type WHEN 'player.moved' THEN "
            + _j("to_location")
            + " ELSE "
            + _j("location")
            + " END",
            "type = 'player.moved' OR " + _j("location") + " IS NOT NULL",
        )
    } AS location,
               {
        _latest(
            "CASE type WHEN 'session.left' THEN 'offline' ELSE 'online' END",
            "type IN ('session.joined', 'session.left')",
        )
    } AS status,
               max(occurred_at) AS updated_at
          FROM {_SOURCE} AND type IN ('player.moved', 'session.joined', 'session.left')
           AND actor IS NOT NULL
         GROUP BY ALL""",
    "quests": f"""
        SELECT world_id, actor AS player_id, {_j("quest_id")} AS quest_id,
               {
        _latest(
            "CASE type WHEN 'quest.started' THEN 'started' WHEN 'quest.progressed'"
            " THEN 'in_progress' WHEN 'quest.completed' THEN 'completed'"
            " ELSE 'failed' END",
            "true",
        )
    } AS status,
               CAST(coalesce(max(CAST({_j("step")} AS BIGINT))
                             FILTER (WHERE type = 'quest.progressed'), 0) AS INTEGER) AS step,
               max(occurred_at) AS updated_at
          FROM {_SOURCE}
           AND type IN ('quest.started', 'quest.progressed', 'quest.completed', 'quest.failed')
           AND actor IS NOT NULL
         GROUP BY ALL""",
    "npcs": f"""
        SELECT world_id, {_j("npc_id")} AS npc_id,
               {_latest(_j("status"), _j("status") + " IS NOT NULL")} AS status,
               {_latest(_j("location"), _j("location") + " IS NOT NULL")} AS location,
               {_latest(_j("mood"), _j("mood") + " IS NOT NULL")} AS mood,
               max(occurred_at) AS updated_at
          FROM {_SOURCE} AND type = 'npc.state_changed'
         GROUP BY ALL""",
    "npc_relations": f"""
        SELECT world_id, {_j("npc_id")} AS npc_id, {_j("player_id")} AS player_id,
               {_MICROS} AS affinity, max(occurred_at) AS updated_at
          FROM {_deduped("npc.relationship_changed")}
         GROUP BY ALL""",
    "factions": f"""
        SELECT world_id, {_j("faction_id")} AS faction_id, {_j("player_id")} AS player_id,
               {_MICROS} AS reputation, max(occurred_at) AS updated_at
          FROM {_deduped("faction.reputation_changed")}
         GROUP BY ALL""",
    "world": f"""
        WITH w AS (
            SELECT world_id,
                   arg_max({{'condition': {_j("condition")},
                             'temperature_c': CAST({_j("temperature_c")} AS DOUBLE),
                             'wind': {_j("wind")}}}, {_K})
                       FILTER (WHERE type = 'weather.changed') AS weather,
                   arg_max({{'game_day': CAST({_j("game_day")} AS BIGINT),
                             'game_minute': CAST({_j("game_minute")} AS INTEGER)}},
                           {_K}) FILTER (WHERE type = 'clock.tick') AS clock,
                   count(DISTINCT event_id) AS events_applied,
                   max(occurred_at) AS last_event_at
              FROM {_SOURCE}
             GROUP BY world_id)
        SELECT world_id, weather.condition AS weather, weather.temperature_c AS temperature_c,
               weather.wind AS wind, clock.game_day AS game_day, clock.game_minute AS game_minute,
               events_applied, last_event_at
          FROM w""",
    "economy": f"""
        SELECT world_id, {_j("item")} AS item,
               {
        _latest(
            f"CAST(CASE type WHEN 'economy.trade' THEN {_j('unit_price')}"
            f" ELSE {_j('price')} END AS DOUBLE)",
            "true",
        )
    } AS price,
               max(occurred_at) AS updated_at
          FROM {_SOURCE} AND type IN ('economy.trade', 'economy.price_changed')
         GROUP BY ALL""",
}


def day_end(day: date) -> datetime:
    """The end of a UTC day: the snapshot of partition `day` holds events before it."""
    return datetime.combine(day + timedelta(days=1), dtime(0), tzinfo=UTC)


def compute_snapshot(
    lake_dir: Path,
    as_of: datetime,
    *,
    worlds: Sequence[str] | None = None,
    files: list[Path] | None = None,
    threads: int | None = None,
) -> tuple[dict[str, pa.Table], dict[str, Any]]:
    """State of every world (or `worlds`) from lake events with occurred_at < `as_of`."""
    started = time.perf_counter()
    conn = lake.connect(threads=threads)
    try:
        with contextlib.suppress(Exception):  # without ICU timestamps are UTC already
            conn.execute("SET TimeZone = 'UTC'")
        files = lake.event_files(lake_dir) if files is None else files
        lake.register_events(conn, files)
        params = {"as_of": as_of, "worlds": list(worlds) if worlds else None}
        t0 = time.perf_counter()
        conn.execute(STAGE_SQL.replace("$worlds", "$worlds::VARCHAR[]"), params)
        stage_s = round(time.perf_counter() - t0, 4)
        tables: dict[str, pa.Table] = {}
        timings: dict[str, float] = {}
        for kind in KINDS:
            t0 = time.perf_counter()
            order = ", ".join(("world_id", *KEYS[kind]))
            sql = f"SELECT * FROM ({SNAPSHOT_SQL[kind]}) ORDER BY {order}"
            tables[kind] = conn.sql(sql).to_arrow_table()
            timings[kind] = round(time.perf_counter() - t0, 4)
    finally:
        conn.close()
    stats = {
        "files": len(files),
        "rows": {kind: tables[kind].num_rows for kind in KINDS},
        "seconds": round(time.perf_counter() - started, 4),
        "seconds_by_kind": {"read_and_parse": stage_s, **timings},
    }
    return tables, stats


def snapshot_key(kind: str, row: dict[str, Any]) -> str:
    parts = [str(row[c]) for c in KEYS[kind]]
    return "/".join(parts) if parts else "world"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if hasattr(value, "is_finite") and hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


def snapshot_rows(tables: dict[str, pa.Table]) -> list[tuple[str, str, str, str]]:
    """(world_id, kind, key, state JSON) rows for `world_state_snapshots` (rows = entities, small)."""
    out: list[tuple[str, str, str, str]] = []
    for kind in KINDS:
        for row in tables[kind].to_pylist():
            state = {name: _json_value(row[name]) for name in (*KEYS[kind], *FIELDS[kind])}
            out.append((row["world_id"], kind, snapshot_key(kind, row), json.dumps(state)))
    return out


def write_parquet(tables: dict[str, pa.Table], out_dir: Path) -> dict[str, str]:
    """One Parquet file per kind under `out_dir` (tmp + rename); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    for kind, table in tables.items():
        final = out_dir / f"{kind}.parquet"
        tmp = out_dir / f".{kind}.parquet.tmp"
        pq.write_table(table, tmp)
        tmp.replace(final)
        paths[kind] = str(final)
    return paths
