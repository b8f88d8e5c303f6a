"""The event lake as DuckDB sees it: `<lake_dir>/events/world_id=W/date=YYYY-MM-DD/part-*.parquet`.

Files carry the `events_to_arrow` columns (event_id, world_id, type, occurred_at, actor, session_id,
schema_version, payload as JSON text). Partition folders are used only to find files; every filter
is on the columns themselves, so a late event stored under another date folder still counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

EVENT_FILE_GLOB = "world_id=*/date=*/part-*.parquet"


def events_dir(lake_dir: Path) -> Path:
    return lake_dir / "events"


def snapshots_dir(lake_dir: Path) -> Path:
    return lake_dir / "snapshots"


def event_files(lake_dir: Path) -> list[Path]:
    root = events_dir(lake_dir)
    if not root.is_dir():
        return []
    return sorted(root.glob(EVENT_FILE_GLOB))


@dataclass(frozen=True)
class LakeFile:
    path: Path
    world_id: str
    date: date
    mtime: float
    size: int


def scan_lake(lake_dir: Path) -> list[LakeFile]:
    """Every event file with its partition values and modification time."""
    files: list[LakeFile] = []
    for path in event_files(lake_dir):
        try:
            stat = path.stat()
            world = path.parent.parent.name.split("=", 1)[1]
            day = date.fromisoformat(path.parent.name.split("=", 1)[1])
        except (OSError, ValueError, IndexError):
            continue
        files.append(LakeFile(path, world, day, stat.st_mtime, stat.st_size))
    return files


def connect(
    threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(":memory:")
    if threads:
        conn.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        conn.execute(f"SET memory_limit = '{memory_limit}'")
    return conn


def register_events(
    conn: duckdb.DuckDBPyConnection, files: list[Path], view: str = "lake_events"
) -> int:
    """Create view `view` over `files` (an empty view with the right columns when there are none)."""
    if files:
        listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
        conn.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT event_id, world_id, type, occurred_at,"
            f" actor, session_id, payload FROM read_parquet([{listing}], hive_partitioning = false,"
            " union_by_name = true)"
        )
    else:
        conn.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT NULL::VARCHAR AS event_id,"
            " NULL::VARCHAR AS world_id, NULL::VARCHAR AS type,"
            " NULL::TIMESTAMPTZ AS occurred_at, NULL::VARCHAR AS actor,"
            " NULL::VARCHAR AS session_id, NULL::VARCHAR AS payload WHERE false"
        )
    return len(files)
