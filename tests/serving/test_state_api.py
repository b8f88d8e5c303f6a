"""GET /v1/worlds/{world_id}/state: live tables and daily snapshots."""

from __future__ import annotations

import pytest

from tests.serving import seed
from tests.serving.conftest import RunningApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_live_state_has_every_section_and_what_it_reflects(api: RunningApi) -> None:
    await seed.insert_world_state(api.pool, "alpha", "a")
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.get("/v1/worlds/alpha/state")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"]["kind"] == "live"
    assert body["source"]["last_offset"] == 41
    assert body["source"]["events_applied"] == 42
    assert body["source"]["as_of"].startswith("2024-03-01T12:00:00")
    assert body["weather"] == {"condition": "fog", "temperature_c": 7.5, "wind": "east"}
    assert body["clock"] == {"game_day": 3, "game_minute": 615}
    assert body["players"][0] | {"updated_at": None} == {
        "player_id": "a-player",
        "location": "harbour",
        "status": "online",
        "updated_at": None,
    }
    assert body["quests"][0]["step"] == 2
    assert body["npcs"][0]["mood"] == "wary"
    assert body["npc_relations"][0]["affinity"] == 12.5
    assert body["factions"][0]["reputation"] == -3.0
    assert body["economy"][0]["price"] == 4.25
    assert body["truncated"] == []


async def test_an_unknown_world_has_an_empty_state(api: RunningApi) -> None:
    key = await api.key(["empty"])
    async with api.client(key) as http:
        body = (await http.get("/v1/worlds/empty/state")).json()
    assert body["players"] == [] and body["weather"] is None and body["source"]["as_of"] is None


async def test_sections_are_cut_at_limit_and_say_so(api: RunningApi) -> None:
    await seed.insert_world_state(api.pool, "alpha", "a")
    await seed.insert_world_state(api.pool, "alpha", "b")
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        body = (await http.get("/v1/worlds/alpha/state", params={"limit": 1})).json()
    assert len(body["players"]) == 1
    assert "players" in body["truncated"] and "economy" in body["truncated"]


async def test_at_reads_the_newest_finished_daily_snapshot(api: RunningApi) -> None:
    await seed.insert_snapshot(api.pool, "alpha", "2024-02-27", "old")
    await seed.insert_snapshot(api.pool, "alpha", "2024-02-28", "new")
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        mid = await http.get("/v1/worlds/alpha/state", params={"at": "2024-02-28T13:00:00Z"})
        later = await http.get("/v1/worlds/alpha/state", params={"at": "2024-03-05T00:00:00+02:00"})
        before = await http.get("/v1/worlds/alpha/state", params={"at": "2024-02-27T23:00:00Z"})
        naive = await http.get("/v1/worlds/alpha/state", params={"at": "2024-02-28T13:00:00"})
    assert mid.status_code == 200, mid.text
    body = mid.json()
    assert body["source"] == {
        "kind": "snapshot",
        "as_of": "2024-02-28T00:00:00Z",
        "last_offset": None,
        "events_applied": None,
        "snapshot_date": "2024-02-27",
    }
    assert body["players"][0]["player_id"] == "old-player"
    assert body["npc_relations"][0] == {
        "npc_id": "old-npc",
        "player_id": "old-player",
        "affinity": 5.0,
        "updated_at": None,
    }
    assert body["weather"]["condition"] == "rain" and body["clock"]["game_minute"] == 30
    assert later.json()["source"]["snapshot_date"] == "2024-02-28"
    assert before.status_code == 404
    assert before.json()["error"]["code"] == "snapshot_not_found"
    assert naive.status_code == 422
