"""One registry entry (a use case's generation settings) and the body that replaces it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from serving.llm.use_case import UseCasePolicy

TIER_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$"
MAX_COMPLETION_TOKENS = 1024

TierName = Annotated[str, StringConstraints(pattern=TIER_NAME_PATTERN)]
ModelName = Annotated[str, StringConstraints(pattern=MODEL_NAME_PATTERN)]


class UseCase(StrEnum):
    NPC_DIALOGUE = "npc_dialogue"
    NARRATION = "narration"
    QUEST_TEXT = "quest_text"
    SUMMARISATION = "summarisation"


class TierPolicy(StrEnum):
    PREFERRED = "preferred"  # `tier` first, the other tiers as fallback
    PINNED = "pinned"  # only `tier`; no fallback
    CHEAPEST = "cheapest"  # cheapest tier expected to meet the latency objective first


class ModelEntryUpdate(BaseModel):
    """The settings of one use case (PUT replaces all of them)."""

    model_config = ConfigDict(extra="forbid")

    model: ModelName = Field(description="served model name requested from the tier")
    tier_policy: TierPolicy
    tier: TierName | None = Field(
        default=None, description="required for 'preferred' and 'pinned'; null for 'cheapest'"
    )
    temperature: float = Field(ge=0.0, le=2.0)
    top_p: float = Field(gt=0.0, le=1.0)
    max_tokens: int = Field(ge=1, le=MAX_COMPLETION_TOKENS, description="completion tokens")
    ttft_objective_ms: int = Field(
        ge=10, le=600_000, description="p95 time to first token the use case wants"
    )
    expected_version: int | None = Field(
        default=None, ge=1, description="reject with 409 unless the stored version is this one"
    )

    @model_validator(mode="after")
    def _tier_matches_policy(self) -> ModelEntryUpdate:
        if self.tier_policy is TierPolicy.CHEAPEST and self.tier is not None:
            raise ValueError("tier_policy 'cheapest' picks the tier itself: leave `tier` null")
        if self.tier_policy is not TierPolicy.CHEAPEST and self.tier is None:
            raise ValueError(f"tier_policy {self.tier_policy.value!r} needs a `tier`")
        return self


class ModelEntry(BaseModel):
    """A stored registry row."""

    use_case: UseCase
    model: str
    tier_policy: TierPolicy
    tier: str | None
    temperature: float
    top_p: float
    max_tokens: int
    ttft_objective_ms: int
    version: int
    updated_at: datetime
    updated_by: str | None = None


def tier_policy_of(entry: ModelEntry) -> UseCasePolicy:
    """The tier router's view of an entry."""
    return UseCasePolicy(
        use_case=entry.use_case.value,
        selection=entry.tier_policy.value,
        tier=entry.tier,
        ttft_objective_ms=float(entry.ttft_objective_ms),
    )
