"""PostgreSQL sink: the `events` table (stored once per event_id), `world_state_*`, lake bookkeeping.

Fast path per sink batch, in one transaction: binary COPY into a per-connection temporary staging
table, then `INSERT INTO events SELECT ... ON CONFLICT (event_id) DO NOTHING RETURNING` — the
RETURNING set is what this batch stored, and the authority for applying state exactly once.

`PostgresSink.run(fn)` runs `fn(conn)` in a transaction and, while PostgreSQL is unreachable
(connection refused or lost, server shutting down, serialization failure), reconnects and retries with
exponential back-off, forever: the caller's Kafka offsets are not committed meanwhile, so nothing is
lost. Errors that retrying cannot fix (a value PostgreSQL refuses) are raised to the caller.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar
from uuid import UUID

import asyncpg
from asyncpg.exceptions._base import DataError as ClientDataError

from loreline.contract import EVENT_COLUMNS, Event

log = logging.getLogger(__name__)

T = TypeVar("T")

STAGE_TABLE: Final = "events_stage"
STAGE_COLUMNS: Final = (*EVENT_COLUMNS, "src_partition", "src_offset")
_COLS: Final = ", ".join(STAGE_COLUMNS)

CREATE_STAGE_SQL: Final = (
    f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} "
    f"(LIKE events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
INSERT_SQL: Final = (
    f"INSERT INTO events ({_COLS}) SELECT {_COLS} FROM {STAGE_TABLE} "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id, src_partition, src_offset"
)
# After the INSERT: the staged events stored by these very records (this batch or an earlier
# delivery of the same records, e.g. before a crash), as opposed to duplicates of other records.
OWN_SQL: Final = (
    f"SELECT s.event_id, s.src_partition, s.src_offset FROM {STAGE_TABLE} s JOIN events e "
    "ON e.event_id = s.event_id AND e.src_partition = s.src_partition "
    "AND e.src_offset = s.src_offset"
)

Triple = tuple[int, int, int]
"""(event_id as `UUID.int`, source partition, source offset): ints hash and compare fast."""

_RETRY_SQLSTATE_CLASSES: Final = ("08", "40", "53", "57", "58")


def is_transient(exc: BaseException) -> bool:
    """True for failures that a reconnect and retry can fix (server gone, busy, shutting down)."""
    if isinstance(exc, ClientDataError):  # a value asyncpg cannot encode: retrying won't help
        return False
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", None) or ""
        return state[:2] in _RETRY_SQLSTATE_CLASSES
    return isinstance(
        exc,
        OSError
        | TimeoutError
        | ConnectionError
        | asyncpg.InterfaceError
        | asyncpg.InternalClientError,
    )


class PostgresSink:
    """One dedicated connection (re-opened on demand) with retrying transactions."""

    def __init__(
        self,
        dsn: str,
        *,
        retry_initial_s: float = 0.2,
        retry_max_s: float = 5.0,
        connect_timeout_s: float = 10.0,
        command_timeout_s: float = 120.0,
    ) -> None:
        self.dsn = dsn
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self.connect_timeout_s = connect_timeout_s
        self.command_timeout_s = command_timeout_s
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one operation at a time on the connection
        self.retries = 0
        self.unavailable_since: float | None = None

    def sibling(self) -> PostgresSink:
        """Another sink on the same database with its own connection (for a concurrent lane)."""
        return PostgresSink(
            self.dsn,
            retry_initial_s=self.retry_initial_s,
            retry_max_s=self.retry_max_s,
            connect_timeout_s=self.connect_timeout_s,
            command_timeout_s=self.command_timeout_s,
        )

    async def connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(
                self.dsn, timeout=self.connect_timeout_s, command_timeout=self.command_timeout_s
            )
            try:
                await conn.execute(CREATE_STAGE_SQL)
            except BaseException:
                conn.terminate()
                raise
            self._conn = conn
        return self._conn

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), timeout=5)
            except Exception:
                conn.terminate()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def run(
        self,
        fn: Callable[[asyncpg.Connection], Awaitable[T]],
        what: str = "write",
        *,
        transaction: bool = True,
    ) -> T:
        """`fn(conn)` in a transaction, retried with back-off while PostgreSQL is unavailable."""
        async with self._lock:
            return await self._run(fn, what, transaction)

    async def _run(
        self, fn: Callable[[asyncpg.Connection], Awaitable[T]], what: str, transaction: bool
    ) -> T:
        delay = self.retry_initial_s
        while True:
            try:
                conn = await self.connection()
                if not transaction:
                    result = await fn(conn)
                else:
                    async with conn.transaction():
                        result = await fn(conn)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self._drop()
                self.retries += 1
                if self.unavailable_since is None:
                    self.unavailable_since = time.monotonic()
                down = time.monotonic() - self.unavailable_since
                log.warning(
                    "postgres unavailable for %s (%.1fs so far: %s: %s); retrying in %.1fs",
                    what,
                    down,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.retry_max_s)
                continue
            if self.unavailable_since is not None:
                log.info("postgres is back after %.1fs", time.monotonic() - self.unavailable_since)
                self.unavailable_since = None
            return result


async def store_events(
    conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]
) -> tuple[set[Triple], set[Triple]]:
    """Stage `rows` (`STAGE_COLUMNS` order) and store the new ones, inside the caller's transaction.

    Returns (stored now, stored by these same records at any time): the second set is the first
    plus events a previous delivery of the same records stored (a re-delivery after a crash).
    """
    await conn.copy_records_to_table(STAGE_TABLE, records=rows, columns=STAGE_COLUMNS)
    inserted = {(r[0].int, r[1], r[2]) for r in await conn.fetch(INSERT_SQL)}
    if len(inserted) == len(rows):
        return inserted, inserted
    own = {(r[0].int, r[1], r[2]) for r in await conn.fetch(OWN_SQL)}
    return inserted, own


LAKE_BATCH_COLUMNS: Final = ("batch_id", "src_partition", "first_offset", "last_offset", "events")


async def record_lake_batch(
    conn: asyncpg.Connection, batch_id: str, ranges: dict[int, tuple[int, int, int]]
) -> None:
    """Note (in the storing transaction) which records' events batch `batch_id` stored."""
    if ranges:
        await conn.copy_records_to_table(
            "events_lake_batches",
            records=[(batch_id, p, lo, hi, n) for p, (lo, hi, n) in ranges.items()],
            columns=LAKE_BATCH_COLUMNS,
        )


