"""The figures printed for each policy: latency, objective share, GPU-hours and cost per player."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.capacity.replica import ReplicaModel
from bench.capacity.simulator import TierRun

DAYS_PER_MONTH = 30.0
SEED_BUDGET_USD_PER_PLAYER_MONTH = 8.0
DIALOGUE = "npc_dialogue"


@dataclass(frozen=True)
class PolicyOutcome:
    policy: str
    requests: int
    failed: int
    p95_ttft_s: float  # failed requests count as infinitely late
    p95_dialogue_ttft_s: float
    objective_share: float  # requests whose TTFT met their use case's objective
    dialogue_objective_share: float
    gpu_hours: float
    gpu_hours_by_tier: dict[str, float]
    cost_usd: float
    cost_per_peak_player_month: float  # "player" = the peak concurrent player count of the day
    cost_per_average_player_month: float  # the day's mean concurrent player count


def summarise(
    policy: str,
    runs: dict[str, TierRun],
    models: dict[str, ReplicaModel],
    *,
    duration_s: float,
    peak_players: float,
    mean_players: float,
) -> PolicyOutcome:
    ttft = np.concatenate([r.ttft_s for r in runs.values()])
    late = np.where(np.isnan(ttft), np.inf, ttft)
    objectives = np.concatenate([r.trace.objectives_s() for r in runs.values()])
    dialogue = np.concatenate([_is_dialogue(r) for r in runs.values()])
    met = late <= objectives
    gpu_hours = {tier: r.gpu_seconds / 3600.0 for tier, r in runs.items()}
    cost = sum(gpu_hours[tier] * models[tier].usd_per_gpu_hour for tier in runs)
    monthly = cost * DAYS_PER_MONTH * 86_400.0 / duration_s
    return PolicyOutcome(
        policy=policy,
        requests=int(ttft.size),
        failed=sum(r.failed_count for r in runs.values()),
        p95_ttft_s=_p95(late),
        p95_dialogue_ttft_s=_p95(late[dialogue]),
        objective_share=_share(met),
        dialogue_objective_share=_share(met[dialogue]),
        gpu_hours=sum(gpu_hours.values()),
        gpu_hours_by_tier=gpu_hours,
        cost_usd=cost,
        cost_per_peak_player_month=monthly / peak_players,
        cost_per_average_player_month=monthly / mean_players,
    )


def _is_dialogue(run: TierRun) -> np.ndarray:
    names = [u.name for u in run.trace.use_cases]
    if DIALOGUE not in names:
        return np.zeros(run.trace.size, dtype=bool)
    return run.trace.use_case == names.index(DIALOGUE)


def _p95(values: np.ndarray) -> float:
    if not values.size:
        return float("nan")
    return float(np.percentile(values, 95, method="inverted_cdf"))


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else float("nan")
