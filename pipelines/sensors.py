"""Sensor: new lake files → materialise the snapshot partitions of their dates (and the latest)."""

import json
from datetime import UTC, date, datetime

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from assets.lake import scan_lake
from assets.resources import LakeResource
from assets.world_state import daily_partitions
from pipelines.jobs import world_state_snapshot_job


def plan_snapshot_runs(
    files: list, cursor: dict, today: date, valid: set[str] | None = None
) -> tuple[list[tuple[str, str]], dict]:
    """(partition_key, run_key) for dates with files newer than the cursor, plus today's partition
    when an older day changed (the state as of every later day changed too). Returns the new
    cursor."""
    last = float(cursor.get("mtime", 0.0))
    seen_at_last = set(cursor.get("paths", []))
    new = [
        f for f in files if f.mtime > last or (f.mtime == last and str(f.path) not in seen_at_last)
    ]
    if not new:
        return [], cursor
    newest = max(f.mtime for f in files)
    by_day: dict[date, float] = {}
    for f in new:
        by_day[f.date] = max(by_day.get(f.date, 0.0), f.mtime)
    if min(by_day) < today:
        by_day.setdefault(today, newest)
    requests = []
    for day, mtime in sorted(by_day.items()):
        key = day.isoformat()
        if valid is not None and key not in valid:
            continue
        requests.append((key, f"{key}@{mtime:.6f}"))
    new_cursor = {"mtime": newest, "paths": sorted(str(f.path) for f in files if f.mtime == newest)}
    return requests, new_cursor


@sensor(
    job=world_state_snapshot_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Watches <lake>/events/ for new Parquet files and requests the world_state_snapshot "
    "partitions of their dates (plus the latest one).",
)
def lake_files_sensor(context: SensorEvaluationContext, lake_store: LakeResource):
    files = scan_lake(lake_store.path)
    cursor = json.loads(context.cursor) if context.cursor else {}
    today = datetime.now(UTC).date()
    valid = set(daily_partitions.get_partition_keys())
    planned, new_cursor = plan_snapshot_runs(files, cursor, today, valid)
    if not planned:
        return SkipReason(f"no new lake files ({len(files)} files)")
    return SensorResult(
        run_requests=[RunRequest(partition_key=key, run_key=run_key) for key, run_key in planned],
        cursor=json.dumps(new_cursor),
    )
