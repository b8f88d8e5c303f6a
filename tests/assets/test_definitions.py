"""The Dagster code location loads; jobs, schedule, sensor and instance config are as documented."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, Definitions, SensorResult, build_sensor_context

from assets.lake import scan_lake
from loreline.state import StateLayout
from pipelines.definitions import defs
from pipelines.instance import dagster_storage_url, dagster_yaml
from pipelines.sensors import lake_files_sensor, plan_snapshot_runs
from tests.assets.eventgen import random_events, write_lake

pytestmark = pytest.mark.unit

ASSET_NAMES = {
    "event_lake",
    "lore_documents",
    "lore_chunks",
    "lore_embeddings",
    "entities",
    "narrative_history",
    "world_state_snapshot",
}


def test_definitions_load() -> None:
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == ASSET_NAMES
    checks = {k.name for k in graph.asset_check_keys}
    assert {
        "lore_embeddings_check",
        "snapshot_matches_live_state",
        "snapshot_rows_loaded",
    } <= checks
    # every materialisable asset has at least one check
    checked = {k.asset_key.to_user_string() for k in graph.asset_check_keys}
    assert checked == ASSET_NAMES - {"event_lake"}
    assert defs.resolve_job_def("knowledge_base_job") is not None
    assert defs.resolve_job_def("world_state_snapshot_job") is not None
    assert defs.resolve_schedule_def("knowledge_base_refresh").cron_schedule == "*/30 * * * *"
    assert defs.resolve_sensor_def("lake_files_sensor") is not None


def test_workspace_yaml_points_at_the_definitions(repo_root: Path) -> None:
    workspace = yaml.safe_load((repo_root / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["python_module"]["module_name"] == "pipelines.definitions"


def test_dagster_yaml_uses_postgres_in_its_own_schema(tmp_path: Path) -> None:
    layout = StateLayout.under(tmp_path)
    config = dagster_yaml(layout, "postgresql://u:p@127.0.0.1:5432/loreline?sslmode=disable")
    url = config["storage"]["postgres"]["postgres_url"]
    assert url.startswith("postgresql+psycopg2://u:p@127.0.0.1:5432/loreline?")
    assert "sslmode=disable" in url and "options=-csearch_path%3Ddagster" in url
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert dagster_storage_url("postgres://x@h/db").startswith("postgresql+psycopg2://")


def test_sensor_plans_changed_dates_and_the_latest(tmp_path: Path) -> None:
    write_lake(tmp_path, random_events(200, days=2, seed=1))
    files = scan_lake(tmp_path)
    today = date(2026, 11, 28)
    planned, cursor = plan_snapshot_runs(files, {}, today)
    assert [key for key, _ in planned] == ["2026-11-20", "2026-11-21", "2026-11-28"]
    again, cursor2 = plan_snapshot_runs(files, cursor, today)
    assert again == [] and cursor2 == cursor
    write_lake(tmp_path, random_events(10, days=1, seed=9), part="0009")
    later, _ = plan_snapshot_runs(scan_lake(tmp_path), cursor, today)
    assert [key for key, _ in later] == ["2026-11-20", "2026-11-28"]


@pytest.mark.slow
def test_sensor_requests_runs_through_dagster(tmp_path: Path) -> None:
    from assets.resources import LakeResource

    write_lake(tmp_path, random_events(50, days=1, seed=4))
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(
            instance=instance, resources={"lake_store": LakeResource(lake_dir=str(tmp_path))}
        )
        result = lake_files_sensor(context)
    assert isinstance(result, SensorResult) and result.run_requests and result.cursor
    keys = [r.partition_key for r in result.run_requests]
    assert "2026-11-20" in keys
    assert json.loads(result.cursor)["mtime"] > 0
