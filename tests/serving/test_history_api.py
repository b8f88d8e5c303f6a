"""GET /v1/worlds/{world_id}/history (cursor pages) and POST .../history/search."""

from __future__ import annotations

from typing import Any

import pytest

from loreline.knowledge import Embedder
from tests.serving import seed
from tests.serving.conftest import RunningApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def _seed_events(api: RunningApi) -> list[str]:
    events = []
    for i in range(25):
        kind = "dialogue.line" if i % 2 == 0 else "player.moved"
        payload = (
            {"speaker": "npc-a", "text": f"line {i}"}
            if kind == "dialogue.line"
            else {"to_location": f"room-{i}"}
        )
        events.append(
            seed.event(
                "alpha",
                kind,
                payload,
                minutes=i // 2,  # pairs share a timestamp: ties break on event_id
                actor="npc-a" if i % 2 == 0 else "p1",
                session_id="s1" if i < 15 else "s2",
            )
        )
    await seed.insert_events(api.pool, events)
    ordered = sorted(events, key=lambda e: (e.occurred_at, str(e.event_id)))
    return [str(e.event_id) for e in ordered]


async def test_pages_walk_every_event_once_in_time_order(api: RunningApi) -> None:
    expected = await _seed_events(api)
    key = await api.key(["alpha"])
    seen: list[str] = []
    cursor = None
    pages = 0
    async with api.client(key) as http:
        while True:
            params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
            page = (await http.get("/v1/worlds/alpha/history", params=params)).json()
            seen += [e["event_id"] for e in page["events"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        desc = (await http.get("/v1/worlds/alpha/history?order=desc&limit=500")).json()
    assert seen == expected and pages == 3
    assert [e["event_id"] for e in desc["events"]] == expected[::-1]


async def test_filters_by_session_actor_type_and_time(api: RunningApi) -> None:
    await _seed_events(api)
    key = await api.key(["alpha"])
    async with api.client(key) as http:

        async def count(**params: Any) -> int:
            response = await http.get("/v1/worlds/alpha/history", params={"limit": 500, **params})
            assert response.status_code == 200, response.text
            return len(response.json()["events"])

        assert await count(session_id="s2") == 10
        assert await count(actor="p1") == 12
        assert await count(type="dialogue.line") == 13
        assert await count(type=["dialogue.line", "player.moved"]) == 25
        assert await count(actor="npc-a", session_id="s1") == 8
        assert await count(since="2024-03-01T12:10:00Z") == 5
        assert await count(until="2024-03-01T12:01:00Z") == 2


async def test_bad_cursor_and_params_are_4xx(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        garbage = await http.get("/v1/worlds/alpha/history", params={"cursor": "not-a-cursor"})
        await _seed_events(api)
        page = (await http.get("/v1/worlds/alpha/history", params={"limit": 2})).json()
        flipped = await http.get(
            "/v1/worlds/alpha/history", params={"cursor": page["next_cursor"], "order": "desc"}
        )
        bad_type = await http.get("/v1/worlds/alpha/history", params={"type": "DROP TABLE"})
        too_many = await http.get("/v1/worlds/alpha/history", params={"limit": 501})
    assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "invalid_cursor"
    assert flipped.status_code == 400
    assert bad_type.status_code == 422 and too_many.status_code == 422


async def test_history_search_finds_the_matching_session_summary(
    api: RunningApi, embedder: Embedder
) -> None:
    await seed.insert_narrative(
        api.pool,
        embedder,
        "alpha",
        [
            ("s1", "The party haggled with the salt merchants over the price of brine."),
            ("s2", "A storm wrecked the fishing fleet and the harbour flooded."),
            ("s3", "The heroes slew the marsh wyrm in the reeds at midnight."),
        ],
    )
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.post(
            "/v1/worlds/alpha/history/search", json={"query": "dragon fight in the swamp", "k": 2}
        )
        only_s2 = await http.post(
            "/v1/worlds/alpha/history/search",
            json={"query": "dragon fight in the swamp", "session_id": "s2"},
        )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert len(hits) == 2
    assert hits[0]["session_id"] == "s3" and "wyrm" in hits[0]["summary"]
    assert {hit["session_id"] for hit in only_s2.json()["hits"]} == {"s2"}
