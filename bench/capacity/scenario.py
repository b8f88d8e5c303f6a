"""A run's settings and the one workload every policy is simulated against."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bench.capacity.production import production_models
from bench.capacity.replica import ReplicaModel
from bench.capacity.simulator import SimulationSettings
from bench.capacity.sizing import TierDemand, expected_demand, replicas_for
from bench.capacity.static_sizing import peak_window, smallest_static_replicas
from bench.capacity.workload import (
    DAY_S,
    USE_CASES,
    PlayerCurve,
    TierTrace,
    UseCase,
    player_curve,
    request_traces,
)


@dataclass(frozen=True)
class Scenario:
    players_max: float = 10_000
    players_min: float = 100
    seed: int = 7
    start_s: int = 0  # a window of the day: 0 and DAY_S simulate the whole day
    duration_s: int = DAY_S
    use_cases: tuple[UseCase, ...] = USE_CASES
    models: dict[str, ReplicaModel] = field(default_factory=production_models)
    settings: SimulationSettings = field(default_factory=SimulationSettings)


@dataclass(frozen=True)
class Workload:
    """The arrival trace (identical for every policy) and the replica counts derived from it."""

    curve: PlayerCurve
    traces: dict[str, TierTrace]
    peak_replicas: dict[str, int]  # static: fewest fixed replicas meeting the objective at peak
    initial_replicas: dict[str, int]  # what the expected load needs when the run starts


def build_workload(scenario: Scenario) -> Workload:
    rng = np.random.default_rng(scenario.seed)
    curve = player_curve(
        rng,
        players_min=scenario.players_min,
        players_max=scenario.players_max,
        start_s=scenario.start_s,
        duration_s=scenario.duration_s,
    )
    traces = request_traces(rng, curve, scenario.use_cases)
    peak, initial = {}, {}
    for tier in traces:
        model = scenario.models[tier]
        rate, at_peak = expected_demand(curve, scenario.use_cases, tier)
        window = peak_window(traces[tier], rate)
        estimate = replicas_for(at_peak, model)
        peak[tier] = smallest_static_replicas(window, model, scenario.settings, estimate=estimate)
        opening = TierDemand(float(rate[:60].mean()), at_peak.prompt_mean, at_peak.completion_mean)
        initial[tier] = replicas_for(opening, model)
    return Workload(curve, traces, peak, initial)


def cold_start_rng(scenario: Scenario, tier: str) -> np.random.Generator:
    """The same cold-start and scrape-gap draws for every policy on a tier."""
    return np.random.default_rng([scenario.seed, sorted(scenario.models).index(tier), 1])
