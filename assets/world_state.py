"""world_state_snapshot: daily partitions of every world's state, from the event lake (DuckDB).

Partition D = the state as of the end of day D (UTC): events with occurred_at < D+1 00:00. The
tables are written as Parquet under `<lake>/snapshots/date=D/<kind>.parquet` and loaded into
Postgres `world_state_snapshots` (one jsonb row per entity). Checks: the rows loaded equal the
computed rows, and, for the latest partition, the snapshot equals the live `world_state_*` tables.
"""

import os
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    DailyPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.knowledge import _md, _run_id, event_lake
from assets.resources import LakeResource, PostgresResource
from assets.runlog import record_run
from assets.snapshot import (
    FIELDS,
    KEYS,
    KINDS,
    compute_snapshot,
    day_end,
    snapshot_rows,
    write_parquet,
)
from loreline.knowledge.ingest import ensure_worlds

GROUP = "world_state"
SNAPSHOT_START = os.environ.get("LORELINE_SNAPSHOT_START", "2024-01-01")
daily_partitions = DailyPartitionsDefinition(
    start_date=SNAPSHOT_START, end_offset=1, timezone="UTC"
)

ROWS_CHECK = "snapshot_rows_loaded"
LIVE_CHECK = "snapshot_matches_live_state"


def load_snapshot(
    conn: psycopg.Connection, day: date, tables: dict[str, Any], as_of: datetime
) -> dict[str, int]:
    """Replace partition `day` of `world_state_snapshots` with `tables`; rows loaded per kind."""
    rows = snapshot_rows(tables)
    with conn.transaction():
        ensure_worlds(conn, {r[0] for r in rows})
        conn.execute("DELETE FROM world_state_snapshots WHERE snapshot_date = %s", (day,))
        with conn.cursor().copy(
            "COPY world_state_snapshots (snapshot_date, world_id, kind, key, state, as_of)"
            " FROM STDIN"
        ) as copy:
            for world, kind, key, state in rows:
                copy.write_row((day, world, kind, key, state, as_of))
    counts: dict[str, int] = dict(
        conn.execute(
            "SELECT kind, count(*) FROM world_state_snapshots WHERE snapshot_date = %s GROUP BY kind",
            (day,),
        ).fetchall()
    )
    return {kind: int(counts.get(kind, 0)) for kind in KINDS}


def _norm(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.000001"))
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, float):
        return round(value, 9)
    return value


def compare_with_live(conn: psycopg.Connection, tables: dict[str, Any]) -> dict[str, Any]:
    """Differences between a snapshot and the live `world_state_*` tables (streams' tables)."""
    present = {
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_name LIKE 'world_state\\_%%'"
        ).fetchall()
    }
    result: dict[str, Any] = {
        "compared": [],
        "missing_tables": [],
        "mismatches": {},
        "examples": {},
    }
    for kind in KINDS:
        table = f"world_state_{kind}"
        if table not in present:
            result["missing_tables"].append(table)
            continue
        cols = ("world_id", *KEYS[kind], *FIELDS[kind])
        live_rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        live = {
            tuple(r[: 1 + len(KEYS[kind])]): tuple(_norm(v) for v in r[1 + len(KEYS[kind]) :])
            for r in live_rows
        }
        snap = {
            (r["world_id"], *(r[k] for k in KEYS[kind])): tuple(_norm(r[f]) for f in FIELDS[kind])
            for r in tables[kind].to_pylist()
        }
        bad = sorted(k for k in set(live) | set(snap) if live.get(k) != snap.get(k))
        result["compared"].append(kind)
        result["mismatches"][kind] = len(bad)
        if bad:
            key = bad[0]
            result["examples"][kind] = {
                "key": list(key),
                "live": [str(v) for v in live.get(key, ())],
                "snapshot": [str(v) for v in snap.get(key, ())],
            }
    return result


@asset(
    group_name=GROUP,
    partitions_def=daily_partitions,
    deps=[event_lake],
    kinds={"duckdb", "parquet", "postgres"},
    description="Each world's players, quests, NPCs, NPC relations, factions, weather/clock and "
    "economy as of the end of the partition day, computed over the lake with DuckDB.",
    check_specs=[
        AssetCheckSpec(
            ROWS_CHECK,
            asset="world_state_snapshot",
            description="rows in Postgres == rows computed, per kind",
        ),
        AssetCheckSpec(
            LIVE_CHECK,
            asset="world_state_snapshot",
            description="latest partition == live world_state_* tables",
        ),
    ],
)
def world_state_snapshot(
    context: AssetExecutionContext, postgres: PostgresResource, lake_store: LakeResource
) -> MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    as_of = day_end(day)
    tables, stats = compute_snapshot(lake_store.path, as_of)
    context.log.info(f"snapshot {day}: {stats}")
    t0 = time.perf_counter()
    paths = write_parquet(tables, lake_store.snapshots_path / f"date={day.isoformat()}")
    stats["parquet_seconds"] = round(time.perf_counter() - t0, 4)
    with (
        postgres.connect() as conn,
        record_run(
            conn, "world_state_snapshot", dagster_run=_run_id(context), partition=day.isoformat()
        ) as rec,
    ):
        t0 = time.perf_counter()
        loaded = load_snapshot(conn, day, tables, as_of)
        stats["postgres_seconds"] = round(time.perf_counter() - t0, 4)
        latest = day >= datetime.now(UTC).date()
        live = compare_with_live(conn, tables) if latest else None
        rec.stats = {k: v for k, v in stats.items() if k != "seconds_by_kind"}
    rows_ok = loaded == stats["rows"]
    checks = [
        AssetCheckResult(
            check_name=ROWS_CHECK,
            passed=rows_ok,
            metadata={
                "computed": MetadataValue.json(stats["rows"]),
                "loaded": MetadataValue.json(loaded),
            },
        )
    ]
    if live is None:
        checks.append(
            AssetCheckResult(
                check_name=LIVE_CHECK,
                passed=True,
                metadata={"skipped": "not the latest partition (live state is 'now')"},
            )
        )
    else:
        mismatched = sum(live["mismatches"].values())
        checks.append(
            AssetCheckResult(
                check_name=LIVE_CHECK,
                passed=mismatched == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "compared": MetadataValue.json(live["compared"]),
                    "missing_tables": MetadataValue.json(live["missing_tables"]),
                    "mismatches": MetadataValue.json(live["mismatches"]),
                    "examples": MetadataValue.json(live["examples"]),
                },
            )
        )
    metadata = _md(
        {
            "partition": day.isoformat(),
            "as_of": as_of.isoformat(),
            "files": stats["files"],
            "rows": stats["rows"],
            "rows_total": sum(stats["rows"].values()),
            "duckdb_seconds": stats["seconds"],
            "duckdb_seconds_by_kind": stats["seconds_by_kind"],
            "parquet_seconds": stats["parquet_seconds"],
            "postgres_seconds": stats["postgres_seconds"],
            "parquet": paths,
        }
    )
    return MaterializeResult(metadata=metadata, check_results=checks)
