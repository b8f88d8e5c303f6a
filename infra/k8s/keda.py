"""What each tier's KEDA ScaledObject must say, derived from the production tiers file.

The autoscaler's production numbers live in one place, `infra/vllm/tiers.production.yaml`
(read by `serving.llm.tier.load_tiers` and turned into `AutoscalerConfig.for_tier`). The
ScaledObject of tier NAME (`vllm-NAME`) must carry the same numbers, in KEDA's terms:

| QueueDepthPolicy (AutoscalerConfig)       | ScaledObject                                         |
|-------------------------------------------|------------------------------------------------------|
| target_per_replica                        | prometheus trigger, AverageValue, threshold          |
| waiting + running                         | query: sum(waiting{tier}) + sum(running{tier})       |
| min_replicas / scale_to_zero              | minReplicaCount (0 when the tier scales to zero)     |
| max_replicas                              | maxReplicaCount                                      |
| interval_s (the controller's period)      | pollingInterval                                      |
| +max(min_step_up, ratio x current)        | scaleUp policies Pods min_step_up / Percent ratio    |
|   per decision, no stabilisation          |   per pollingInterval, selectPolicy Max, window 0    |
| scale_down_window_s (highest recent)      | scaleDown stabilizationWindowSeconds                 |
| idle_before_zero_s                        | cooldownPeriod                                       |
| hold on missing metrics                   | no fallback, ignoreNullValues "false" (error: hold)  |

What KEDA cannot express: the policy's "no scale-up while replicas are starting" (the HPA's
AverageValue rule is absolute, ceil(total / threshold), so it does not cascade either, but it
may add replicas again while earlier ones start) and its zero tolerance (the HPA ignores
changes within 10 %). Deployment `vllm-NAME` must also pass --max-num-seqs = max_concurrency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.k8s.manifests import Manifest, find
from infra.vllm.settings import DEFAULT_TIERS_FILE
from serving.llm.autoscaling.policy import AutoscalerConfig
from serving.llm.tier import TierConfig

PRODUCTION_TIERS_FILE = DEFAULT_TIERS_FILE.with_name("tiers.production.yaml")
QUEUE_METRICS = ("vllm:num_requests_waiting", "vllm:num_requests_running")


@dataclass(frozen=True)
class KedaScaling:
    polling_interval_s: float
    min_replicas: int
    max_replicas: int
    threshold: float
    scale_up_pods: int
    scale_up_percent: float
    scale_down_window_s: float
    cooldown_s: float


def expected_scaling(tier: TierConfig) -> KedaScaling:
    config = AutoscalerConfig.for_tier(tier)
    return KedaScaling(
        polling_interval_s=tier.autoscaling.interval_s,
        min_replicas=0 if config.scale_to_zero else config.min_replicas,
        max_replicas=config.max_replicas,
        threshold=config.target_per_replica,
        scale_up_pods=config.min_step_up,
        scale_up_percent=config.max_step_up_ratio * 100.0,
        scale_down_window_s=config.scale_down_window_s,
        cooldown_s=config.idle_before_zero_s,
    )


def declared_scaling(scaled_object: dict[str, Any]) -> KedaScaling:
    """Read the numbers back from a ScaledObject (assumed schema-valid)."""
    spec = scaled_object["spec"]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    up = {p["type"]: p for p in behavior["scaleUp"]["policies"]}
    trigger = spec["triggers"][0]
    return KedaScaling(
        polling_interval_s=spec.get("pollingInterval", 30),
        min_replicas=spec.get("minReplicaCount", 0),
        max_replicas=spec.get("maxReplicaCount", 100),
        threshold=float(trigger["metadata"]["threshold"]),
        scale_up_pods=up.get("Pods", {}).get("value", 0),
        scale_up_percent=up.get("Percent", {}).get("value", 0),
        scale_down_window_s=behavior["scaleDown"].get("stabilizationWindowSeconds", 300),
        cooldown_s=spec.get("cooldownPeriod", 300),
    )


def tier_mismatches(
    manifests: list[Manifest], tiers: dict[str, TierConfig]
) -> dict[Path, list[str]]:
    """Problems per manifest file where a tier's manifests disagree with the tiers file."""
    problems: dict[Path, list[str]] = {}
    for name, tier in sorted(tiers.items()):
        scaled = find(manifests, "ScaledObject", f"vllm-{name}")
        deployment = find(manifests, "Deployment", f"vllm-{name}")
        if scaled is None or deployment is None:
            continue  # a tier without manifests (e.g. not deployed on Kubernetes)
        found = _scaling_problems(scaled.body, tier)
        if found:
            problems.setdefault(scaled.path, []).extend(f"{scaled.label}: {p}" for p in found)
        seqs = _max_num_seqs(deployment.body)
        if seqs != tier.max_concurrency:
            problems.setdefault(deployment.path, []).append(
                f"{deployment.label}: --max-num-seqs is {seqs}, the tiers file says "
                f"max_concurrency {tier.max_concurrency}"
            )
    return problems


def _scaling_problems(body: dict[str, Any], tier: TierConfig) -> list[str]:
    try:
        declared = declared_scaling(body)
        trigger = body["spec"]["triggers"][0]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        return [f"cannot read its scaling settings ({type(exc).__name__}: {exc})"]
    expected = expected_scaling(tier)
    problems = [
        f"{field} is {getattr(declared, field)}, the tiers file says {getattr(expected, field)}"
        for field in KedaScaling.__dataclass_fields__
        if not math.isclose(float(getattr(declared, field)), float(getattr(expected, field)))
    ]
    query = str(trigger["metadata"].get("query", ""))
    if trigger.get("metricType") != "AverageValue":
        problems.append("the trigger's metricType must be AverageValue (a target per replica)")
    missing = [m for m in QUEUE_METRICS if m not in query]
    if missing or f'tier="{tier.name}"' not in query:
        problems.append(f'the query must sum {" and ".join(QUEUE_METRICS)} for tier="{tier.name}"')
    return problems


def _max_num_seqs(deployment: dict[str, Any]) -> int | None:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    for arg in [*containers[0].get("command", []), *containers[0].get("args", [])]:
        if str(arg).startswith("--max-num-seqs="):
            return int(str(arg).split("=", 1)[1])
    return None
