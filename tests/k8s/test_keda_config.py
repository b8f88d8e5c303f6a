"""The KEDA ScaledObjects carry the autoscaler's production numbers (infra/vllm/tiers.production.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.k8s.keda import PRODUCTION_TIERS_FILE, declared_scaling, expected_scaling
from infra.k8s.manifests import BASE_DIR, all_manifests, find, manifest_files
from infra.k8s.validate import ManifestValidator, default_validator
from serving.llm.autoscaling.policy import AutoscalerConfig
from serving.llm.tier import load_tiers

pytestmark = pytest.mark.unit

TIERS = load_tiers(PRODUCTION_TIERS_FILE)


@pytest.fixture(scope="module")
def validator() -> ManifestValidator:
    return default_validator(install=True)


@pytest.mark.parametrize("name", sorted(TIERS))
def test_scaled_object_equals_the_production_config(name: str) -> None:
    tier = TIERS[name]
    config = AutoscalerConfig.for_tier(tier)
    scaled = find(all_manifests(BASE_DIR), "ScaledObject", f"vllm-{name}")
    assert scaled is not None, f"no ScaledObject vllm-{name} for tier {name}"
    spec = scaled.body["spec"]
    trigger = spec["triggers"][0]
    behavior = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert float(trigger["metadata"]["threshold"]) == config.target_per_replica
    assert trigger["metricType"] == "AverageValue"
    assert spec["maxReplicaCount"] == config.max_replicas
    assert spec["minReplicaCount"] == (0 if config.scale_to_zero else config.min_replicas)
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == config.scale_down_window_s
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert spec["pollingInterval"] == tier.autoscaling.interval_s
    assert declared_scaling(scaled.body) == expected_scaling(tier)


def test_a_scale_to_zero_tier_needs_min_replica_count_zero() -> None:
    silver = TIERS["silver"].model_copy(update={"scale_to_zero": True})
    assert expected_scaling(silver).min_replicas == 0


def test_a_drifted_threshold_is_reported(validator: ManifestValidator, tmp_path: Path) -> None:
    for path in manifest_files(BASE_DIR):
        text = path.read_text()
        if path.name == "llm-gold.yaml":
            line = next(x for x in text.splitlines() if "threshold:" in x)
            text = text.replace(line, '        threshold: "999"')
        (tmp_path / path.name).write_text(text)
    reports = {r.path.name: r for r in validator.validate_tree(tmp_path)}
    expected = TIERS["gold"].autoscaling.target_per_replica
    assert reports["llm-gold.yaml"].problems == [
        f"ScaledObject/vllm-gold: threshold is 999.0, the tiers file says {expected}"
    ]
    assert reports["llm-silver.yaml"].ok