async def mark_lake_written(conn: asyncpg.Connection, *, batch_ids: Sequence[str]) -> None:
    await conn.execute(
        "UPDATE events_lake_batches SET written_at = clock_timestamp() "
        "WHERE batch_id = ANY($1::text[]) AND written_at IS NULL",
        list(batch_ids),
    )


async def prune_lake_batches(conn: asyncpg.Connection, older_than_s: float) -> int:
    """Forget batches whose lake files were written more than `older_than_s` ago: only pending
    batches are ever read again (by lake recovery), so written ones are kept just for inspection."""
    status = await conn.execute(
        "DELETE FROM events_lake_batches"
        " WHERE written_at IS NOT NULL AND written_at < now() - make_interval(secs => $1)",
        older_than_s,
    )
    return int(status.split()[-1])


async def pending_lake_batches(
    conn: asyncpg.Connection, older_than_s: float
) -> dict[str, list[tuple[int, int, int]]]:
    """Batches whose lake files may be missing: {batch_id: [(partition, first, last), ...]}."""
    records = await conn.fetch(
        "SELECT batch_id, src_partition, first_offset, last_offset FROM events_lake_batches "
        "WHERE written_at IS NULL AND created_at < now() - make_interval(secs => $1) "
        "ORDER BY batch_id",
        older_than_s,
    )
    pending: dict[str, list[tuple[int, int, int]]] = {}
    for r in records:
        pending.setdefault(r["batch_id"], []).append(
            (r["src_partition"], r["first_offset"], r["last_offset"])
        )
    return pending


async def batch_events(
    conn: asyncpg.Connection, *, ranges: Sequence[tuple[int, int, int]]
) -> list[Event]:
    """The stored events of a lake batch: those its (partition, first, last) records stored."""
    events: list[Event] = []
    for partition, first, last in ranges:
        records = await conn.fetch(
            STORED_EVENT_SQL + " WHERE src_partition = $1 AND src_offset BETWEEN $2 AND $3",
            partition,
            first,
            last,
        )
        events.extend(stored_event(r) for r in records)
    return events


async def recent_event_ids(
    conn: asyncpg.Connection, *, partition: int, limit: int
) -> list[tuple[UUID, int]]:
    """The `limit` most recently stored (event_id, src_offset) of one source partition."""
    records = await conn.fetch(
        "SELECT event_id, src_offset FROM events WHERE src_partition = $1 "
        "ORDER BY src_offset DESC LIMIT $2",
        partition,
        limit,
    )
    return [(r[0], r[1]) for r in reversed(records)]


STORED_EVENT_SQL: Final = (
    "SELECT event_id, world_id, type, occurred_at, actor, session_id, schema_version, "
    "payload::text AS payload, src_partition, src_offset FROM events"
)


def stored_event(record: Any) -> Event:
    """An `events` row (`STORED_EVENT_SQL` columns) back as a validated contract event."""
    return Event.model_validate(
        {
            "event_id": record[0],
            "world_id": record[1],
            "type": record[2],
            "occurred_at": record[3],
            "actor": record[4],
            "session_id": record[5],
            "schema_version": record[6],
            "payload": json.loads(record[7]),
        }
    )


async def fetch_stored_events(
    conn: asyncpg.Connection, world_ids: Sequence[str] | None = None
) -> list[tuple[Event, int]]:
    """Every stored event (of `world_ids`) with the offset of the record that stored it."""
    where = "" if world_ids is None else " WHERE world_id = ANY($1::text[])"
    args = [] if world_ids is None else [list(world_ids)]
    records = await conn.fetch(STORED_EVENT_SQL + where + " ORDER BY occurred_at, event_id", *args)
    return [(stored_event(r), r[9]) for r in records]
