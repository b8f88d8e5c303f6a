"""GET /v1/worlds/{world_id}/npcs/{npc_id}/memory: which events count as the NPC's
observations, and how recency, importance and relevance rank them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.serving import seed
from tests.serving.conftest import RunningApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = "2024-03-05T12:00:00Z"  # seed.T0 + 96 h
H = 60.0  # minutes per hour


async def _seed(api: RunningApi) -> dict[str, str]:
    def at_hours(hours: float) -> float:
        return (96 - hours) * H  # minutes after T0 for an event `hours` before NOW

    e = {
        "said": seed.event(
            "alpha", "dialogue.line",
            {"speaker": "maud", "text": "The salt tax is robbery.", "location": "pans"},
            minutes=at_hours(48), actor="maud",
        ),
        "arrived": seed.event(
            "alpha", "npc.state_changed", {"npc_id": "maud", "location": "pans"},
            minutes=at_hours(50),
        ),
        "betrayed": seed.event(
            "alpha", "npc.relationship_changed",
            {"npc_id": "maud", "player_id": "p1", "delta": -40, "reason": "stole from the guild"},
            minutes=at_hours(40), actor="p1",
        ),
        "asked": seed.event(
            "alpha", "dialogue.line",
            {"speaker": "p1", "text": "Have you seen the lighthouse keeper?", "listeners": ["maud"]},
            minutes=at_hours(2), actor="p1",
        ),
        "swept": seed.event(
            "alpha", "player.action", {"action": "sweep", "location": "pans"},
            minutes=at_hours(1), actor="p2",
        ),
        "elsewhere": seed.event(
            "alpha", "player.action", {"action": "fish", "location": "docks"},
            minutes=at_hours(3), actor="p3",
        ),
        "moved": seed.event(
            "alpha", "npc.state_changed", {"npc_id": "maud", "location": "docks"},
            minutes=at_hours(0.5),
        ),
        "docks_now": seed.event(
            "alpha", "player.moved", {"to_location": "docks"}, minutes=at_hours(0.2), actor="p3"
        ),
        "pans_after": seed.event(
            "alpha", "player.action", {"action": "dig", "location": "pans"},
            minutes=at_hours(0.1), actor="p2",
        ),
        "future": seed.event(
            "alpha", "dialogue.line", {"speaker": "maud", "text": "Tomorrow."},
            minutes=at_hours(-5), actor="maud",
        ),
        "other_world": seed.event(
            "beta", "dialogue.line", {"speaker": "maud", "text": "Beta words."},
            minutes=at_hours(1), actor="maud",
        ),
    }  # fmt: skip
    await seed.insert_events(api.pool, e.values())
    return {name: str(event.event_id) for name, event in e.items()}


async def _memory(api: RunningApi, **params: Any) -> dict[str, Any]:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.get(
            "/v1/worlds/alpha/npcs/maud/memory", params={"at": NOW, "k": 50, **params}
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_observations_are_what_the_npc_took_part_in_or_witnessed(api: RunningApi) -> None:
    ids = await _seed(api)
    body = await _memory(api)
    roles = {m["event_id"]: m["role"] for m in body["memories"]}
    names = {v: k for k, v in ids.items()}
    assert {names[i]: r for i, r in roles.items()} == {
        "said": "speaker",
        "arrived": "subject",
        "betrayed": "subject",
        "asked": "listener",
        "swept": "witness",  # at the pans while maud was there
        "moved": "subject",
        "docks_now": "witness",  # maud had moved to the docks by then
    }
    assert body["candidates"] == 7
    said = next(m for m in body["memories"] if m["event_id"] == ids["said"])
    assert said["text"] == 'maud said to anyone nearby at pans: "The salt tax is robbery."'


async def test_each_weight_alone_orders_by_its_component(api: RunningApi) -> None:
    ids = await _seed(api)
    names = {v: k for k, v in ids.items()}

    recent = await _memory(api, w_recency=1, w_importance=0, w_relevance=0)
    order = [names[m["event_id"]] for m in recent["memories"]]
    assert order == ["docks_now", "moved", "swept", "asked", "betrayed", "said", "arrived"]

    important = await _memory(api, w_recency=0, w_importance=1, w_relevance=0)
    assert names[important["memories"][0]["event_id"]] == "betrayed"
    assert important["memories"][0]["scores"]["importance"] == 1.0

    relevant = await _memory(
        api, query="where is the keeper of the lighthouse", w_recency=0, w_importance=0
    )
    assert names[relevant["memories"][0]["event_id"]] == "asked"
    assert relevant["weights"] == {"recency": 0.0, "importance": 0.0, "relevance": 1.0}


async def test_scores_are_normalised_and_summed_with_the_weights(api: RunningApi) -> None:
    await _seed(api)
    body = await _memory(api, query="salt tax", w_recency=2, w_importance=0.5, w_relevance=1)
    for memory in body["memories"]:
        s = memory["scores"]
        for part in ("recency", "importance", "relevance"):
            assert 0.0 <= s[part] <= 1.0
        assert s["total"] == pytest.approx(
            2 * s["recency"] + 0.5 * s["importance"] + s["relevance"]
        )
    totals = [m["scores"]["total"] for m in body["memories"]]
    assert totals == sorted(totals, reverse=True)
    assert max(m["scores"]["recency"] for m in body["memories"]) == 1.0


async def test_without_a_query_relevance_is_zero_and_k_limits(api: RunningApi) -> None:
    await _seed(api)
    body = await _memory(api, k=3)
    assert len(body["memories"]) == 3
    assert body["query"] is None
    assert all(m["scores"]["relevance"] == 0.0 for m in body["memories"])


async def test_second_query_reuses_stored_memory_embeddings(api: RunningApi) -> None:
    await _seed(api)
    await _memory(api, query="salt")
    async with api.pool.acquire() as conn:
        first = await conn.fetchval("SELECT max(created_at) FROM memory_embeddings")
        count = await conn.fetchval("SELECT count(*) FROM memory_embeddings")
    await _memory(api, query="guild")
    async with api.pool.acquire() as conn:
        assert await conn.fetchval("SELECT max(created_at) FROM memory_embeddings") == first
    assert count == 7


async def test_an_npc_without_observations_has_no_memories(api: RunningApi) -> None:
    await _seed(api)
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.get("/v1/worlds/alpha/npcs/nobody/memory", params={"query": "x"})
        bad = await http.get("/v1/worlds/alpha/npcs/maud/memory", params={"w_recency": -1})
    assert response.json()["memories"] == [] and response.json()["candidates"] == 0
    assert bad.status_code == 422
