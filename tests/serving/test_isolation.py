"""World isolation: a key for alpha never reads or writes beta, on any endpoint, and beta's rows
never show up in alpha's answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loreline.knowledge import Embedder
from tests.serving.conftest import RunningApi
from tests.serving.worlds import seed_worlds

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

BETA_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/v1/worlds/beta/state", {}),
    ("GET", "/v1/worlds/beta/state?at=2024-03-02T00:00:00Z", {}),
    ("GET", "/v1/worlds/beta/history", {}),
    ("POST", "/v1/worlds/beta/history/search", {"json": {"query": "lighthouse"}}),
    ("GET", "/v1/worlds/beta/npcs/beta-npc/memory?query=lighthouse", {}),
    ("GET", "/v1/worlds/beta/cache/k", {}),
    ("HEAD", "/v1/worlds/beta/cache/k", {}),
    ("PUT", "/v1/worlds/beta/cache/k", {"json": {"value": 1}}),
    ("DELETE", "/v1/worlds/beta/cache/k", {}),
    ("POST", "/v1/kb/search", {"json": {"query": "vault", "scope": "world", "world_id": "beta"}}),
    ("POST", "/v1/kb/search", {"json": {"query": "vault", "scope": "both", "world_id": "beta"}}),
]


@pytest.fixture
async def seeded(api: RunningApi, embedder: Embedder, tmp_path: Path) -> RunningApi:
    await seed_worlds(api, embedder, tmp_path)
    return api


async def test_every_endpoint_refuses_another_worlds_data(seeded: RunningApi) -> None:
    alpha = await seeded.key(["alpha"])
    async with seeded.client(alpha) as http:
        for method, url, kwargs in BETA_REQUESTS:
            response = await http.request(method, url, **kwargs)
            assert response.status_code == 403, (method, url, response.text)
            if method != "HEAD":
                assert response.json()["error"]["code"] == "world_forbidden", (method, url)


async def test_alpha_answers_contain_nothing_of_beta(seeded: RunningApi) -> None:
    alpha = await seeded.key(["alpha"])
    async with seeded.client(alpha) as http:
        answers = [
            await http.get("/v1/worlds/alpha/state"),
            await http.get("/v1/worlds/alpha/state?at=2024-03-01T00:00:00Z"),
            await http.get("/v1/worlds/alpha/history"),
            await http.post(
                "/v1/worlds/alpha/history/search", json={"query": "keeper lighthouse", "k": 50}
            ),
            await http.get(
                "/v1/worlds/alpha/npcs/alpha-npc/memory", params={"query": "lighthouse"}
            ),
            await http.post(
                "/v1/kb/search",
                json={"query": "vault code crimson otter lighthouse", "world_id": "alpha", "k": 50},
            ),
            await http.post(
                "/v1/kb/search",
                json={"query": "vault code crimson otter", "scope": "global", "k": 50},
            ),
        ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert "beta" not in response.text.lower(), response.request.url
    # and the same questions with a beta key do reach beta's rows
    beta = await seeded.key(["beta"])
    async with seeded.client(beta) as http:
        found = await http.post(
            "/v1/kb/search", json={"query": "vault code", "world_id": "beta", "scope": "world"}
        )
        state = await http.get("/v1/worlds/beta/state")
    assert "crimson otter" in found.text
    assert state.json()["players"][0]["player_id"] == "beta-player"


async def test_cache_keys_are_namespaced_per_world(seeded: RunningApi) -> None:
    both = await seeded.key(["alpha", "beta"])
    async with seeded.client(both) as http:
        await http.put("/v1/worlds/alpha/cache/plot", json={"value": "alpha plot"})
        await http.put("/v1/worlds/beta/cache/plot", json={"value": "beta plot"})
        assert (await http.get("/v1/worlds/alpha/cache/plot")).json()["value"] == "alpha plot"
        assert (await http.delete("/v1/worlds/beta/cache/plot")).status_code == 204
        assert (await http.get("/v1/worlds/alpha/cache/plot")).status_code == 200


async def test_ingest_rejects_events_of_worlds_the_key_does_not_hold(seeded: RunningApi) -> None:
    from loreline.contract import Encoding, encode_batch
    from tests.serving import seed

    alpha_ingest = await seeded.key(["alpha"], ["ingest"])
    batch = encode_batch(
        [seed.event("beta", "quest.started", {"quest_id": "q"}, actor="p")], Encoding.JSON
    )
    async with seeded.client(alpha_ingest, **{"Content-Type": "application/json"}) as http:
        response = await http.post("/v1/events", content=batch)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 0
    assert body["results"][0]["code"] == "world_forbidden"


async def test_memory_embeddings_written_for_one_world_stay_in_it(seeded: RunningApi) -> None:
    alpha = await seeded.key(["alpha"])
    async with seeded.client(alpha) as http:
        response = await http.get(
            "/v1/worlds/alpha/npcs/alpha-npc/memory", params={"query": "stairs"}
        )
    assert response.status_code == 200
    async with seeded.pool.acquire() as conn:
        worlds = await conn.fetch("SELECT DISTINCT world_id FROM memory_embeddings")
    assert [row["world_id"] for row in worlds] == ["alpha"]
