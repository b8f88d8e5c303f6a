"""POST /v1/kb/search over lore loaded by the real ingestion, with the real embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from loreline.knowledge import Embedder
from tests.serving.conftest import RunningApi
from tests.serving.worlds import seed_worlds

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def seeded(api: RunningApi, embedder: Embedder, tmp_path: Path) -> RunningApi:
    await seed_worlds(api, embedder, tmp_path)
    return api


async def test_hits_carry_text_document_heading_score_and_a_stable_citation(
    seeded: RunningApi,
) -> None:
    key = await seeded.key(["alpha"])
    async with seeded.client(key) as http:
        first = await http.post(
            "/v1/kb/search", json={"query": "who keeps the lamp burning?", "world_id": "alpha"}
        )
        again = await http.post(
            "/v1/kb/search", json={"query": "who keeps the lamp burning?", "world_id": "alpha"}
        )
    assert first.status_code == 200, first.text
    hits = first.json()["hits"]
    top = hits[0]
    assert "Wren Alder" in top["text"]
    assert top["citation_id"].startswith("alpha/")
    assert top["document"] == {
        "title": "The Lighthouse at Alpha Point",
        "path": "lighthouse.md",
        "doc_type": "location",
        "world_id": "alpha",
    }
    assert top["heading_path"][-1] == "The keeper"
    assert [h["citation_id"] for h in again.json()["hits"]] == [h["citation_id"] for h in hits]
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)


async def test_scopes_and_filters(seeded: RunningApi) -> None:
    key = await seeded.key(["alpha"])
    async with seeded.client(key) as http:

        async def worlds(**body: object) -> set[str]:
            response = await http.post("/v1/kb/search", json={"query": "tide gods sea", **body})
            assert response.status_code == 200, response.text
            return {hit["document"]["world_id"] for hit in response.json()["hits"]}

        assert await worlds(scope="global") == {"global"}
        assert await worlds(scope="world", world_id="alpha", k=50) == {"alpha"}
        assert await worlds(scope="both", world_id="alpha", k=50) == {"alpha", "global"}
        economy = await http.post(
            "/v1/kb/search",
            json={"query": "salt price", "world_id": "alpha", "doc_types": ["economy"], "k": 50},
        )
        assert {h["document"]["doc_type"] for h in economy.json()["hits"]} == {"economy"}
        text_only = await http.post(
            "/v1/kb/search", json={"query": "whale oil", "world_id": "alpha", "mode": "text"}
        )
        assert "whale oil" in text_only.json()["hits"][0]["text"]
        one = await http.post("/v1/kb/search", json={"query": "lamp", "world_id": "alpha", "k": 1})
        assert len(one.json()["hits"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"query": "x", "world_id": "alpha", "k": 51},
        {"query": "x", "world_id": "alpha", "k": 0},
        {"query": "", "world_id": "alpha"},
        {"query": "x", "scope": "world"},
        {"query": "x", "scope": "galaxy", "world_id": "alpha"},
        {"query": "x" * 1001, "world_id": "alpha"},
        {"world_id": "alpha"},
    ],
)
async def test_bad_search_requests_are_422(api: RunningApi, body: dict[str, object]) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.post("/v1/kb/search", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["details"]
