"""TierRouter: ranking tiers from recorded vLLM metrics, and fallback over real sockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.llm.client import CallTimeouts, LlmClient
from serving.llm.errors import (
    AllTiersFailed,
    TierRequestRejected,
    TierTimeout,
    TierUnavailable,
)
from serving.llm.metrics import MetricsSample, MetricsScraper, TierMetrics, parse_vllm_metrics
from serving.llm.router import GenerationRequest, TierRouter, TierStatus, generate
from serving.llm.tier import TierConfig
from serving.llm.use_case import UseCasePolicy
from tests.llm.local_http import dead_endpoint, silent_endpoint, status_endpoint

pytestmark = pytest.mark.unit

GOLD = TierConfig(
    name="gold", model="m", price_per_gpu_hour=4.096, ttft_objective_ms=2000,
    idle_ttft_ms=500, max_tokens=256, max_concurrency=16,
)  # fmt: skip
SILVER = TierConfig(
    name="silver", model="m", price_per_gpu_hour=1.006, ttft_objective_ms=5000,
    idle_ttft_ms=500, max_tokens=128, max_concurrency=32,
)  # fmt: skip
TIERS = {"gold": GOLD, "silver": SILVER}
CHEAPEST = UseCasePolicy("summarisation")


def recorded(data_dir: Path, endpoint: str, *names: str) -> list[MetricsSample]:
    return [
        parse_vllm_metrics(
            (data_dir / f"vllm_metrics_{name}.txt").read_text(), endpoint=endpoint, scraped_at=i
        )
        for i, name in enumerate(names)
    ]


def tier_metrics(tier: str, history: dict[str, list[MetricsSample | None]]) -> TierMetrics:
    """What the scraper reports after these scrapes of each endpoint (None: scrape failed)."""
    scraper = MetricsScraper(http=None, clock=lambda: 10.0)  # type: ignore[arg-type]
    latest: list[MetricsSample | None] = []
    for samples in history.values():
        for sample in samples:
            if sample is not None:
                scraper.record(sample)
        latest.append(samples[-1])
    return scraper.summarise(tier, list(history), latest)


@pytest.fixture
def idle(vllm_data_dir: Path) -> dict[str, TierMetrics]:
    return {
        "gold": tier_metrics(
            "gold", {"http://g0": [*recorded(vllm_data_dir, "http://g0", "idle")]}
        ),
        "silver": tier_metrics(
            "silver", {"http://s0": [*recorded(vllm_data_dir, "http://s0", "idle")]}
        ),
    }


@pytest.fixture
def silver_slow(vllm_data_dir: Path, idle: dict[str, TierMetrics]) -> dict[str, TierMetrics]:
    """Silver just served the recorded burst: its window's p95 TTFT is ~9.8 s."""
    history = recorded(vllm_data_dir, "http://s0", "idle", "after_burst")
    return {**idle, "silver": tier_metrics("silver", {"http://s0": [*history]})}


def test_idle_tiers_pick_the_cheapest(idle: dict[str, TierMetrics]) -> None:
    choice = TierRouter(TIERS).choose(CHEAPEST, idle)
    assert choice.order == ("silver", "gold")
    assert choice.estimates["silver"].status is TierStatus.MEETS_OBJECTIVE
    assert choice.estimates["silver"].expected_ttft_ms == pytest.approx(500.0)


def test_recent_slow_ttft_moves_traffic_to_a_tier_that_meets_its_objective(
    silver_slow: dict[str, TierMetrics],
) -> None:
    choice = TierRouter(TIERS).choose(CHEAPEST, silver_slow)
    silver = choice.estimates["silver"]
    assert silver.status is TierStatus.OVER_OBJECTIVE
    assert silver.expected_ttft_ms == pytest.approx(1000 * (7.5 + 2.5 * 17.75 / 19))
    assert choice.order == ("gold", "silver")  # silver stays as the fallback


def test_a_use_case_objective_replaces_the_tier_objective(
    silver_slow: dict[str, TierMetrics],
) -> None:
    relaxed = UseCasePolicy("summarisation", ttft_objective_ms=15_000)
    assert TierRouter(TIERS).choose(relaxed, silver_slow).tier == "silver"


def test_queue_depth_raises_the_expected_ttft(vllm_data_dir: Path) -> None:
    busy = recorded(vllm_data_dir, "http://s0", "busy")[0]
    assert busy.running is not None and busy.running > 0
    snapshot = {"silver": tier_metrics("silver", {"http://s0": [busy]})}
    estimate = TierRouter(TIERS).choose(CHEAPEST, snapshot).estimates["silver"]
    load = (busy.waiting or 0) + busy.running
    assert estimate.load_per_replica == load
    assert estimate.expected_ttft_ms == pytest.approx(500 * (1 + load / 32))


def test_saturated_tier_ranks_after_one_with_room() -> None:
    full = MetricsSample("http://s0", 0.0, 10.0, 32.0, None, None)
    room = MetricsSample("http://g0", 0.0, 0.0, 3.0, None, None)
    snapshot = {
        "silver": tier_metrics("silver", {"http://s0": [full]}),
        "gold": tier_metrics("gold", {"http://g0": [room]}),
    }
    choice = TierRouter(TIERS).choose(CHEAPEST, snapshot)
    assert choice.estimates["silver"].status is TierStatus.SATURATED
    assert choice.order == ("gold", "silver")


def test_pinned_tier_is_used_alone_even_when_slow(silver_slow: dict[str, TierMetrics]) -> None:
    pinned = UseCasePolicy("npc_dialogue", selection="pinned", tier="silver")
    choice = TierRouter(TIERS).choose(pinned, silver_slow)
    assert choice.order == ("silver",)


