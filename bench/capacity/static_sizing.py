"""The static baseline's replica count: the fewest fixed replicas that meet the TTFT objective
for 99 % of the requests of the busiest two hours, found by simulating that window.

Starting from the analytic estimate (`sizing.replicas_for`), the count steps down while the
objective still holds and up while it does not, so the static baseline is as cheap as a fixed
provisioning for the peak can be."""

from __future__ import annotations

import numpy as np

from bench.capacity.baselines import StaticPolicy
from bench.capacity.replica import ReplicaModel
from bench.capacity.simulator import SimulationSettings, simulate_tier
from bench.capacity.workload import TierTrace

OBJECTIVE_SHARE = 0.99
WINDOW_S = 7200


def peak_window(trace: TierTrace, expected_rate: np.ndarray, window_s: int = WINDOW_S) -> TierTrace:
    """The requests of the `window_s` seconds of highest expected load, times shifted to 0."""
    if expected_rate.size <= window_s:
        return trace
    sums = np.convolve(expected_rate, np.ones(window_s), mode="valid")
    start = float(np.argmax(sums))
    keep = (trace.arrival_s >= start) & (trace.arrival_s < start + window_s)
    return TierTrace(
        tier=trace.tier,
        arrival_s=trace.arrival_s[keep] - start,
        prompt_tokens=trace.prompt_tokens[keep],
        completion_tokens=trace.completion_tokens[keep],
        use_case=trace.use_case[keep],
        use_cases=trace.use_cases,
    )


def objective_share(
    trace: TierTrace, model: ReplicaModel, replicas: int, settings: SimulationSettings
) -> float:
    run = simulate_tier(
        trace,
        model,
        StaticPolicy(replicas),
        initial_ready=replicas,
        duration_s=float(np.ceil(trace.arrival_s[-1])) if trace.size else 0.0,
        settings=settings,
        rng=np.random.default_rng(0),
    )
    late = np.where(np.isnan(run.ttft_s), np.inf, run.ttft_s)
    return float((late <= trace.objectives_s()).mean()) if trace.size else 1.0


def smallest_static_replicas(
    window: TierTrace, model: ReplicaModel, settings: SimulationSettings, *, estimate: int
) -> int:
    replicas = max(estimate, 1)
    if objective_share(window, model, replicas, settings) >= OBJECTIVE_SHARE:
        while replicas > 1 and objective_share(window, model, replicas - 1, settings) >= (
            OBJECTIVE_SHARE
        ):
            replicas -= 1
        return replicas
    limit = 4 * replicas + 16
    while replicas < limit:
        replicas += 1
        if objective_share(window, model, replicas, settings) >= OBJECTIVE_SHARE:
            break
    return replicas
