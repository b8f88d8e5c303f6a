"""Checks of a registry change against the tiers in force (the tiers file is read at start-up)."""

from __future__ import annotations

from collections.abc import Mapping

from serving.llm.tier import TierConfig
from serving.models.entry import ModelEntryUpdate, TierPolicy


class RegistryRejectedError(ValueError):
    """A registry change names a tier or model the running tiers cannot serve."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def check_against_tiers(update: ModelEntryUpdate, tiers: Mapping[str, TierConfig]) -> None:
    """Raise `RegistryRejectedError` unless some tier serves `update.model` (the named tier, for
    'preferred' and 'pinned') and that tier accepts `update.max_tokens` completion tokens."""
    known = ", ".join(sorted(tiers)) or "none"
    if update.tier is not None and update.tier not in tiers:
        raise RegistryRejectedError("unknown_tier", f"no tier {update.tier!r}; tiers: {known}")
    serving = [tier for tier in tiers.values() if tier.model == update.model]
    if not serving:
        models = ", ".join(sorted({tier.model for tier in tiers.values()})) or "none"
        raise RegistryRejectedError(
            "model_not_served", f"no tier serves model {update.model!r}; served: {models}"
        )
    if update.tier_policy is not TierPolicy.CHEAPEST:
        tier = tiers[update.tier or ""]
        if tier.model != update.model:
            raise RegistryRejectedError(
                "model_not_on_tier",
                f"tier {tier.name!r} serves {tier.model!r}, not {update.model!r}",
            )
        serving = [tier]
    limit = max(tier.max_tokens for tier in serving)
    if update.max_tokens > limit:
        raise RegistryRejectedError(
            "max_tokens_too_large",
            f"max_tokens {update.max_tokens} is above the {limit} the tier accepts",
        )
