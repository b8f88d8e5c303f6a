"""Registry entries: their own rules, and their fit with the tiers in force."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from serving.llm.tier import TierConfig
from serving.models.entry import ModelEntryUpdate, TierPolicy
from serving.models.validation import RegistryRejectedError, check_against_tiers

pytestmark = pytest.mark.unit

SMOL = "smollm2-135m-instruct"


def tier(name: str, model: str = SMOL, max_tokens: int = 256) -> TierConfig:
    return TierConfig(
        name=name,
        model=model,
        price_per_gpu_hour=1.0,
        ttft_objective_ms=2000,
        idle_ttft_ms=250,
        max_tokens=max_tokens,
        max_concurrency=8,
    )


TIERS = {"gold": tier("gold"), "silver": tier("silver", max_tokens=128)}


def update(**changes: object) -> ModelEntryUpdate:
    values: dict[str, object] = {
        "model": SMOL,
        "tier_policy": "preferred",
        "tier": "silver",
        "temperature": 0.7,
        "top_p": 0.9,
        "max_tokens": 96,
        "ttft_objective_ms": 1500,
    }
    values.update(changes)
    return ModelEntryUpdate.model_validate(values)


def test_a_valid_entry() -> None:
    entry = update()
    assert entry.tier_policy is TierPolicy.PREFERRED
    check_against_tiers(entry, TIERS)


@pytest.mark.parametrize(
    "changes",
    [
        {"tier_policy": "cheapest"},  # cheapest with a tier
        {"tier_policy": "pinned", "tier": None},  # pinned without a tier
        {"tier_policy": "fastest"},
        {"temperature": 2.5},
        {"top_p": 0.0},
        {"max_tokens": 0},
        {"max_tokens": 5000},
        {"ttft_objective_ms": 1},
        {"model": "no spaces allowed"},
        {"tier": "Gold"},
        {"surprise": 1},
    ],
)
def test_invalid_entries_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        update(**changes)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"tier": "bronze"}, "unknown_tier"),
        ({"model": "llama-70b"}, "model_not_served"),
        ({"max_tokens": 200}, "max_tokens_too_large"),  # silver takes 128
    ],
)
def test_entries_the_tiers_cannot_serve_are_refused(changes: dict[str, object], code: str) -> None:
    with pytest.raises(RegistryRejectedError) as caught:
        check_against_tiers(update(**changes), TIERS)
    assert caught.value.code == code


def test_model_must_be_on_the_named_tier_and_cheapest_takes_the_largest_limit() -> None:
    tiers = {"gold": tier("gold", model="big"), "silver": tier("silver", max_tokens=128)}
    with pytest.raises(RegistryRejectedError) as caught:
        check_against_tiers(update(tier="gold"), tiers)
    assert caught.value.code == "model_not_on_tier"
    check_against_tiers(update(tier_policy="cheapest", tier=None, max_tokens=200), TIERS)
