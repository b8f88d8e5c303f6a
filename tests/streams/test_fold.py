"""The state fold: order-independent, mergeable, exactly the semantics of docs/architecture.md."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loreline.contract import Event
from streams.ingest.records import payload_text
from streams.world_state.fold import (
    NPC_RELATIONS,
    PLAYERS,
    QUESTS,
    WORLD,
    StateDelta,
    fold,
    fold_all,
    public_view,
)
from streams.world_state.sql import upsert_sql

from .conftest import START

pytestmark = pytest.mark.unit


def ev(type_: str, payload: dict, *, actor: str | None = "p1", at: int = 0, eid: int = 1) -> Event:
    return Event.new(
        type_,
        "w1",
        payload,
        actor=actor,
        occurred_at=START + timedelta(seconds=at),
        event_id=UUID(int=eid),
    )


def test_every_event_type_is_folded_as_documented() -> None:
    events = [
        ev("session.joined", {"location": "a"}, at=1, eid=1),
        ev("player.moved", {"to_location": "b"}, at=3, eid=2),
        ev("session.left", {}, at=5, eid=3),
        ev("player.moved", {"to_location": "late"}, at=2, eid=4),  # late: older than 'b'
        ev("quest.started", {"quest_id": "q"}, at=1, eid=5),
        ev("quest.progressed", {"quest_id": "q", "step": 3}, at=2, eid=6),
        ev("quest.progressed", {"quest_id": "q", "step": 2}, at=4, eid=7),
        ev("npc.state_changed", {"npc_id": "n", "mood": "calm", "status": "idle"}, at=1, eid=8),
        ev("npc.state_changed", {"npc_id": "n", "mood": "angry"}, at=2, eid=9),
        ev("npc.relationship_changed", {"npc_id": "n", "player_id": "p1", "delta": 1.1}, eid=10),
        ev("npc.relationship_changed", {"npc_id": "n", "player_id": "p1", "delta": -0.3}, eid=11),
        ev(
            "faction.reputation_changed", {"faction_id": "f", "player_id": "p1", "delta": 5}, eid=12
        ),
        ev("economy.trade", {"item": "salt", "quantity": 2, "unit_price": 4.5}, at=2, eid=13),
        ev("economy.price_changed", {"item": "salt", "price": 5.0}, at=1, eid=14),
        ev("weather.changed", {"condition": "fog", "temperature_c": 3.5, "wind": "still"}, eid=15),
        ev("clock.tick", {"game_day": 2, "game_minute": 90}, actor=None, at=7, eid=16),
        ev("dialogue.line", {"speaker": "n", "text": "hi"}, at=9, eid=17),
    ]
    view = public_view(fold_all(events))
    assert view[PLAYERS][("w1", "p1")]["location"] == "b"
    assert view[PLAYERS][("w1", "p1")]["status"] == "offline"
    quest = view[QUESTS][("w1", "p1", "q")]
    assert (quest["status"], quest["step"]) == ("in_progress", 3)
    assert view["npcs"][("w1", "n")] | {"updated_at": 0} == {
        "status": "idle",
        "location": None,
        "mood": "angry",
        "updated_at": 0,
    }
    assert view[NPC_RELATIONS][("w1", "n", "p1")]["affinity"] == 800_000  # 0.8 in micro-units
    assert view["factions"][("w1", "f", "p1")]["reputation"] == 5_000_000
    assert view["economy"][("w1", "salt")]["price"] == 4.5
    world = view[WORLD][("w1",)]
    assert (world["weather"], world["temperature_c"], world["wind"]) == ("fog", 3.5, "still")
    assert (world["game_day"], world["game_minute"]) == (2, 90)
    assert world["events_applied"] == len(events)


def test_equal_times_are_ordered_by_event_id() -> None:
    a = ev("player.moved", {"to_location": "a"}, at=1, eid=2)
    b = ev("player.moved", {"to_location": "b"}, at=1, eid=1)
    for order in ([a, b], [b, a]):
        assert public_view(fold_all(order))[PLAYERS][("w1", "p1")]["location"] == "a"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), cuts=st.integers(1, 8))
def test_any_order_and_grouping_gives_the_same_state(
    sim_events: list[Event], seed: int, cuts: int
) -> None:
    reference = public_view(fold_all(sim_events))
    shuffled = list(sim_events)
    random.Random(seed).shuffle(shuffled)
    size = len(shuffled) // cuts + 1
    merged = StateDelta()
    for start in range(0, len(shuffled), size):
        merged.merge(fold_all(shuffled[start : start + size]))
    assert public_view(merged) == reference


def test_skip_leaves_out_rows_that_hold_the_record() -> None:
    events = [
        ev("player.moved", {"to_location": "a"}, eid=1),
        ev("clock.tick", {"game_day": 0, "game_minute": 1}, eid=2),
    ]
    delta = fold([(events[0], 5), (events[1], 6)], skip=lambda table, key, offset: offset <= 5)
    assert delta.rows[PLAYERS] == {}
    assert delta.rows[WORLD][("w1",)]["events_applied"] == 1
    assert delta.rows[WORLD][("w1",)]["last_offset"] == 6


def test_payload_text_is_the_contract_storage_form(sim_events: list[Event]) -> None:
    for event in sim_events:
        assert payload_text(event) == event.to_row()["payload"]


def test_upsert_sql_covers_every_table() -> None:
    for table in ("players", "quests", "npcs", "npc_relations", "factions", "world", "economy"):
        sql = upsert_sql(table)
        assert sql.startswith(f"INSERT INTO world_state_{table} AS t")
        assert "ON CONFLICT" in sql
