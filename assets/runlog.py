"""`ingestion_runs`: one row per asset execution (start, end, status, stats)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg


class RunRecord:
    def __init__(self) -> None:
        self.stats: dict[str, Any] = {}
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.started, 3)


@contextmanager
def record_run(
    conn: psycopg.Connection,
    asset: str,
    *,
    dagster_run: str | None = None,
    partition: str | None = None,
    world_id: str | None = None,
) -> Iterator[RunRecord]:
    """Log the execution in `ingestion_runs`; the caller fills `record.stats`."""
    row = conn.execute(
        "INSERT INTO ingestion_runs (asset, world_id, partition, dagster_run)"
        " VALUES (%s, %s, %s, %s) RETURNING run_id",
        (asset, world_id, partition, dagster_run),
    ).fetchone()
    run_id = row[0] if row else None
    record = RunRecord()
    try:
        yield record
    except BaseException as exc:
        conn.execute(
            "UPDATE ingestion_runs SET finished_at = now(), status = 'failed', error = %s,"
            " stats = %s::jsonb WHERE run_id = %s",
            (f"{type(exc).__name__}: {exc}"[:4000], json.dumps(record.stats, default=str), run_id),
        )
        raise
    record.stats.setdefault("seconds", record.seconds)
    conn.execute(
        "UPDATE ingestion_runs SET finished_at = now(), status = 'success', stats = %s::jsonb"
        " WHERE run_id = %s",
        (json.dumps(record.stats, default=str), run_id),
    )
