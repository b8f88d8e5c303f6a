"""Replica counts worked out from the replica model, without simulating: used to size the static
baseline for the day's peak and to give the autoscaled policies their replica count at t = 0."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.capacity.replica import ReplicaModel
from bench.capacity.workload import PlayerCurve, UseCase


@dataclass(frozen=True)
class TierDemand:
    """Expected load of a tier at one moment."""

    requests_per_s: float
    prompt_mean: float
    completion_mean: float


def expected_demand(
    curve: PlayerCurve, use_cases: tuple[UseCase, ...], tier: str, *, window_s: int = 60
) -> tuple[np.ndarray, TierDemand]:
    """Expected requests per second of `tier` at each second, and its 60-s averaged peak."""
    rates = []
    for use_case in use_cases:
        if use_case.tier != tier:
            continue
        factor = 1.0 + (use_case.raid_multiplier - 1.0) * curve.raid_intensity
        rates.append((use_case, curve.players * use_case.per_player_per_min / 60.0 * factor))
    total = np.sum([r for _, r in rates], axis=0)
    kernel = np.ones(window_s) / window_s
    smoothed = np.convolve(total, kernel, mode="same")
    peak_at = int(np.argmax(smoothed))
    weights = np.array([r[peak_at] for _, r in rates])
    weights = weights / weights.sum()
    demand = TierDemand(
        requests_per_s=float(smoothed[peak_at]),
        prompt_mean=float(sum(w * u.prompt_mean for w, (u, _) in zip(weights, rates, strict=True))),
        completion_mean=float(
            sum(w * u.completion_mean for w, (u, _) in zip(weights, rates, strict=True))
        ),
    )
    return total, demand


def replicas_for(
    demand: TierDemand,
    model: ReplicaModel,
    *,
    prefill_utilisation: float = 0.7,
    slot_utilisation: float = 0.7,
    limit: int = 1000,
) -> int:
    """The fewest replicas that keep prefill below `prefill_utilisation` of GPU time and the
    steady decode batch below `slot_utilisation` of `max_num_seqs`."""
    for replicas in range(1, limit + 1):
        per_replica = demand.requests_per_s / replicas
        prefill_share = per_replica * demand.prompt_mean / model.prefill_tokens_per_s
        if prefill_share >= prefill_utilisation:
            continue
        # Decode must deliver this many tokens per second in the time prefill leaves free.
        needed = per_replica * demand.completion_mean / (1.0 - prefill_share)
        growth = needed * model.itl_single_s * model.batch_slope
        if growth >= 1.0:
            continue
        batch = needed * model.itl_single_s * (1.0 - model.batch_slope) / (1.0 - growth)
        if batch <= slot_utilisation * model.max_num_seqs:
            return replicas
    return limit
