"""The Dagster code location: `defs` (assets, checks, jobs, schedule, sensor, resources).

Loaded by `workspace.yaml` at the repo root (`dagster-webserver -w workspace.yaml`) and by the
processes `pipelines.runtime.start_dagster` starts. Configuration comes from the environment:
`DATABASE_URL` (required at run time), `LORELINE_LAKE_DIR` (default `$LORELINE_HOME/lake`),
`LORE_DIR` / `LORE_WORLD_ID` (default: the demo world's lore, world ids from front matter),
`LORELINE_EMBED_MODEL` (default: the packaged all-MiniLM-L6-v2).
"""

import os

from dagster import Definitions, EnvVar

from assets import ALL_ASSETS, ALL_CHECKS
from assets.resources import (
    EmbedderResource,
    LakeResource,
    LoreSourceResource,
    PostgresResource,
    default_lake_dir,
)
from pipelines.jobs import (
    knowledge_base_job,
    knowledge_base_refresh,
    lore_job,
    world_state_snapshot_job,
)
from pipelines.sensors import lake_files_sensor


def _env_or(name: str, default: str):
    return EnvVar(name) if os.environ.get(name) else default


def build_resources() -> dict:
    return {
        "postgres": PostgresResource(dsn=EnvVar("DATABASE_URL")),
        "lake_store": LakeResource(lake_dir=_env_or("LORELINE_LAKE_DIR", default_lake_dir())),
        "lore_source": LoreSourceResource(
            lore_dir=_env_or("LORE_DIR", ""), world_id=_env_or("LORE_WORLD_ID", "")
        ),
        "embedder": EmbedderResource(model_dir=_env_or("LORELINE_EMBED_MODEL", "")),
    }


defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=[knowledge_base_job, lore_job, world_state_snapshot_job],
    schedules=[knowledge_base_refresh],
    sensors=[lake_files_sensor],
    resources=build_resources(),
)
