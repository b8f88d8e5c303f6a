"""Generation on the real database with tiers that do not answer (a closed local port): world
isolation, request errors, the 503 when every tier fails, its log rows, and a registry change
applying to the very next request. Context assembly is checked on real seeded worlds."""

from __future__ import annotations

from pathlib import Path

import pytest

from loreline.knowledge import Embedder
from serving.memory.scoring import Weights
from serving.models.entry import UseCase
from serving.security.scope import Principal, Role
from serving.storyteller.context.items import ContextKind
from serving.storyteller.context.sources import MemorySettings
from serving.storyteller.planning import GenerationAsk, plan_generation
from tests.storyteller.conftest import StartApi, StorytellerApi, inference_rows
from tests.storyteller.worlds import seed_two_worlds

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GENERATE = "/v1/storyteller/generate"
STREAM = "/v1/storyteller/generate/stream"
ASK = {
    "world_id": "alpha",
    "use_case": "npc_dialogue",
    "situation": "A traveller asks Odile about the tide mill and the eels.",
}


async def test_a_key_for_one_world_cannot_generate_for_another(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint], "silver": [dead_endpoint]}) as api:
        alpha = await api.key(["alpha"])
        ingest_only = await api.key(["beta"], ["ingest"])
        async with api.client(alpha) as http:
            answers = [
                await http.post(GENERATE, json={**ASK, "world_id": "beta"}),
                await http.post(STREAM, json={**ASK, "world_id": "beta", "npc_id": "beta-npc"}),
            ]
        async with api.client(ingest_only) as http:
            no_read = await http.post(GENERATE, json={**ASK, "world_id": "beta"})
        rows = await inference_rows(api)
    for response in answers:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "world_forbidden"
    assert no_read.json()["error"]["code"] == "role_forbidden"
    assert rows == []  # refused before any tier was called


async def test_bad_requests_get_clear_codes(start_api: StartApi, dead_endpoint: str) -> None:
    async with start_api({"gold": [dead_endpoint]}, model_context_tokens=512) as api:
        alpha = await api.key(["alpha"], ["read", "admin"])
        async with api.client(alpha) as http:
            unknown_npc = await http.post(GENERATE, json={**ASK, "npc_id": "nobody"})
            bad_case = await http.post(GENERATE, json={**ASK, "use_case": "poetry"})
            extra = await http.post(GENERATE, json={**ASK, "temperature": 2})
            empty = await http.post(GENERATE, json={**ASK, "situation": ""})
            await http.put(
                "/v1/models/use-cases/narration",
                json={
                    "model": "smollm2-135m-instruct",
                    "tier_policy": "pinned",
                    "tier": "gold",
                    "temperature": 0.5,
                    "top_p": 0.9,
                    "max_tokens": 256,
                    "ttft_objective_ms": 2000,
                },
            )
            too_long = await http.post(
                GENERATE,
                json={**ASK, "use_case": "narration", "situation": "The tide rises. " * 100},
            )
    assert unknown_npc.status_code == 404
    assert unknown_npc.json()["error"]["code"] == "npc_not_found"
    for response in (bad_case, extra, empty):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["error"]["code"] == "prompt_too_long"


async def test_when_every_tier_fails_the_caller_gets_503_and_each_call_is_logged(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint], "silver": [dead_endpoint]}) as api:
        alpha = await api.key(["alpha"])
        async with api.client(alpha) as http:
            plain = await http.post(GENERATE, json=ASK)
            streamed = await http.post(STREAM, json=ASK)
        rows = await inference_rows(api)
    for response in (plain, streamed):
        assert response.status_code == 503, response.text
        error = response.json()["error"]
        assert error["code"] == "all_tiers_failed"
        assert [d["tier"] for d in error["details"]] == [
            "silver",
            "gold",
        ]  # npc_dialogue prefers silver
        assert {d["code"] for d in error["details"]} == {"tier_unavailable"}
        assert all(d["endpoint"] == dead_endpoint and d["reason"] for d in error["details"])
    assert len(rows) == 4
    assert [(r["tier"], r["attempt"], r["streamed"]) for r in rows] == [
        ("silver", 1, False),
        ("gold", 2, False),
        ("silver", 1, True),
        ("gold", 2, True),
    ]
    for row in rows:
        assert (row["world_id"], row["use_case"], row["registry_version"]) == (
            "alpha",
            "npc_dialogue",
            1,
        )
        assert row["error_code"] == "tier_unavailable" and row["completion_tokens"] is None
        assert row["endpoint"] == dead_endpoint and row["model"] == "smollm2-135m-instruct"
    assert [r["fallback_used"] for r in rows] == [False, True, False, True]


