"""Settings of the `loreline` command: where state lives and which external servers to use."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loreline.state import StateLayout


class CliSettings(BaseSettings):
    """Read once when a command starts. Every field is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    loreline_home: Path = Field(default=Path(".loreline"), description="state folder")
    loreline_cache: Path | None = Field(default=None, description="jars, vLLM env, models")
    database_url: str | None = Field(default=None, description="use this PostgreSQL, not embedded")
    kafka_bootstrap: str | None = Field(
        default=None, description="use this Kafka, not the local one"
    )
    ingest_partitions: int = Field(default=6, ge=1, le=256)
    api_port: int | None = None
    dagster_port: int | None = None

    def layout(self) -> StateLayout:
        return StateLayout.under(self.loreline_home, self.loreline_cache)
