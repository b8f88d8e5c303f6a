"""The tiers settings files (local and production) and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.llm.autoscaling.policy import AutoscalerConfig
from serving.llm.tier import TierConfigError, load_tiers

pytestmark = pytest.mark.unit


def test_local_tiers_file_defines_gold_and_silver(repo_root: Path) -> None:
    tiers = load_tiers(repo_root / "infra" / "vllm" / "tiers.yaml")
    assert set(tiers) == {"gold", "silver"}
    assert tiers["gold"].price_per_replica_hour > tiers["silver"].price_per_replica_hour
    assert all(t.replicas.max <= 2 for t in tiers.values())  # two cores here
    assert tiers["silver"].scale_to_zero and not tiers["gold"].scale_to_zero
    for tier in tiers.values():
        config = AutoscalerConfig.for_tier(tier)
        assert config.max_replicas == tier.replicas.max


def test_production_tiers_file_matches_the_k8s_services(repo_root: Path) -> None:
    tiers = load_tiers(repo_root / "infra" / "vllm" / "tiers.production.yaml")
    assert tiers["gold"].endpoints == ("http://vllm-gold.loreline.svc:8000",)
    assert tiers["gold"].model == "gold" and tiers["silver"].model == "silver"
    assert tiers["gold"].ttft_objective_ms < tiers["silver"].ttft_objective_ms


def test_invalid_tier_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "tiers.yaml"
    path.write_text("tiers:\n  gold:\n    model: m\n    price_per_gpu_hour: -1\n")
    with pytest.raises(TierConfigError, match=r"tiers.yaml: tier 'gold' is invalid"):
        load_tiers(path)


def test_missing_file_says_which_setting_to_change(tmp_path: Path) -> None:
    with pytest.raises(TierConfigError, match="LORELINE_VLLM_TIERS_FILE"):
        load_tiers(tmp_path / "absent.yaml")
