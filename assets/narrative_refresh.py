"""Which lake files a narrative-history run reads: only the days that changed since the last run.

The lake is partitioned by world and UTC day of `occurred_at`, and a summary window (at most a day
long, aligned to the epoch) starting on day D ends on D or D+1. So when day D of a world changed
(a file there is newer than the last successful run), the windows starting on D-1 and D are
recomputed from the files of D-1, D and D+1, which hold every event of those windows; the others
are left as they are. A first run, `full_refresh`, or a changed window length recomputes all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from assets.lake import LakeFile

MTIME_MARGIN = timedelta(minutes=5)
"""Files renamed into place just before the last run started may have been missed by its scan."""


@dataclass(frozen=True)
class PreviousRun:
    started_at: datetime
    stats: dict[str, Any]


@dataclass(frozen=True)
class RefreshPlan:
    files: list[Path]
    """The lake files to read."""
    days: dict[str, set[date]] | None
    """Per world, the days whose windows are rewritten; None: every window (a full refresh)."""

    @property
    def full(self) -> bool:
        return self.days is None

    def keeps(self, world_id: str, period_start: datetime) -> bool:
        if self.days is None:
            return True
        start = period_start if period_start.tzinfo else period_start.replace(tzinfo=UTC)
        return start.astimezone(UTC).date() in self.days.get(world_id, set())


def previous_run(conn: psycopg.Connection, asset: str) -> PreviousRun | None:
    row = conn.execute(
        "SELECT started_at, stats FROM ingestion_runs WHERE asset = %s AND status = 'success'"
        " ORDER BY started_at DESC LIMIT 1",
        (asset,),
    ).fetchone()
    return PreviousRun(row[0], dict(row[1] or {})) if row else None


def plan_refresh(files: list[LakeFile], changed_since: datetime | None) -> RefreshPlan:
    """`changed_since` None: read everything. Else the files of the days around each changed day."""
    if changed_since is None:
        return RefreshPlan([f.path for f in files], None)
    cutoff = changed_since.timestamp()
    changed: dict[str, set[date]] = defaultdict(set)
    for f in files:
        if f.mtime >= cutoff:
            changed[f.world_id].add(f.date)
    rewrite = {w: {d - timedelta(days=1) for d in days} | days for w, days in changed.items()}
    read = {w: days | {d + timedelta(days=1) for d in days} for w, days in rewrite.items()}
    return RefreshPlan(
        [f.path for f in files if f.date in read.get(f.world_id, set())], dict(rewrite)
    )


def refresh_plan(
    files: list[LakeFile], previous: PreviousRun | None, *, window_minutes: int, full: bool
) -> RefreshPlan:
    """The plan for this run, given the last successful one."""
    if full or previous is None or previous.stats.get("window_minutes") != window_minutes:
        return plan_refresh(files, None)
    return plan_refresh(files, previous.started_at - MTIME_MARGIN)
