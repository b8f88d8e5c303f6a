"""Layout of the git-ignored state folder (default `.loreline/`).

`home` holds what one running installation owns (database files, broker logs, the lake, Dagster's
home, logs, the component registry). `cache` holds what is expensive to make and safe to share between
installations and test sessions (Kafka jars, the vLLM environment, converted model weights); tests point
`home` at a temporary folder and keep the cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StateLayout:
    home: Path
    cache: Path

    @classmethod
    def under(cls, home: Path, cache: Path | None = None) -> StateLayout:
        home = home.resolve()
        return cls(home=home, cache=(cache or home / "cache").resolve())

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @property
    def kafka_dir(self) -> Path:
        return self.home / "kafka"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def registry_path(self) -> Path:
        return self.run_dir / "components.json"

    @property
    def kafka_libs_dir(self) -> Path:
        return self.cache / "kafka-libs"

    @property
    def models_dir(self) -> Path:
        return self.cache / "models"

    @property
    def vllm_env_dir(self) -> Path:
        return self.cache / "vllm-env"

    def ensure(self) -> StateLayout:
        for path in (self.home, self.logs_dir, self.run_dir, self.lake_dir, self.cache):
            path.mkdir(parents=True, exist_ok=True)
        return self
