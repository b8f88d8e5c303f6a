"""`python -m bench.capacity.sweep`: how ours does per tier as its production numbers change.

Runs `QueueDepthPolicy` over the same workload as `python -m bench.capacity` for each target per
replica and scale-down window given, and prints objective share, p95 TTFT, GPU-hours and cost,
with the cost ratio against the static baseline of the same run. `--starting-as-ready` adds the
experiment of letting the policy scale up while replicas start (it sees them as ready), to
measure what its no-scale-up-while-starting rule costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools

import numpy as np

from bench.capacity.baselines import StaticPolicy
from bench.capacity.production import control_period_s, production_config
from bench.capacity.scenario import Scenario, Workload, build_workload, cold_start_rng
from bench.capacity.simulator import TierRun, simulate_tier
from serving.llm.autoscaling.policy import QueueDepthPolicy, ScalingPolicy, TierObservation


class StartingAsReady:
    """Experiment: hides starting replicas from the wrapped policy by reporting them as ready."""

    def __init__(self, policy: ScalingPolicy) -> None:
        self.policy = policy

    def desired_replicas(self, obs: TierObservation) -> int:
        folded = dataclasses.replace(
            obs, ready_replicas=obs.ready_replicas + obs.starting_replicas, starting_replicas=0
        )
        return self.policy.desired_replicas(folded)


def run_tier(
    scenario: Scenario, workload: Workload, tier: str, policy: ScalingPolicy, initial: int
) -> TierRun:
    settings = dataclasses.replace(scenario.settings, control_period_s=control_period_s(tier))
    return simulate_tier(
        workload.traces[tier],
        scenario.models[tier],
        policy,
        initial_ready=initial,
        duration_s=scenario.duration_s,
        settings=settings,
        rng=cold_start_rng(scenario, tier),
    )


def describe(run: TierRun, usd_per_hour: float, static_cost: float) -> str:
    late = np.where(np.isnan(run.ttft_s), np.inf, run.ttft_s)
    share = float((late <= run.trace.objectives_s()).mean())
    p95 = float(np.percentile(late, 95, method="inverted_cdf"))
    cost = run.gpu_seconds / 3600.0 * usd_per_hour
    return (
        f"met obj {share:7.2%}  p95 {p95:5.2f}s  GPU-h {run.gpu_seconds / 3600:6.1f}  "
        f"${cost:7,.0f}  x{cost / static_cost:.2f} of static"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity.sweep", description=__doc__)
    parser.add_argument("--players-max", type=float, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tier", choices=("gold", "silver"), default="gold")
    parser.add_argument("--targets", default="8,10,12,16", help="targets per replica, comma list")
    parser.add_argument("--windows", default="300,600", help="scale-down windows in seconds")
    parser.add_argument("--starting-as-ready", action="store_true")
    args = parser.parse_args(argv)
    scenario = Scenario(players_max=args.players_max, seed=args.seed)
    workload = build_workload(scenario)
    tier, model = args.tier, scenario.models[args.tier]
    static_replicas = workload.peak_replicas[tier]
    static = run_tier(scenario, workload, tier, StaticPolicy(static_replicas), static_replicas)
    static_cost = static.gpu_seconds / 3600.0 * model.usd_per_gpu_hour
    print(f"{tier}, seed {args.seed}: static {static_replicas} replicas:")
    print(f"  {'static':<40} {describe(static, model.usd_per_gpu_hour, static_cost)}")
    variants = [False, True] if args.starting_as_ready else [False]
    targets = [float(t) for t in args.targets.split(",")]
    windows = [float(w) for w in args.windows.split(",")]
    base = production_config(tier)
    for target, window, folded in itertools.product(targets, windows, variants):
        config = dataclasses.replace(base, target_per_replica=target, scale_down_window_s=window)
        policy: ScalingPolicy = QueueDepthPolicy(config)
        if folded:
            policy = StartingAsReady(policy)
        initial = min(
            max(workload.initial_replicas[tier], config.min_replicas), config.max_replicas
        )
        run = run_tier(scenario, workload, tier, policy, initial)
        label = f"target {target:g}, window {window:g} s" + (", starting=ready" if folded else "")
        print(f"  {label:<40} {describe(run, model.usd_per_gpu_hour, static_cost)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
