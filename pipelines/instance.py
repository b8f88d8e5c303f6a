"""The Dagster instance: `dagster.yaml` in DAGSTER_HOME with run/event/schedule storage in Postgres.

Dagster's tables live in their own schema (`dagster`) of the Loreline database, so they never
mix with the application tables in `public` (Dagster has tables called `runs`, `snapshots`, ...).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import yaml
from psycopg import sql

from loreline.state import StateLayout

DAGSTER_SCHEMA = "dagster"


def dagster_storage_url(dsn: str, schema: str = DAGSTER_SCHEMA) -> str:
    """`dsn` as a SQLAlchemy psycopg2 URL with `options=-csearch_path=<schema>` added."""
    parts = urlsplit(dsn)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    # psycopg2 explicitly: SQLAlchemy 2.1 defaults to psycopg 3, with which dagster-postgres'
    # statement-timeout hook (`with conn:`) closes the connection (every UI page then fails).
    scheme = "postgresql+psycopg2" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return urlunsplit(parts._replace(scheme=scheme, query=urlencode(query)))


def ensure_dagster_schema(dsn: str, schema: str = DAGSTER_SCHEMA) -> None:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=15) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def dagster_yaml(layout: StateLayout, dsn: str, *, max_concurrent_runs: int = 2) -> dict:
    home = layout.dagster_home
    return {
        "storage": {"postgres": {"postgres_url": dagster_storage_url(dsn)}},
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {"max_concurrent_runs": max_concurrent_runs},
        },
        "run_launcher": {"module": "dagster.core.launcher", "class": "DefaultRunLauncher"},
        "compute_logs": {
            "module": "dagster.core.storage.local_compute_log_manager",
            "class": "LocalComputeLogManager",
            "config": {"base_dir": str(home / "compute_logs")},
        },
        "local_artifact_storage": {
            "module": "dagster.core.storage.root",
            "class": "LocalArtifactStorage",
            "config": {"base_dir": str(home / "storage")},
        },
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},
        "code_servers": {"local_startup_timeout": 300},
    }


def write_dagster_yaml(layout: StateLayout, dsn: str, *, max_concurrent_runs: int = 2) -> Path:
    """Write `<dagster_home>/dagster.yaml` (Postgres storage in schema `dagster` of `dsn`)."""
    home = layout.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    ensure_dagster_schema(dsn)
    path = home / "dagster.yaml"
    tmp = home / ".dagster.yaml.tmp"
    text = "# Written by pipelines.instance.write_dagster_yaml; rewritten at every start.\n"
    text += yaml.safe_dump(
        dagster_yaml(layout, dsn, max_concurrent_runs=max_concurrent_runs), sort_keys=False
    )
    tmp.write_text(text)
    tmp.replace(path)
    return path
