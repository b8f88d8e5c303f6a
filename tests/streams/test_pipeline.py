"""The ingest pipeline against a real PostgreSQL: exactly once through crashes at every step."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from loreline.contract import Encoding, encode_batch
from streams.dedup import DedupWindow
from streams.ingest.pipeline import IngestPipeline
from streams.ingest.records import SourceRecord
from streams.sinks.lake import LakeWriter
from streams.sinks.postgres import PostgresSink
from streams.world_state.fold import public_view

from .helpers import MemoryState, immediate_dead_letters, lake_event_ids, state_views, stored_counts

pytestmark = pytest.mark.integration


def records_of(events, per_record: int = 50, partition: int = 0, first_offset: int = 0):
    return [
        SourceRecord(
            partition,
            first_offset + n,
            encode_batch(events[i : i + per_record], Encoding.MSGPACK),
            key=events[i].world_id.encode(),
            headers=[("content-type", b"application/msgpack")],
            topic="game-events",
        )
        for n, i in enumerate(range(0, len(events), per_record))
    ]


def pipeline(dsn: str, lake: Path, state: MemoryState, window: int = 0):
    sent, send = immediate_dead_letters()
    sink = PostgresSink(dsn, retry_initial_s=0.05, retry_max_s=0.2)
    return IngestPipeline(
        sink, LakeWriter(lake), send, state=state, window=DedupWindow(window)
    ), sent


async def assert_exactly_once(dsn: str, lake: Path, state: MemoryState, expected: int) -> None:
    assert await stored_counts(dsn) == (expected, expected)
    lake_ids = lake_event_ids(lake)
    assert len(lake_ids) == expected and set(lake_ids.values()) == {1}
    tables, replayed = await state_views(dsn)
    assert tables == replayed
    assert public_view(state.state) == replayed


async def test_redelivery_after_each_crash_point_applies_everything_once(
    database_url: str, tmp_path: Path, sim_events
) -> None:
    events = sim_events[:3000]
    records = records_of(events)
    state = MemoryState()
    lake = tmp_path / "lake"

    # 1. crash after the commit, half-way through the live-state writes
    p, _ = pipeline(database_url, lake, state)
    state.fail_after = 40
    with pytest.raises(RuntimeError):
        await p.process(records[:20])
    # re-delivery from the last committed offset, grouped differently
    p, _ = pipeline(database_url, lake, state)
    await p.process(records[:7])
    await p.process(records[7:30])

    # 2. crash after the commit, before the lake files
    class DyingLake(LakeWriter):
        def write_batch(self, batch_id, rows):
            raise RuntimeError("killed before the rename")

    _, send = immediate_dead_letters()
    dying = IngestPipeline(PostgresSink(database_url), DyingLake(lake), send, state=state)
    with pytest.raises(RuntimeError):
        await dying.process(records[30:45])
    p, _ = pipeline(database_url, lake, state)
    result = await p.process(records[30:])  # re-delivery: reclaims, then recovers the lake batch
    assert result.reclaimed == 15 * 50

    # 3. a producer that sent some events twice, in other records
    again = records_of(events[100:400], per_record=30, first_offset=len(records))
    result = await p.process(again)
    assert result.stored == 0 and result.reclaimed == 0
    await assert_exactly_once(database_url, lake, state, len(events))


async def test_window_drops_known_duplicates_before_postgres(
    database_url: str, tmp_path: Path, sim_events
) -> None:
    state = MemoryState()
    p, _ = pipeline(database_url, tmp_path / "lake", state, window=10_000)
    records = records_of(sim_events[:500])
    await p.process(records)
    resent = records_of(sim_events[:500], first_offset=100)
    result = await p.process(resent)
    assert result.duplicates == 500 and result.stored == 0
    # a restarted worker seeds its window from PostgreSQL
    p2, _ = pipeline(database_url, tmp_path / "lake", state, window=10_000)
    result = await p2.process(records_of(sim_events[:500], first_offset=200))
    assert result.duplicates == 500
    await assert_exactly_once(database_url, tmp_path / "lake", state, 500)


async def test_bad_records_are_dead_lettered_and_good_ones_stored(
    database_url: str, tmp_path: Path, sim_events
) -> None:
    state = MemoryState()
    p, sent = pipeline(database_url, tmp_path / "lake", state)
    records = records_of(sim_events[:200], per_record=20)
    records.insert(
        3,
        SourceRecord(
            0, 99, b"{oops", key=b"saltmarch", headers=[("content-type", b"application/json")]
        ),
    )
    result = await p.process(records)
    assert (result.dead_letters, result.stored) == (1, 200)
    assert len(sent) == 1


async def test_postgres_refusing_an_event_dead_letters_only_that_event(
    database_url: str, tmp_path: Path, sim_events, monkeypatch
) -> None:
    poison = sim_events[7].event_id
    import streams.ingest.pipeline as module

    real = module.store_events

    async def refusing(conn, rows):
        if any(row[0] == poison for row in rows):
            raise asyncpg.DataError("value refused")
        return await real(conn, rows)

    monkeypatch.setattr(module, "store_events", refusing)
    state = MemoryState()
    p, sent = pipeline(database_url, tmp_path / "lake", state)
    result = await p.process(records_of(sim_events[:100], per_record=25))
    assert result.stored == 99 and result.dead_letters == 1
    assert b"PostgreSQL refused" in sent[0][1]


async def test_written_lake_batch_records_are_pruned_pending_ones_kept(
    database_url: str, tmp_path: Path, sim_events
) -> None:
    from streams.sinks.postgres import pending_lake_batches, prune_lake_batches, record_lake_batch

    state = MemoryState()
    p, _ = pipeline(database_url, tmp_path / "lake", state)
    await p.process(records_of(sim_events[:200]))
    conn = await asyncpg.connect(database_url)
    try:
        written = await conn.fetchval("SELECT count(*) FROM events_lake_batches")
        assert written > 0
        await record_lake_batch(conn, "pending-batch", {0: (900, 901, 2)})  # files not written
        assert await prune_lake_batches(conn, older_than_s=3600) == 0  # all too recent
        await conn.execute(
            "UPDATE events_lake_batches SET written_at = written_at - interval '2 hours',"
            " created_at = created_at - interval '2 hours'"
        )
        assert await prune_lake_batches(conn, older_than_s=3600) == written
        assert list(await pending_lake_batches(conn, older_than_s=0)) == ["pending-batch"]
    finally:
        await conn.close()
    await assert_exactly_once(database_url, tmp_path / "lake", state, 200)
