"""Narrative history reads only the lake days that changed, and ends up as a full run would."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from dagster import materialize

from assets import ALL_ASSETS
from assets.lake import LakeFile, scan_lake
from assets.narrative import summarize_lake
from assets.narrative_refresh import PreviousRun, plan_refresh, refresh_plan
from assets.resources import EmbedderResource, LakeResource, LoreSourceResource, PostgresResource
from tests.assets.eventgen import random_events, write_lake

D = date(2026, 11, 20)


def lake_file(world: str, day: date, mtime: float) -> LakeFile:
    return LakeFile(Path(f"{world}-{day}.parquet"), world, day, mtime, 1)


@pytest.mark.unit
def test_a_changed_day_rewrites_it_and_the_day_before_reading_one_more_each_side() -> None:
    files = [lake_file(w, D + timedelta(days=n), 100.0) for w in ("a", "b") for n in range(6)]
    files.append(lake_file("a", D + timedelta(days=3), 500.0))  # new file on day 3 of world a
    plan = plan_refresh(files, datetime.fromtimestamp(400, UTC))
    assert plan.days == {"a": {D + timedelta(days=2), D + timedelta(days=3)}}
    assert sorted(str(p) for p in plan.files) == sorted(
        [f"a-{D + timedelta(days=n)}.parquet" for n in (2, 3, 4)]
        + [f"a-{D + timedelta(days=3)}.parquet"]
    )
    assert plan.keeps("a", datetime(2026, 11, 22, 23, tzinfo=UTC))
    assert not plan.keeps("a", datetime(2026, 11, 24, 0, tzinfo=UTC))  # read, not rewritten
    assert not plan.keeps("b", datetime(2026, 11, 22, 23, tzinfo=UTC))
    nothing = plan_refresh(files, datetime.fromtimestamp(600, UTC))
    assert nothing.files == [] and nothing.days == {}


@pytest.mark.unit
def test_first_run_forced_or_new_window_length_reads_everything() -> None:
    files = [lake_file("a", D, 100.0)]
    before = PreviousRun(datetime.fromtimestamp(1000, UTC), {"window_minutes": 60})
    assert refresh_plan(files, before, window_minutes=60, full=False).days == {}
    assert refresh_plan(files, before, window_minutes=60, full=True).full
    assert refresh_plan(files, before, window_minutes=30, full=False).full
    assert refresh_plan(files, None, window_minutes=60, full=False).full


def history(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT world_id, session_id, period_start, summary, event_count FROM narrative_history"
            " ORDER BY 1, 2, 3"
        ).fetchall()


@pytest.mark.integration
def test_incremental_runs_rewrite_changed_days_and_equal_a_full_run(
    database_url: str, embedder, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    resources = {
        "postgres": PostgresResource(dsn=database_url),
        "lake_store": LakeResource(lake_dir=str(lake)),
        "lore_source": LoreSourceResource(),
        "embedder": EmbedderResource(),
    }
    events = random_events(1200, days=4, seed=11)
    old = [e for e in events if e.occurred_at.date() != D + timedelta(days=2)]
    late = [e for e in events if e.occurred_at.date() == D + timedelta(days=2)]
    write_lake(lake, old)
    an_hour_ago = time.time() - 3600
    for path in lake.rglob("*.parquet"):  # written before the first run
        os.utime(path, (an_hour_ago, an_hour_ago))

    def run() -> dict:
        result = materialize(ALL_ASSETS, resources=resources, selection=["narrative_history"])
        assert result.success
        (event,) = result.get_asset_materialization_events()
        return {k: v.value for k, v in event.materialization.metadata.items()}

    first = run()
    assert first["refresh"] == "full" and first["files_read"] == len(scan_lake(lake))
    write_lake(lake, late, part="0001")  # a day arrives late
    second = run()
    assert second["refresh"] == "incremental"
    assert 0 < second["files_read"] < len(scan_lake(lake))
    after = history(database_url)
    # what a full recompute of the whole lake gives
    full = summarize_lake(lake, window=timedelta(minutes=60), max_lines=12)
    assert [(r["world_id"], r["session_id"], r["period_start"], r["summary"], r["event_count"])
            for r in full] == after  # fmt: skip
    for path in lake.rglob("*.parquet"):  # later: nothing changed since the second run
        os.utime(path, (an_hour_ago, an_hour_ago))
    third = run()
    assert third["refresh"] == "incremental" and third["files_read"] == 0
    assert history(database_url) == after
