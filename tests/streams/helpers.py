"""Checks shared by the streams integration tests."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg
import pyarrow.dataset as ds

from streams.world_state.fold import Key, StateDelta, merge_row, public_view
from streams.world_state.sql import read_state, recompute_state


def lake_event_ids(lake_dir: Path) -> collections.Counter[str]:
    """How often each event id occurs in the lake (hidden temporary files are not data)."""
    root = lake_dir / "events"
    if not root.exists():
        return collections.Counter()
    files = [str(p) for p in root.rglob("part-*.parquet")]
    if not files:
        return collections.Counter()
    table = ds.dataset(files, format="parquet").to_table(columns=["event_id"])
    return collections.Counter(table.column("event_id").to_pylist())


async def stored_counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT count(*), count(DISTINCT event_id) FROM events")
        assert row is not None
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


async def state_views(dsn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(world_state_* tables, a replay of the stored events), in comparable form."""
    conn = await asyncpg.connect(dsn)
    try:
        return public_view(await read_state(conn)), public_view(await recompute_state(conn))
    finally:
        await conn.close()


class MemoryState:
    """The live-state store as the Faust tables behave (watermarks, merge), in memory."""

    def __init__(self) -> None:
        self.state = StateDelta()
        self.fail_after: int | None = None  # raise after applying this many rows (a crash)

    def watermark(self, domain: str, key: Key) -> int | None:
        from streams.world_state.fold import SPECS

        row = self.state.rows[domain].get(key)
        return None if row is None else row.get(SPECS[domain].wm)

    async def apply(self, delta: StateDelta, partition_of_world: Mapping[str, int]) -> int:
        applied = 0
        for domain, rows in delta.rows.items():
            for key, partial in rows.items():
                if self.fail_after is not None and applied >= self.fail_after:
                    self.fail_after = None
                    raise RuntimeError("worker died while writing changelogs")
                mine = self.state.rows[domain]
                mine[key] = (
                    merge_row(domain, dict(mine[key]), partial) if key in mine else dict(partial)
                )
                applied += 1
        return applied


def immediate_dead_letters() -> tuple[list[tuple[Any, ...]], Any]:
    sent: list[tuple[Any, ...]] = []

    async def send(key: Any, value: bytes, headers: Any) -> Any:
        sent.append((key, value, headers))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    return sent, send
