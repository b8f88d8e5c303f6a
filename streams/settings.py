"""Configuration of the streams worker: environment variables with local defaults.

`KAFKA_BOOTSTRAP` and `DATABASE_URL` are read as is (shared with every deployable); everything else
has the prefix `LORELINE_STREAMS_` (e.g. `LORELINE_STREAMS_PARTITIONS=12`). The lake and the worker's
own data folder default to the state folder (`LORELINE_HOME`, default `.loreline/`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.kafka.topics import DLQ_TOPIC, GAME_EVENTS_TOPIC
from loreline.state import StateLayout

DEFAULT_APP_ID = "loreline-streams"


def default_home() -> Path:
    return Path(os.environ.get("LORELINE_HOME", ".loreline"))


class WorkerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LORELINE_STREAMS_", extra="ignore", populate_by_name=True
    )

    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP", "LORELINE_STREAMS_KAFKA_BOOTSTRAP"),
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "LORELINE_STREAMS_DATABASE_URL"),
    )
    home: Path = Field(
        default_factory=default_home,
        validation_alias=AliasChoices("LORELINE_HOME", "LORELINE_STREAMS_HOME"),
    )
    lake_dir: Path | None = None
    """Root of the event lake (default `<home>/lake`); files go under `events/world_id=/date=/`."""
    data_dir: Path | None = None
    """Faust's data folder (default `<home>/streams`)."""

    app_id: str = DEFAULT_APP_ID
    """Faust app id = Kafka consumer group; changelog topics are `<app_id>-<table>-changelog`."""
    events_topic: str = GAME_EVENTS_TOPIC
    dlq_topic: str = DLQ_TOPIC
    partitions: int = Field(default=6, ge=1)
    """Partitions of the ingest topic and of every table changelog (co-partitioned)."""
    processing_guarantee: Literal["at_least_once"] = "at_least_once"
    """Kafka delivery is at least once; the sinks make the *effect* exactly once (docs/streams.md)."""

    dedup_window: int = Field(default=50_000, ge=0)
    """Recent event ids remembered per partition to drop duplicates before they reach Postgres
    (Postgres' primary key stays the authority; the window is re-seeded from it on restart)."""
    batch_max_records: int = Field(default=100, ge=1)
    """Most Kafka records taken into one sink batch (one Postgres transaction, one lake file per
    world and day)."""
    batch_within_s: float = Field(default=0.5, gt=0)
    """Longest wait for a sink batch to fill before it is written anyway."""
    commit_interval_s: float = Field(default=1.0, gt=0)
    """How often acknowledged offsets are committed (only ever after the batch is durable)."""
    max_poll_records: int = Field(default=500, ge=1)
    session_timeout_s: float = Field(default=30.0, gt=0)
    """How long the group waits for a silent (e.g. killed) worker before moving its partitions."""

    retry_initial_s: float = Field(default=0.2, gt=0)
    retry_max_s: float = Field(default=5.0, gt=0)
    """Back-off bounds while Postgres (or the lake folder) is unavailable."""
    stall_warn_s: float = Field(default=60.0, gt=0)
    stall_exit_s: float = Field(default=300.0, gt=0)
    """A worker whose own partitions hold unread records but which takes none in logs its consumer
    state after `stall_warn_s`, and exits (code 75) after `stall_exit_s` so that its supervisor
    restarts it (streams/ingest/stall.py)."""
    lake_recovery_interval_s: float = Field(default=30.0, gt=0)
    """How often pending lake batches (a worker died between commit and file) are re-written."""
    lake_batch_retention_s: float = Field(default=7 * 24 * 3600.0, gt=0)
    """How long the record of a written lake batch is kept (`events_lake_batches`); pending
    batches are always kept until written."""

    store: str = "memory://"
    """Faust table store; tables are rebuilt from their changelog topics on start."""
    log_level: str = "info"

    @property
    def layout(self) -> StateLayout:
        return StateLayout.under(self.home)

    @property
    def resolved_lake_dir(self) -> Path:
        return (self.lake_dir or self.layout.lake_dir).resolve()

    @property
    def resolved_data_dir(self) -> Path:
        return (self.data_dir or self.home / "streams").resolve()

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError(
                "DATABASE_URL is not set: start the stack with `loreline up` or point DATABASE_URL "
                "at a PostgreSQL server"
            )
        return self.database_url

    def to_env(self) -> dict[str, str]:
        """Environment variables that reproduce these settings in a child process."""
        env = {
            "KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "LORELINE_HOME": str(self.home.resolve()),
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        for name, value in self.model_dump(
            exclude={"kafka_bootstrap", "database_url", "home"}, exclude_none=True
        ).items():
            env[f"LORELINE_STREAMS_{name.upper()}"] = str(value)
        return env
