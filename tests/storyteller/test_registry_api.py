"""The model registry through the API, on the real database: read, change (admin), refuse."""

from __future__ import annotations

from typing import Any

import pytest

from tests.storyteller.conftest import StartApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SMOL = "smollm2-135m-instruct"


def entry(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": SMOL,
        "tier_policy": "pinned",
        "tier": "gold",
        "temperature": 0.3,
        "top_p": 0.8,
        "max_tokens": 48,
        "ttft_objective_ms": 900,
    }
    body.update(changes)
    return body


async def test_the_seeded_registry_is_listed_with_the_tiers(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint]}) as api:
        reader = await api.key(["alpha"])
        async with api.client(reader) as http:
            listed = await http.get("/v1/models/use-cases")
            one = await http.get("/v1/models/use-cases/narration")
            unknown = await http.get("/v1/models/use-cases/poetry")
        async with api.client() as anonymous:
            refused = await anonymous.get("/v1/models/use-cases")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    by_case = {e["use_case"]: e for e in body["use_cases"]}
    assert set(by_case) == {"npc_dialogue", "narration", "quest_text", "summarisation"}
    assert by_case["npc_dialogue"]["tier_policy"] == "preferred"
    assert by_case["npc_dialogue"]["tier"] == "silver"
    assert by_case["summarisation"]["tier"] is None
    assert by_case["npc_dialogue"]["temperature"] == 0.7
    assert all(e["version"] == 1 and e["model"] == SMOL for e in body["use_cases"])
    tiers = {t["name"]: t for t in body["tiers"]}
    assert tiers["gold"]["endpoints"] == 1 and tiers["silver"]["endpoints"] == 0
    assert tiers["gold"]["price_per_gpu_hour"] > tiers["silver"]["price_per_gpu_hour"]
    assert one.json()["use_case"] == "narration"
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_use_case"
    assert refused.status_code == 401


async def test_an_admin_changes_an_entry_and_it_reads_back(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint]}) as api:
        admin = await api.key(["alpha"], ["read", "admin"])
        reader = await api.key(["alpha"])
        async with api.client(reader) as http:
            forbidden = await http.put("/v1/models/use-cases/npc_dialogue", json=entry())
        async with api.client(admin) as http:
            changed = await http.put("/v1/models/use-cases/npc_dialogue", json=entry())
            again = await http.put(
                "/v1/models/use-cases/npc_dialogue",
                json=entry(tier_policy="cheapest", tier=None, expected_version=2),
            )
            stale = await http.put(
                "/v1/models/use-cases/npc_dialogue", json=entry(expected_version=2)
            )
            read = await http.get("/v1/models/use-cases/npc_dialogue")
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "role_forbidden"
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["tier_policy"], body["tier"], body["max_tokens"]) == ("pinned", "gold", 48)
    assert body["version"] == 2 and body["updated_by"] == admin[3:15]
    assert again.json()["version"] == 3 and again.json()["tier"] is None
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    assert read.json()["version"] == 3 and read.json()["tier_policy"] == "cheapest"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"tier": "bronze"}, "unknown_tier"),
        ({"model": "llama-3-70b"}, "model_not_served"),
        ({"tier": "silver", "max_tokens": 200}, "max_tokens_too_large"),
        ({"temperature": 3}, "validation_error"),
        ({"tier_policy": "cheapest"}, "validation_error"),
    ],
)
async def test_changes_the_tiers_cannot_serve_are_refused(
    start_api: StartApi, dead_endpoint: str, changes: dict[str, Any], code: str
) -> None:
    async with start_api({"gold": [dead_endpoint]}) as api:
        admin = await api.key(["alpha"], ["admin"])
        async with api.client(admin) as http:
            response = await http.put("/v1/models/use-cases/quest_text", json=entry(**changes))
        async with api.pool.acquire() as conn:
            version = await conn.fetchval(
                "SELECT version FROM model_registry WHERE use_case = 'quest_text'"
            )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert version == 1
