"""The event lake: Parquet files `events/world_id=W/date=YYYY-MM-DD/part-<batch>.parquet`.

One file per (sink batch, world, UTC day of occurred_at), rows sorted by occurred_at,
columns as `loreline.contract.event_arrow_schema()`. A file is written to a hidden temporary name in
its folder, fsynced, then renamed into place, so readers never see half a file. File names derive
from the batch id only: re-writing a batch (recovery after a crash) replaces its files with the same
rows instead of adding copies.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from loreline.contract import event_arrow_schema

EventRow = tuple[Any, ...]
"""(event_id, world_id, type, occurred_at, actor, session_id, schema_version, payload_json)."""

LAKE_EVENTS = "events"


def partition_dir(root: Path, world_id: str, day: str) -> Path:
    return root / LAKE_EVENTS / f"world_id={world_id}" / f"date={day}"


class LakeWriter:
    def __init__(self, root: Path, compression: str = "snappy") -> None:
        self.root = Path(root)
        self.compression = compression
        self._schema = event_arrow_schema()

    def write_batch(self, batch_id: str, rows: Iterable[EventRow]) -> list[Path]:
        """Write `rows` as this batch's files (one per world and day); returns their paths."""
        groups: dict[tuple[str, date], list[EventRow]] = defaultdict(list)
        for row in rows:
            groups[(row[1], row[3].date())].append(row)
        paths = []
        for (world_id, day), group in groups.items():
            folder = partition_dir(self.root, world_id, day.isoformat())
            paths.append(self._write_file(folder / f"part-{batch_id}.parquet", group))
        return paths

    def to_arrow(self, rows: Sequence[EventRow]) -> pa.Table:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in self._schema]
        arrays = []
        for index, values in enumerate(columns):
            field = self._schema.field(index)
            if index == 0:
                values = tuple(str(value) for value in values)
            arrays.append(pa.array(values, type=field.type))
        return pa.Table.from_arrays(arrays, schema=self._schema)

    def _write_file(self, path: Path, rows: Sequence[EventRow]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        # unique per writer: a recovery may rewrite a batch while its own writer still runs
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        table = self.to_arrow(rows).sort_by("occurred_at")
        try:
            with open(tmp, "wb") as handle:
                pq.write_table(table, handle, compression=self.compression)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
        _fsync_dir(path.parent)
        return path


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
