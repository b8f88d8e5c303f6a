"""Generation end to end against the real vLLM (SmolLM2-135M) and the demo world's real lore:
plain and streamed answers, citations, the inference log, a registry change, and a dead tier.
Answers are kept short (small max_tokens) so each test takes seconds on two CPU cores."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from serving.storyteller.resources import open_storyteller
from tests.fixtures.vllm import LiveVllm
from tests.storyteller.conftest import (
    StartApi,
    StorytellerApi,
    inference_rows,
    served_over_http,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.llm,
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="session"),
]

SMOL = "smollm2-135m-instruct"
ASK = {
    "world_id": "saltmarch",
    "use_case": "npc_dialogue",
    "npc_id": "maud_ferrow",
    "situation": "A stranger asks Maud Ferrow what coarse salt fetches at the Sallow Pans.",
}


async def short_answers(api: StorytellerApi, key: str, **changes: Any) -> None:
    entry = {
        "model": SMOL,
        "tier_policy": "preferred",
        "tier": "silver",
        "temperature": 0.7,
        "top_p": 0.9,
        "max_tokens": 24,
        "ttft_objective_ms": 5000,
    }
    entry.update(changes)
    async with api.client(key) as http:
        response = await http.put("/v1/models/use-cases/npc_dialogue", json=entry)
    assert response.status_code == 200, response.text


@pytest.fixture
async def saltmarch(
    start_saltmarch_api: StartApi, vllm_server: LiveVllm
) -> AsyncIterator[tuple[StorytellerApi, str]]:
    live = [vllm_server.base_url]
    async with start_saltmarch_api({"gold": live, "silver": live}) as api:
        yield api, await api.key(["saltmarch"], ["read", "admin"])


async def test_generate_returns_grounded_text_with_citations_and_logs_it(
    saltmarch: tuple[StorytellerApi, str],
) -> None:
    api, key = saltmarch
    await short_answers(api, key, max_tokens=32)
    async with api.client(key) as http:
        response = await http.post("/v1/storyteller/generate", json=ASK)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"].strip()
    assert body["model"] == SMOL and body["fallback"] is False
    assert body["routing"]["wanted"] == "silver" and body["attempts"][0]["tier"] == "silver"
    assert body["tier"] == body["attempts"][-1]["tier"]  # gold when a guardrail retry ran
    citations = body["citations"]
    assert any(c.startswith("saltmarch/") for c in citations)  # demo lore chunks
    assert citations == [item["citation_id"] for item in body["context"]["items"]]
    assert body["context"]["counted_with"].startswith("tokenizer:")
    usage = body["usage"]
    assert 0 < usage["completion_tokens"] <= 32
    assert usage["prompt_tokens"] <= 2048 - 32
    assert 0 < usage["ttft_ms"] <= usage["latency_ms"]
    assert usage["estimated_cost_usd"] > 0
    guardrail = body["guardrail"]
    assert isinstance(guardrail["passed"], bool) and guardrail["passed"] == (not guardrail["flags"])

    rows = await inference_rows(api)
    assert len(rows) == len(body["attempts"]) == (2 if guardrail["retried"] else 1)
    last = rows[-1]
    assert (last["world_id"], last["use_case"], last["tier"], last["model"]) == (
        "saltmarch",
        "npc_dialogue",
        body["tier"],
        SMOL,
    )
    assert last["prompt_tokens"] == usage["prompt_tokens"]
    assert last["completion_tokens"] == usage["completion_tokens"]
    assert last["ttft_ms"] > 0 and last["latency_ms"] >= last["ttft_ms"]
    assert float(last["estimated_cost_usd"]) == pytest.approx(usage["estimated_cost_usd"])
    assert last["guardrail_passed"] is guardrail["passed"]
    assert list(last["guardrail_flags"]) == guardrail["flags"]
    assert last["error_code"] is None and last["streamed"] is False
    assert last["registry_version"] == 2
    assert str(last["request_id"]) == body["request_id"]


def parse_sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


async def test_stream_sends_tokens_as_they_come_then_done(
    saltmarch: tuple[StorytellerApi, str],
) -> None:
    api, key = saltmarch
    await short_answers(api, key)
    arrivals: list[float] = []
    lines: list[str] = []
    async with (
        served_over_http(api.app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=120) as http,
        http.stream(
            "POST",
            "/v1/storyteller/generate/stream",
            json=ASK,
            headers={"Authorization": f"Bearer {key}"},
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            lines.append(line)
            if line.startswith("event: "):
                arrivals.append(time.perf_counter())
    events = parse_sse("\n".join(lines))
    names = [name for name, _data in events]
    assert names[-1] == "done" and set(names[:-1]) == {"token"} and len(names) >= 3
    assert arrivals[-1] - arrivals[0] > 0.05  # tokens arrived over time, not in one piece
    done = events[-1][1]
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert done["text"] == streamed.strip()
    assert done["citations"] and done["usage"]["completion_tokens"] <= 24
    rows = await inference_rows(api)
    assert len(rows) == 1 and rows[0]["streamed"] is True and rows[0]["ttft_ms"] > 0
    assert rows[0]["registry_version"] == 2  # the change made just before


async def test_a_registry_change_sets_the_next_requests_parameters(
    saltmarch: tuple[StorytellerApi, str],
) -> None:
    api, key = saltmarch
    await short_answers(api, key, tier_policy="pinned", tier="gold", max_tokens=4)
    async with api.client(key) as http:
        body = (await http.post("/v1/storyteller/generate", json=ASK)).json()
    assert body["usage"]["completion_tokens"] <= 4
    assert body["tier"] == "gold" and body["routing"]["order"] == ["gold"]
    rows = await inference_rows(api)
    assert {row["registry_version"] for row in rows} == {2}


async def test_a_dead_tier_is_avoided_and_the_answer_says_so(
    start_saltmarch_api: StartApi, vllm_server: LiveVllm, dead_endpoint: str
) -> None:
    tiers = {"gold": [vllm_server.base_url], "silver": [dead_endpoint]}
    async with start_saltmarch_api(tiers) as api:
        key = await api.key(["saltmarch"], ["read", "admin"])
        await short_answers(api, key)  # npc_dialogue prefers silver
        async with api.client(key) as http:
            response = await http.post("/v1/storyteller/generate", json=ASK)
        rows = await inference_rows(api)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tier"] == "gold" and body["fallback"] is True
    assert body["routing"]["wanted"] == "silver" and body["routing"]["order"][0] == "gold"
    assert "gold" in body["routing"]["reason"]
    assert rows[0]["tier"] == "gold" and rows[0]["fallback_used"] is True


async def test_a_failing_output_is_retried_once_on_the_other_tier_then_flagged(
    saltmarch: tuple[StorytellerApi, str], tmp_path: Path
) -> None:
    api, key = saltmarch
    await short_answers(api, key, temperature=0.0, max_tokens=12)  # greedy: repeatable text
    async with api.client(key) as http:
        first = (await http.post("/v1/storyteller/generate", json=ASK)).json()
    # Block every word the model just said, so its (identical) next answer fails the blocklist.
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{3,}", first["text"])})
    assert words, first
    blocklist = tmp_path / "blocklist.yaml"
    blocklist.write_text(yaml.safe_dump(words))
    strict = await open_storyteller(
        api.storyteller.settings.model_copy(update={"blocklist_file": blocklist})
    )
    api.app.state.resources.storyteller = strict
    try:
        before = len(await inference_rows(api))
        async with api.client(key) as http:
            body = (await http.post("/v1/storyteller/generate", json=ASK)).json()
    finally:
        await strict.close()
    guardrail = body["guardrail"]
    assert guardrail["passed"] is False and guardrail["retried"] is True
    assert any(flag.startswith("blocklisted:") for flag in guardrail["flags"])
    assert [(a["tier"], a["outcome"]) for a in body["attempts"]] == [
        ("silver", "answered"),
        ("gold", "answered"),
    ]
    assert body["tier"] == "gold"
    rows = (await inference_rows(api))[before:]
    assert [(r["tier"], r["guardrail_passed"]) for r in rows] == [
        ("silver", False),
        ("gold", False),
    ]
