"""The three policies side by side on one workload: static for the peak, the waiting-threshold
rule of the vLLM production stack, and ours (`QueueDepthPolicy` with its production config)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from bench.capacity.baselines import StaticPolicy, WaitingThresholdPolicy
from bench.capacity.outcome import PolicyOutcome, summarise
from bench.capacity.production import (
    control_period_s,
    production_config,
    production_policy,
    proposed_config,
)
from bench.capacity.scenario import Scenario, Workload, cold_start_rng
from bench.capacity.simulator import TierRun, simulate_tier
from serving.llm.autoscaling.policy import QueueDepthPolicy, ScalingPolicy

STATIC = "static-peak"
THRESHOLD = "waiting>5"
OURS = "queue-depth"
PROPOSED_NAME = "queue-depth*"  # ours with the sweep's proposed numbers (production.PROPOSED)


@dataclass(frozen=True)
class Contender:
    name: str
    make_policy: Callable[[str], ScalingPolicy]  # one fresh policy per tier
    initial_replicas: Callable[[str], int]


@dataclass(frozen=True)
class PolicyResult:
    outcome: PolicyOutcome
    runs: dict[str, TierRun]


def standard_contenders(workload: Workload) -> list[Contender]:
    def threshold(tier: str) -> ScalingPolicy:
        # Same replica ceiling as ours, so only the rule differs.
        return WaitingThresholdPolicy(max_replicas=production_config(tier).max_replicas)

    def ours_initial(tier: str) -> int:
        config = production_config(tier)
        return min(max(workload.initial_replicas[tier], config.min_replicas), config.max_replicas)

    contenders = [
        Contender(
            STATIC,
            lambda tier: StaticPolicy(workload.peak_replicas[tier]),
            lambda tier: workload.peak_replicas[tier],
        ),
        Contender(THRESHOLD, threshold, lambda tier: max(workload.initial_replicas[tier], 1)),
        Contender(OURS, production_policy, ours_initial),
    ]
    if any(proposed_config(t) != production_config(t) for t in workload.traces):
        contenders.append(
            Contender(PROPOSED_NAME, lambda t: QueueDepthPolicy(proposed_config(t)), ours_initial)
        )
    return contenders


def run_contender(scenario: Scenario, workload: Workload, contender: Contender) -> PolicyResult:
    runs = {
        tier: simulate_tier(
            trace,
            scenario.models[tier],
            contender.make_policy(tier),
            initial_ready=contender.initial_replicas(tier),
            duration_s=scenario.duration_s,
            # Every policy decides as often as the production autoscaler (and KEDA) polls.
            settings=replace(scenario.settings, control_period_s=control_period_s(tier)),
            rng=cold_start_rng(scenario, tier),
        )
        for tier, trace in workload.traces.items()
    }
    outcome = summarise(
        contender.name,
        runs,
        scenario.models,
        duration_s=scenario.duration_s,
        peak_players=workload.curve.peak,
        mean_players=workload.curve.mean,
    )
    return PolicyResult(outcome, runs)


def compare(
    scenario: Scenario, workload: Workload, contenders: list[Contender]
) -> dict[str, PolicyResult]:
    return {c.name: run_contender(scenario, workload, c) for c in contenders}
