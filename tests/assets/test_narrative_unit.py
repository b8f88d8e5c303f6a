from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assets.narrative import summarize_lake
from loreline.contract import Event, EventType
from tests.assets.eventgen import random_events, write_lake

pytestmark = pytest.mark.unit


def test_summaries_per_world_session_and_window(tmp_path) -> None:
    events = random_events(800, days=1, seed=2)
    write_lake(tmp_path, events)
    rows = summarize_lake(tmp_path, window=timedelta(hours=4))
    assert sum(r["event_count"] for r in rows) == 800
    keys = {(r["world_id"], r["session_id"], r["period_start"]) for r in rows}
    assert len(keys) == len(rows)
    for r in rows:
        assert (
            r["period_start"] <= r["first_occurred_at"] <= r["last_occurred_at"] < r["period_end"]
        )
        assert r["summary"].startswith(f"Session {r['session_id']} in {r['world_id']}")


def test_quest_outcomes_beat_small_talk(tmp_path) -> None:
    t0 = datetime(2026, 11, 20, 10, tzinfo=UTC)
    events = [
        Event.new(
            EventType.DIALOGUE_LINE,
            "saltmarch",
            {"speaker": "mira", "text": f"chatter {i}"},
            actor="p1",
            session_id="s1",
            occurred_at=t0 + timedelta(minutes=i),
        )
        for i in range(30)
    ]
    events.append(
        Event.new(
            EventType.QUEST_COMPLETED,
            "saltmarch",
            {"quest_id": "drowned_bell", "reward_gold": 50},
            actor="p1",
            session_id="s1",
            occurred_at=t0 + timedelta(minutes=31),
        )
    )
    events.append(
        Event.new(
            EventType.NPC_RELATIONSHIP_CHANGED,
            "saltmarch",
            {"npc_id": "mira", "player_id": "p1", "delta": 25, "reason": "returned the bell"},
            actor="p1",
            session_id="s1",
            occurred_at=t0 + timedelta(minutes=32),
        )
    )
    write_lake(tmp_path, events)
    (row,) = summarize_lake(tmp_path, window=timedelta(hours=1), max_lines=5)
    assert "p1 completed the quest drowned_bell (reward 50 gold)" in row["summary"]
    assert "mira warmed to p1 (returned the bell)" in row["summary"]
    assert row["summary"].count("chatter") == 3
    assert row["event_count"] == 32
    assert row["first_event_id"] == str(events[0].event_id)
    assert row["last_event_id"] == str(events[-1].event_id)
    assert "drowned_bell" in row["entities"]
