"""Configuration of the local vLLM tier, read from the environment when a command starts (not at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loreline.state import StateLayout

DEFAULT_TIERS_FILE = Path(__file__).with_name("tiers.yaml")


class VllmSettings(BaseSettings):
    """Where the vLLM environment and models live, and how each local replica is started.

    Environment variables: LORELINE_HOME, LORELINE_CACHE, and LORELINE_VLLM_* for the rest
    (e.g. LORELINE_VLLM_ENFORCE_EAGER=false to let vLLM compile its graphs).
    """

    model_config = SettingsConfigDict(
        env_prefix="LORELINE_VLLM_", extra="ignore", populate_by_name=True
    )

    home: Path = Field(default=Path(".loreline"), validation_alias="LORELINE_HOME")
    cache: Path | None = Field(default=None, validation_alias="LORELINE_CACHE")
    tiers_file: Path = DEFAULT_TIERS_FILE
    enforce_eager: bool = True
    max_model_len: int = 2048
    kv_cache_gib: int = 1
    start_timeout_s: float = 300.0

    def layout(self) -> StateLayout:
        return StateLayout.under(self.home, cache=self.cache)
