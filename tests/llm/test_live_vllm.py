"""Client, metrics, router and gateway against a real local vLLM (SmolLM2, --enforce-eager)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from serving.llm.client import CallTimeouts, ChatRequest, LlmClient
from serving.llm.endpoints import EndpointDirectory
from serving.llm.errors import TierRequestRejected, TierUnavailable
from serving.llm.gateway import LlmGateway
from serving.llm.metrics import MetricsScraper, parse_vllm_metrics
from serving.llm.router import GenerationRequest, TierRouter, generate
from serving.llm.tier import TierConfig
from serving.llm.use_case import UseCasePolicy
from tests.fixtures.vllm import LiveVllm
from tests.llm.local_http import dead_endpoint

pytestmark = pytest.mark.llm

MESSAGES = [{"role": "user", "content": "Name one thing a harbour master does."}]
TIMEOUTS = CallTimeouts(connect_s=2, first_token_s=60, total_s=120)


def tiers_for(model: str) -> dict[str, TierConfig]:
    common = {"model": model, "idle_ttft_ms": 500, "max_concurrency": 16}
    return {
        "gold": TierConfig(name="gold", price_per_gpu_hour=4.096, ttft_objective_ms=2000,
                           max_tokens=24, **common),
        "silver": TierConfig(name="silver", price_per_gpu_hour=1.006, ttft_objective_ms=5000,
                             max_tokens=16, **common),
    }  # fmt: skip


async def test_chat_completion_returns_text_and_token_usage(vllm_server: LiveVllm) -> None:
    async with LlmClient(timeouts=TIMEOUTS) as client:
        completion = await client.chat(
            "gold", vllm_server.base_url, ChatRequest(vllm_server.model, MESSAGES, max_tokens=16)
        )
    assert completion.text.strip()
    assert completion.prompt_tokens and completion.prompt_tokens > 5
    assert completion.completion_tokens and 0 < completion.completion_tokens <= 16
    assert completion.ttft_s is None and not completion.streamed


async def test_streamed_completion_measures_time_to_first_token(vllm_server: LiveVllm) -> None:
    request = ChatRequest(vllm_server.model, MESSAGES, max_tokens=16, extra={"ignore_eos": True})
    pieces = []
    async with (
        LlmClient(timeouts=TIMEOUTS) as client,
        client.stream_chat("gold", vllm_server.base_url, request) as stream,
    ):
        async for text in stream:
            pieces.append(text)
    completion = stream.completion
    assert completion is not None and completion.streamed
    assert "".join(pieces) == completion.text and len(pieces) > 1
    assert completion.completion_tokens == 16
    assert completion.ttft_s is not None and 0 < completion.ttft_s < completion.latency_s


async def test_unknown_model_and_oversized_request_are_typed(vllm_server: LiveVllm) -> None:
    async with LlmClient(timeouts=TIMEOUTS) as client:
        with pytest.raises(TierUnavailable, match="HTTP 404"):
            await client.chat("gold", vllm_server.base_url, ChatRequest("nope", MESSAGES, 4))
        with pytest.raises(TierRequestRejected, match="HTTP 400"):
            await client.chat(
                "gold", vllm_server.base_url, ChatRequest(vllm_server.model, MESSAGES, 100_000)
            )


async def test_live_metrics_have_queue_gauges_and_ttft(vllm_server: LiveVllm) -> None:
    async with httpx.AsyncClient() as http:
        scraper = MetricsScraper(http)
        before = await scraper.tier_metrics("gold", [vllm_server.base_url], vllm_server.model)
        await LlmClient(http, TIMEOUTS).chat(
            "gold", vllm_server.base_url, ChatRequest(vllm_server.model, MESSAGES, max_tokens=4)
        )
        after = await scraper.tier_metrics("gold", [vllm_server.base_url], vllm_server.model)
    assert before.ready_replicas == after.ready_replicas == 1
    assert after.waiting is not None and after.running is not None
    assert after.ttft_requests >= 1 and after.ttft_p50_s is not None and after.ttft_p50_s > 0


async def test_router_falls_back_when_the_chosen_replica_died(
    vllm_server: LiveVllm, vllm_data_dir: Path
) -> None:
    tiers = tiers_for(vllm_server.model)
    router = TierRouter(tiers)
    scraper = MetricsScraper(http=None)  # type: ignore[arg-type]
    idle_text = (vllm_data_dir / "vllm_metrics_idle.txt").read_text()
    # Silver looked idle at the last scrape, then its replica went away.
    gone = dead_endpoint()
    snapshot = {
        "silver": scraper.summarise("silver", [gone], [parse_vllm_metrics(idle_text, endpoint=gone)]),
        "gold": scraper.summarise(
            "gold", [vllm_server.base_url],
            [parse_vllm_metrics(idle_text, endpoint=vllm_server.base_url)],
        ),
    }  # fmt: skip
    choice = router.choose(UseCasePolicy("summarisation"), snapshot)
    assert choice.order == ("silver", "gold")
    async with LlmClient(timeouts=TIMEOUTS) as client:
        completion = await generate(
            client, router, choice, GenerationRequest(MESSAGES, max_tokens=64)
        )
    assert completion.tier == "gold" and completion.endpoint == vllm_server.base_url
    assert completion.completion_tokens is not None and completion.completion_tokens <= 24


async def test_gateway_routes_streams_and_counts_unserved_demand(vllm_server: LiveVllm) -> None:
    tiers = tiers_for(vllm_server.model)
    directory = EndpointDirectory(tiers)
    directory.add("gold", vllm_server.base_url)  # silver has no replica (scaled to zero)
    gateway = LlmGateway.create(tiers, directory, timeouts=TIMEOUTS)
    try:
        cheapest = UseCasePolicy("summarisation")
        completion = await gateway.generate(cheapest, GenerationRequest(MESSAGES, max_tokens=8))
        assert completion.tier == "gold" and completion.text
        assert directory.take_unserved("silver") == 1  # silver was wanted: demand to wake it
        request = GenerationRequest(MESSAGES, max_tokens=8, extra={"ignore_eos": True})
        async with gateway.stream(cheapest, request) as stream:
            streamed = await stream.collect()
        assert streamed.completion_tokens == 8 and streamed.ttft_s is not None
    finally:
        await gateway.aclose()
