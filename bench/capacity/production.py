"""Our policy as it runs in production, read from the one production tiers file.

`infra/vllm/tiers.production.yaml` holds each tier's autoscaling numbers (target per replica,
replica bounds, step-up ratio, scale-down window, scale to zero), its price per GPU-hour and its
`max_concurrency` (vLLM's --max-num-seqs). The simulation uses exactly those: ours is
`QueueDepthPolicy(AutoscalerConfig.for_tier(tier))`, the replica model's price and batch cap
come from the same entries, and tests/k8s checks the KEDA ScaledObjects against them.

`PROPOSED` is what the capacity sweep (`python -m bench.capacity.sweep`) recommends for that
file; the comparison shows it as a fourth row while the file still differs (docs/capacity.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench.capacity.replica import GPU_PERFORMANCE, ReplicaModel
from infra.vllm.settings import DEFAULT_TIERS_FILE
from serving.llm.autoscaling.policy import AutoscalerConfig, QueueDepthPolicy
from serving.llm.tier import TierConfig, load_tiers

PRODUCTION_TIERS_FILE: Path = DEFAULT_TIERS_FILE.with_name("tiers.production.yaml")


@cache
def production_tiers(path: Path = PRODUCTION_TIERS_FILE) -> dict[str, TierConfig]:
    return load_tiers(path)


def production_config(tier: str) -> AutoscalerConfig:
    return AutoscalerConfig.for_tier(production_tiers()[tier])


def production_policy(tier: str) -> QueueDepthPolicy:
    return QueueDepthPolicy(production_config(tier))


@dataclass(frozen=True)
class Proposal:
    target_per_replica: float
    scale_down_window_s: float


# Gold: at 16 waiting + running per replica the raid onsets (load x1.9 in two minutes, against a
# 90 s cold start) cost ~2 % of requests their objective; 10 per replica keeps enough headroom,
# and a 600 s scale-down window keeps the capacity between back-to-back raids. Silver's
# objectives (4 s, 10 s) leave room for 24 per replica.
PROPOSED: dict[str, Proposal] = {
    "gold": Proposal(target_per_replica=10.0, scale_down_window_s=600.0),
    "silver": Proposal(target_per_replica=24.0, scale_down_window_s=300.0),
}


def proposed_config(tier: str) -> AutoscalerConfig:
    config = production_config(tier)
    proposal = PROPOSED.get(tier)
    if proposal is None:
        return config
    return dataclasses.replace(
        config,
        target_per_replica=proposal.target_per_replica,
        scale_down_window_s=proposal.scale_down_window_s,
    )


def production_models() -> dict[str, ReplicaModel]:
    """The replica models, with price and batch cap taken from the production tiers file."""
    tiers = production_tiers()
    return {
        name: ReplicaModel.of(
            name,
            gpu,
            usd_per_gpu_hour=tiers[name].price_per_replica_hour,
            max_num_seqs=tiers[name].max_concurrency,
        )
        for name, gpu in GPU_PERFORMANCE.items()
    }


def control_period_s(tier: str) -> float:
    return production_tiers()[tier].autoscaling.interval_s