def test_preferred_tier_goes_first_while_it_meets_the_objective(
    idle: dict[str, TierMetrics], silver_slow: dict[str, TierMetrics]
) -> None:
    router = TierRouter(TIERS)
    prefers_gold = UseCasePolicy("narration", selection="preferred", tier="gold")
    assert router.choose(prefers_gold, idle).order == ("gold", "silver")
    prefers_silver = UseCasePolicy("quest_text", selection="preferred", tier="silver")
    choice = router.choose(prefers_silver, silver_slow)
    assert choice.order == ("gold", "silver")
    assert choice.wanted == "silver"


def test_explicit_order_ranks_before_price(idle: dict[str, TierMetrics]) -> None:
    ordered = UseCasePolicy("narration", order=("gold", "silver"))
    assert TierRouter(TIERS).choose(ordered, idle).order == ("gold", "silver")


def test_tiers_without_metrics_are_avoided_unless_nothing_else(
    idle: dict[str, TierMetrics],
) -> None:
    unreachable = tier_metrics("silver", {"http://s0": [None]})
    choice = TierRouter(TIERS).choose(CHEAPEST, {**idle, "silver": unreachable})
    assert choice.order == ("gold", "silver")
    assert choice.estimates["silver"].status is TierStatus.NO_METRICS
    # No replica at all for gold, no metrics for silver: silver is still tried first (cheaper).
    choice = TierRouter(TIERS).choose(CHEAPEST, {"silver": unreachable})
    assert choice.order == ("silver", "gold")
    assert choice.estimates["gold"].status is TierStatus.NO_REPLICAS


def test_replicas_are_tried_least_loaded_first_and_unreachable_last() -> None:
    snapshot = {
        "gold": tier_metrics(
            "gold",
            {
                "http://g0": [MetricsSample("http://g0", 0.0, 4.0, 8.0, None, None)],
                "http://g1": [None],
                "http://g2": [MetricsSample("http://g2", 0.0, 0.0, 1.0, None, None)],
            },
        )
    }
    pinned = UseCasePolicy("narration", selection="pinned", tier="gold")
    estimate = TierRouter(TIERS).choose(pinned, snapshot).estimates["gold"]
    assert estimate.endpoints == ("http://g2", "http://g0", "http://g1")
    assert estimate.load_per_replica == pytest.approx((12 + 1) / 2)


def test_unknown_tier_in_a_policy_is_a_clear_error(idle: dict[str, TierMetrics]) -> None:
    with pytest.raises(ValueError, match="not in the tiers file"):
        TierRouter(TIERS).choose(UseCasePolicy("x", selection="pinned", tier="bronze"), idle)


def snapshot_for(endpoints: dict[str, list[str]]) -> dict[str, TierMetrics]:
    return {
        tier: tier_metrics(tier, {e: [MetricsSample(e, 0.0, 0.0, 0.0, None, None)] for e in urls})
        for tier, urls in endpoints.items()
    }


REQUEST = GenerationRequest([{"role": "user", "content": "Hello"}], max_tokens=8)
FAST = CallTimeouts(connect_s=0.5, first_token_s=0.5, total_s=0.5)


async def test_all_tiers_failing_reports_each_error_in_order() -> None:
    silver, gold = dead_endpoint(), dead_endpoint()
    router = TierRouter(TIERS)
    choice = router.choose(CHEAPEST, snapshot_for({"silver": [silver], "gold": [gold]}))
    async with LlmClient(timeouts=FAST) as client:
        with pytest.raises(AllTiersFailed) as failure:
            await generate(client, router, choice, REQUEST)
    assert [(type(e), e.tier, e.endpoint) for e in failure.value.errors] == [
        (TierUnavailable, "silver", silver),
        (TierUnavailable, "gold", gold),
    ]


async def test_timeout_moves_to_the_next_tier_not_the_next_replica() -> None:
    async with silent_endpoint() as silent:
        dead_silver, gold = dead_endpoint(), dead_endpoint()
        router = TierRouter(TIERS)
        snapshot = snapshot_for({"silver": [silent, dead_silver], "gold": [gold]})
        choice = router.choose(CHEAPEST, snapshot)
        async with LlmClient(timeouts=FAST) as client:
            with pytest.raises(AllTiersFailed) as failure:
                await generate(client, router, choice, REQUEST)
    errors = failure.value.errors
    assert [(type(e), e.endpoint) for e in errors] == [
        (TierTimeout, silent),
        (TierUnavailable, gold),
    ]


async def test_server_errors_fall_back_and_client_errors_do_not() -> None:
    async with (
        status_endpoint(503, '{"error": "overloaded"}') as overloaded,
        status_endpoint(400, '{"error": "prompt too long"}') as rejecting,
    ):
        router = TierRouter(TIERS)
        choice = router.choose(
            CHEAPEST, snapshot_for({"silver": [overloaded], "gold": [rejecting]})
        )
        async with LlmClient(timeouts=FAST) as client:
            with pytest.raises(TierRequestRejected, match="prompt too long"):
                await generate(client, router, choice, REQUEST)


async def test_no_replica_at_all_is_reported_as_unavailable() -> None:
    router = TierRouter(TIERS)
    choice = router.choose(UseCasePolicy("x", selection="pinned", tier="gold"), {})
    async with LlmClient(timeouts=FAST) as client:
        with pytest.raises(AllTiersFailed, match="no replica"):
            await generate(client, router, choice, REQUEST)
