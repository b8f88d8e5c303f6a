"""`world_state_*` in PostgreSQL: the upsert of a `StateDelta`, and reading the tables back.

The upsert merges each partial row into the stored one with the same rules as `fold.merge_row`
(latest by `(occurred_at, event_id)`, sums, maxes), so applying deltas in any order or grouping gives
the same table. It runs in the transaction that stores the events the delta was folded from.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any, Final

import asyncpg

from streams.world_state.fold import (
    MICROS,
    SPECS,
    WORLD,
    StateDelta,
    TableSpec,
    fold,
    from_micros,
)
from streams.world_state.fold import to_micros as _to_micros

_FIELD_TYPES: Final[dict[str, str]] = {
    "temperature_c": "float8",
    "price": "float8",
    "game_day": "int8",
    "game_minute": "int4",
    "step": "int4",
    "events_applied": "int8",
    "affinity": "int8",  # micro-units in, numeric out
    "reputation": "int8",
    "last_offset": "int8",
    "updated_at": "timestamptz",
    "last_event_at": "timestamptz",
}
_FIXED_POINT: Final = ("affinity", "reputation")
_TIMES: Final = ("updated_at", "last_event_at")


def _columns(spec: TableSpec) -> list[tuple[str, str]]:
    """(column, unnest element type) in the order the upsert passes arrays."""
    cols = [(name, "text") for name in spec.key]
    for group, fields in spec.latest:
        cols += [(name, _FIELD_TYPES.get(name, "text")) for name in fields]
        cols += [(f"{group}_at", "timestamptz"), (f"{group}_event", "uuid")]
    cols += [(name, _FIELD_TYPES[name]) for name in spec.sums]
    cols += [(name, _FIELD_TYPES[name]) for name in spec.maxes]
    if spec.name == WORLD:
        cols.append((spec.wm, _FIELD_TYPES[spec.wm]))
    return cols


@cache
def upsert_sql(table: str) -> str:
    spec = SPECS[table]
    cols = _columns(spec)
    names = [name for name, _ in cols]
    params = ", ".join(f"${i}::{kind}[]" for i, (_, kind) in enumerate(cols, start=1))
    select = ", ".join(
        f"x.{name}::numeric / {MICROS}" if name in _FIXED_POINT else f"x.{name}" for name in names
    )
    updates: list[str] = []
    for group, fields in spec.latest:
        at, ev = f"{group}_at", f"{group}_event"
        newer = (
            f"(excluded.{at} IS NOT NULL AND (t.{at} IS NULL OR "
            f"(excluded.{at}, excluded.{ev}) > (t.{at}, t.{ev})))"
        )
        for name in (*fields, at, ev):
            updates.append(f"{name} = CASE WHEN {newer} THEN excluded.{name} ELSE t.{name} END")
    for name in spec.sums:
        updates.append(f"{name} = t.{name} + excluded.{name}")
    maxes = [*spec.maxes, spec.wm] if spec.name == WORLD else list(spec.maxes)
    for name in maxes:
        updates.append(f"{name} = GREATEST(t.{name}, excluded.{name})")
    return (
        f"INSERT INTO {spec.sql_table} AS t ({', '.join(names)})\n"
        f"SELECT {select} FROM unnest({params}) AS x({', '.join(names)})\n"
        f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET\n  " + ",\n  ".join(updates)
    )


def _arrays(spec: TableSpec, rows: dict[tuple[str, ...], dict[str, Any]]) -> list[list[Any]]:
    cols = _columns(spec)
    arrays: list[list[Any]] = [[] for _ in cols]
    for key, row in rows.items():
        values: list[Any] = list(key)
        for group, fields in spec.latest:
            at = row.get(f"{group}_at")
            values += [row.get(name) for name in fields]
            values += [None, None] if at is None else [from_micros(at[0]), at[1]]
        values += [row.get(name, 0) for name in spec.sums]
        for name in spec.maxes:
            value = row.get(name)
            values.append(from_micros(value) if name in _TIMES and value is not None else value)
        if spec.name == WORLD:
            values.append(row.get(spec.wm))
        for array, value in zip(arrays, values, strict=True):
            array.append(value)
    return arrays


async def upsert_state(conn: asyncpg.Connection, delta: StateDelta) -> int:
    """Merge `delta` into the `world_state_*` tables; returns the number of rows touched."""
    touched = 0
    for table, rows in delta.rows.items():
        if rows:
            await conn.execute(upsert_sql(table), *_arrays(SPECS[table], rows))
            touched += len(rows)
    return touched


async def read_state(
    conn: asyncpg.Connection, world_ids: Sequence[str] | None = None
) -> StateDelta:
    """The stored `world_state_*` rows in fold form (for checks: live state == replay)."""
    state = StateDelta()
    for table, spec in SPECS.items():
        where = "" if world_ids is None else " WHERE world_id = ANY($1::text[])"
        args = [] if world_ids is None else [list(world_ids)]
        records = await conn.fetch(f"SELECT * FROM {spec.sql_table}{where}", *args)
        rows = state.rows[table]
        for record in records:
            row: dict[str, Any] = {}
            for group, fields in spec.latest:
                at, ev = record[f"{group}_at"], record[f"{group}_event"]
                if at is not None:
                    row[f"{group}_at"] = [_to_micros(at), str(ev)]
                    for name in fields:
                        row[name] = record[name]
            for name in spec.sums:
                value = record[name]
                row[name] = int(value * MICROS) if isinstance(value, Decimal) else int(value)
            for name in spec.maxes:
                value = record[name]
                row[name] = _to_micros(value) if name in _TIMES and value is not None else value
            if spec.name == WORLD:
                row[spec.wm] = record[spec.wm]
            rows[tuple(record[name] for name in spec.key)] = row
    return state


async def recompute_state(
    conn: asyncpg.Connection, world_ids: Sequence[str] | None = None
) -> StateDelta:
    """The state a replay of every stored event gives (what live state must equal)."""
    from streams.sinks.postgres import fetch_stored_events

    return fold(await fetch_stored_events(conn, world_ids))
