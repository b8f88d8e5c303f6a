"""The tier simulator: conservation, capacity, cold starts, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from bench.capacity.baselines import StaticPolicy
from bench.capacity.simulator import SimulationSettings, TierRun, simulate_tier
from tests.capacity.traces import MODEL, ScriptedPolicy, poisson_trace

pytestmark = pytest.mark.unit

SETTINGS = SimulationSettings()


def share_met(run: TierRun, objective_s: float = 1.0) -> float:
    late = np.where(np.isnan(run.ttft_s), np.inf, run.ttft_s)
    return float((late <= objective_s).mean())


def run(trace, policy, *, initial_ready: int, duration_s: int, seed: int = 3, **settings):
    return simulate_tier(
        trace,
        MODEL,
        policy,
        initial_ready=initial_ready,
        duration_s=duration_s,
        settings=SimulationSettings(**settings) if settings else SETTINGS,
        rng=np.random.default_rng(seed),
    )


def burst(t: np.ndarray) -> np.ndarray:
    """5 requests/s, and 40/s between minutes 10 and 20."""
    return np.where((t >= 600) & (t < 1200), 40.0, 5.0)


def test_every_arrival_is_served_or_counted_failed() -> None:
    trace = poisson_trace(burst, 1800)
    # A policy that keeps changing its mind, down to zero replicas at times.
    flapping = ScriptedPolicy(lambda now: int(now // 120) % 4)
    result = run(trace, flapping, initial_ready=1, duration_s=1800)
    assert result.failed.sum() > 0  # the zero-replica periods really lost requests
    assert result.completed + result.failed_count == trace.size
    served = ~result.failed
    assert np.isnan(result.ttft_s[result.failed]).all()
    assert np.isfinite(result.ttft_s[served]).all()


def test_static_policy_with_ample_replicas_meets_the_objective() -> None:
    trace = poisson_trace(burst, 1800)
    result = run(trace, StaticPolicy(10), initial_ready=10, duration_s=1800)
    assert result.failed_count == 0
    assert share_met(result) == 1.0
    assert float(np.percentile(result.ttft_s, 95)) < 0.5


def test_a_policy_that_never_scales_misses_the_objective_under_a_burst() -> None:
    trace = poisson_trace(burst, 1800)
    before = trace.arrival_s < 600
    result = run(trace, StaticPolicy(1), initial_ready=1, duration_s=1800)
    late = np.where(np.isnan(result.ttft_s), np.inf, result.ttft_s)
    assert (late[before] <= 1.0).mean() > 0.99  # one replica is enough before the burst
    assert share_met(result) < 0.8
    assert result.failed_count > 0  # requests abandoned after the 30 s timeout


def test_cold_start_delays_new_capacity() -> None:
    trace = poisson_trace(burst, 1800)
    scale_at_s = 600.0
    policy = ScriptedPolicy(lambda now: 1 if now < scale_at_s else 6)
    result = run(trace, policy, initial_ready=1, duration_s=1800)
    timeline = result.timeline
    ready_at = dict(zip(timeline.t_s.tolist(), timeline.ready.tolist(), strict=True))
    starting_at = dict(zip(timeline.t_s.tolist(), timeline.starting.tolist(), strict=True))
    assert ready_at[scale_at_s + 30] == 1 and starting_at[scale_at_s + 30] == 5
    assert ready_at[scale_at_s + MODEL.cold_start_s - 1] == 1
    assert ready_at[scale_at_s + MODEL.cold_start_s + 1] == 6
    # The requests of the burst's first minute wait for the new replicas; later ones do not.
    late = np.where(np.isnan(result.ttft_s), np.inf, result.ttft_s)
    first_minute = (trace.arrival_s >= 600) & (trace.arrival_s < 660)
    after = (trace.arrival_s >= 900) & (trace.arrival_s < 1200)
    assert (late[first_minute] > 1.0).mean() > 0.5
    assert (late[after] <= 1.0).mean() > 0.99
    # Starting replicas hold a GPU: billed from the decision, not from readiness.
    static_six = run(trace, StaticPolicy(6), initial_ready=6, duration_s=1800)
    expected = 600 * 1 + 1200 * 6
    assert result.gpu_seconds == pytest.approx(expected, abs=2 * 15 * 6)
    assert static_six.gpu_seconds == pytest.approx(1800 * 6, abs=60)


def test_the_policy_sees_queue_depth_every_control_period() -> None:
    trace = poisson_trace(burst, 900)
    policy = ScriptedPolicy(lambda now: 1)
    run(trace, policy, initial_ready=1, duration_s=900)
    times = [o.now for o in policy.seen]
    assert times[:3] == [15.0, 30.0, 45.0]
    assert all(o.waiting is not None and o.running is not None for o in policy.seen)
    assert max(o.running or 0 for o in policy.seen) > 0


def test_scrape_gaps_hide_the_metrics() -> None:
    trace = poisson_trace(burst, 900)
    policy = ScriptedPolicy(lambda now: 2)
    run(trace, policy, initial_ready=2, duration_s=900, metric_gap_probability=0.5)
    gaps = [o for o in policy.seen if o.waiting is None]
    assert 0 < len(gaps) < len(policy.seen)
    assert all(o.running is None for o in gaps)


def test_same_seed_same_result_and_another_seed_differs() -> None:
    trace = poisson_trace(burst, 1200)
    flapping = lambda: ScriptedPolicy(lambda now: 1 + int(now // 300) % 3)  # noqa: E731
    first = run(trace, flapping(), initial_ready=1, duration_s=1200, seed=5)
    again = run(trace, flapping(), initial_ready=1, duration_s=1200, seed=5)
    np.testing.assert_array_equal(first.ttft_s, again.ttft_s)
    assert first.gpu_seconds == again.gpu_seconds
    other_trace = poisson_trace(burst, 1200, seed=2)
    other = run(other_trace, flapping(), initial_ready=1, duration_s=1200, seed=5)
    assert other_trace.size != trace.size or not np.array_equal(other.ttft_s, first.ttft_s)
