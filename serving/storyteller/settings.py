"""StorytellerSettings: generation, context budget and guardrail configuration, read once when the
API starts (in its lifespan), never at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.vllm.settings import DEFAULT_TIERS_FILE
from serving.storyteller.guardrails.blocklist import DEFAULT_BLOCKLIST
from serving.storyteller.guardrails.lore_check import DEFAULT_COMMON_WORDS


class StorytellerSettings(BaseSettings):
    """Environment variables `LORELINE_STORYTELLER_<FIELD>`; the tiers file also answers to
    `LORELINE_VLLM_TIERS_FILE` (the variable the tier tools read)."""

    model_config = SettingsConfigDict(
        env_prefix="LORELINE_STORYTELLER_", extra="ignore", populate_by_name=True
    )

    tiers_file: Path = Field(
        default=DEFAULT_TIERS_FILE,
        validation_alias=AliasChoices(
            "LORELINE_STORYTELLER_TIERS_FILE", "LORELINE_VLLM_TIERS_FILE", "tiers_file"
        ),
    )
    tokenizer_file: Path | None = Field(
        default=None,
        description="tokenizer.json of the served model; default: the converted SmolLM2 in the "
        "model cache when present, else token counts are estimated as characters / 4",
    )
    model_context_tokens: int = Field(default=2048, ge=256, description="the model's context")
    default_context_tokens: int = Field(
        default=768, ge=0, description="context budget when a request does not set one"
    )
    prompt_margin_tokens: int = Field(
        default=16, ge=0, description="kept free beside the counted prompt and completion"
    )

    lore_hits: int = Field(default=4, ge=0, le=20)
    history_hits: int = Field(default=2, ge=0, le=20)
    recent_events: int = Field(default=4, ge=0, le=50)
    memories: int = Field(default=5, ge=0, le=50)
    state_rows: int = Field(default=8, ge=1, le=200, description="rows per state section")

    connect_timeout_s: float = Field(default=2.0, gt=0)
    first_token_timeout_s: float = Field(default=20.0, gt=0)
    total_timeout_s: float = Field(default=90.0, gt=0)
    metrics_refresh_s: float = Field(default=1.0, ge=0)

    blocklist_file: Path = DEFAULT_BLOCKLIST
    common_words_file: Path = DEFAULT_COMMON_WORDS
    guardrail_retry: bool = Field(
        default=True, description="retry a failing output once on the other tier"
    )
