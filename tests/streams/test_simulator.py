"""The simulator: seeded, every event type, only the demo world's things."""

from __future__ import annotations

from collections import Counter

import pytest

from loreline.contract import EventType
from loreline.demo_world import load_demo_world
from streams.simulator import Simulator, simulate

from .conftest import START

pytestmark = pytest.mark.unit


def test_same_seed_same_play_ids_included() -> None:
    first = simulate(10, 120, seed=42, start=START)
    again = simulate(10, 120, seed=42, start=START)
    assert [e.model_dump() for e in first] == [e.model_dump() for e in again]
    other = simulate(10, 120, seed=43, start=START)
    assert [e.event_id for e in other] != [e.event_id for e in first]


def test_resumable_stream_is_the_same_stream() -> None:
    sim = Simulator(5, seed=1, start=START)
    parts = list(sim.events(60)) + list(sim.events(60))
    assert parts == simulate(5, 120, seed=1, start=START)


def test_every_type_in_time_order_from_the_catalogue(sim_events) -> None:
    counts = Counter(e.type for e in sim_events)
    assert set(counts) == set(EventType)
    times = [e.occurred_at for e in sim_events]
    assert times == sorted(times)
    world = load_demo_world()
    ids = world.entity_ids()
    assert {e.world_id for e in sim_events} == {world.world_id}
    for event in sim_events:
        p = event.payload
        if event.type is EventType.PLAYER_MOVED:
            assert p.to_location in ids["location"]
        elif event.type in (EventType.QUEST_STARTED, EventType.QUEST_PROGRESSED):
            assert p.quest_id in ids["quest"]
        elif event.type is EventType.NPC_RELATIONSHIP_CHANGED:
            assert p.npc_id in ids["npc"]
        elif event.type is EventType.FACTION_REPUTATION_CHANGED:
            assert p.faction_id in ids["faction"]
        elif event.type is EventType.ECONOMY_TRADE:
            assert p.item in ids["item"] and p.location in world.item(p.item).markets
        elif event.type is EventType.WEATHER_CHANGED:
            assert p.condition in ids["weather"]
