"""The DuckDB snapshot equals an independent replay of the same events (and the streams' fold)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from assets.snapshot import FIELDS, KEYS, KINDS, compute_snapshot, day_end, snapshot_rows
from tests.assets.eventgen import random_events, replay_state, snapshot_as_state, write_lake

pytestmark = pytest.mark.unit


def _diff(got: dict, ref: dict) -> dict[str, int]:
    out = {}
    for kind in KINDS:
        g, r = got.get(kind, {}), ref.get(kind, {})
        keys = set(g) | set(r)
        out[kind] = sum(
            1 for k in keys if g.get(k) != {f: r.get(k, {}).get(f) for f in FIELDS[kind]}
        )
    return out


@pytest.mark.parametrize("day", [date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 23)])
def test_snapshot_equals_replay(tmp_path, day: date) -> None:
    events = random_events(4000, days=3, seed=11)
    write_lake(tmp_path, events[:3000])
    write_lake(tmp_path, events[2500:], part="0001")  # 500 events stored twice (re-delivery)
    tables, stats = compute_snapshot(tmp_path, day_end(day))
    got = snapshot_as_state(tables, KEYS, FIELDS)
    ref = replay_state(events, day_end(day))
    assert _diff(got, ref) == dict.fromkeys(KINDS, 0)
    assert stats["rows"]["world"] == 2
    assert sum(stats["rows"].values()) > 50


def test_late_event_in_a_later_folder_counts_and_never_overwrites_newer(tmp_path) -> None:
    from loreline.contract import Event, EventType

    t0 = datetime(2026, 11, 20, 12, tzinfo=UTC)
    newer = Event.new(
        EventType.PLAYER_MOVED,
        "w1",
        {"to_location": "gullhaven"},
        actor="p1",
        occurred_at=t0 + timedelta(hours=1),
    )
    older = Event.new(
        EventType.PLAYER_MOVED, "w1", {"to_location": "brinehold"}, actor="p1", occurred_at=t0
    )
    write_lake(tmp_path, [newer])
    # the late event arrives a day later, stored under the day it arrived
    folder = tmp_path / "events" / "world_id=w1" / "date=2026-11-21"
    folder.mkdir(parents=True)
    import pyarrow.parquet as pq

    from loreline.contract import events_to_arrow

    pq.write_table(events_to_arrow([older]), folder / "part-late.parquet")
    tables, _ = compute_snapshot(tmp_path, day_end(date(2026, 11, 20)))
    players = tables["players"].to_pylist()
    assert players == [
        {
            "world_id": "w1",
            "player_id": "p1",
            "location": "gullhaven",
            "status": None,
            "updated_at": newer.occurred_at,
        }
    ]


def test_snapshot_matches_streams_fold_when_present(tmp_path) -> None:
    fold = pytest.importorskip("streams.world_state.fold")
    events = random_events(2000, days=2, seed=5)
    write_lake(tmp_path, events)
    as_of = day_end(date(2026, 11, 21))
    tables, _ = compute_snapshot(tmp_path, as_of)
    view = fold.public_view(fold.fold_all([e for e in events if e.occurred_at < as_of]))
    for kind in KINDS:
        expected = {}
        for key, row in view[kind].items():
            state = {}
            for name in FIELDS[kind]:
                value = row.get(name)
                if name in ("updated_at", "last_event_at") and value is not None:
                    value = fold.from_micros(value)
                if name in ("affinity", "reputation"):
                    from decimal import Decimal

                    value = Decimal(value) / Decimal(fold.MICROS)
                state[name] = value
            expected[key] = state
        got = snapshot_as_state(tables, KEYS, FIELDS)[kind]
        assert got == expected, kind


def test_snapshot_rows_are_json_per_entity(tmp_path) -> None:
    write_lake(tmp_path, random_events(300, days=1, seed=3))
    tables, _ = compute_snapshot(tmp_path, day_end(date(2026, 11, 20)))
    rows = snapshot_rows(tables)
    assert len(rows) == sum(t.num_rows for t in tables.values())
    kinds = {kind for _, kind, _, _ in rows}
    assert kinds <= set(KINDS)
    world_rows = [r for r in rows if r[1] == "world"]
    assert all(r[2] == "world" for r in world_rows)


def test_empty_lake_gives_empty_tables(tmp_path) -> None:
    tables, stats = compute_snapshot(tmp_path, day_end(date(2026, 11, 20)))
    assert stats["files"] == 0
    assert all(t.num_rows == 0 for t in tables.values())