async def test_a_registry_change_applies_to_the_next_request(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint], "silver": [dead_endpoint]}) as api:
        admin = await api.key(["alpha"], ["read", "admin"])
        async with api.client(admin) as http:
            before = await http.post(GENERATE, json=ASK)
            changed = await http.put(
                "/v1/models/use-cases/npc_dialogue",
                json={
                    "model": "smollm2-135m-instruct",
                    "tier_policy": "pinned",
                    "tier": "gold",
                    "temperature": 0.1,
                    "top_p": 0.5,
                    "max_tokens": 16,
                    "ttft_objective_ms": 800,
                },
            )
            after = await http.post(GENERATE, json=ASK)
        rows = await inference_rows(api)
    assert changed.status_code == 200
    assert [d["tier"] for d in before.json()["error"]["details"]] == ["silver", "gold"]
    assert [d["tier"] for d in after.json()["error"]["details"]] == ["gold"]  # pinned: no fallback
    assert [(r["tier"], r["registry_version"]) for r in rows] == [
        ("silver", 1),
        ("gold", 1),
        ("gold", 2),
    ]


async def test_without_storyteller_resources_generation_is_503(
    start_api: StartApi, dead_endpoint: str
) -> None:
    async with start_api({"gold": [dead_endpoint]}) as api:
        alpha = await api.key(["alpha"])
        api.app.state.resources.storyteller = None
        async with api.client(alpha) as http:
            response = await http.post(GENERATE, json=ASK)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storyteller_unavailable"


async def _plan(api: StorytellerApi, world: str, npc_id: str | None, budget: int | None) -> object:
    caller = Principal(
        key_id="000000000000", worlds=frozenset({world}), roles=frozenset({Role.READ})
    )
    memory = MemorySettings(Weights(1.0, 1.0, 1.0), 0.995, 20_000, 200)
    ask = GenerationAsk(
        scope=caller.scope_for(world),
        lore_scope=caller.lore_scope(world, include_global=True),
        use_case=UseCase.NPC_DIALOGUE,
        situation="Tell me about the tide mill, the sluice and the twin moons.",
        npc_id=npc_id,
        max_context_tokens=budget,
    )
    resources = api.app.state.resources
    return await plan_generation(api.storyteller, resources.pool, resources.embedder, memory, ask)


async def test_context_comes_from_every_source_of_the_world_only(
    start_api: StartApi, dead_endpoint: str, embedder: Embedder, tmp_path: Path
) -> None:
    async with start_api({"gold": [dead_endpoint]}) as api:
        await seed_two_worlds(api.pool, api.dsn, embedder, tmp_path)
        plan = await _plan(api, "alpha", "alpha-npc", None)
        small = await _plan(api, "alpha", "alpha-npc", 60)
    citations = plan.context.citations  # type: ignore[attr-defined]
    kinds = {placed.item.kind for placed in plan.context.placed}  # type: ignore[attr-defined]
    assert kinds == set(ContextKind)
    assert any(c.startswith("alpha/") for c in citations)  # the world's lore
    assert any(c.startswith("global/") for c in citations)  # and the shared lore
    assert "state:npc:alpha-npc" in citations and "state:world" in citations
    assert any(c.startswith("memory:") for c in citations)
    assert any(c.startswith("history:") for c in citations)
    prompt = "\n".join(m["content"] for m in plan.messages)  # type: ignore[attr-defined]
    assert "beta" not in prompt.lower() and not any("beta" in c for c in citations)
    assert "Odile Marsh grinds barley" in prompt
    assert plan.context.used_tokens <= plan.context.budget_tokens  # type: ignore[attr-defined]
    assert small.context.used_tokens <= 60 < plan.context.used_tokens  # type: ignore[attr-defined]
    assert small.context.dropped  # type: ignore[attr-defined]
