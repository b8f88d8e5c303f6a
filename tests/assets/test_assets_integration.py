"""Every asset materialised with in-process resources against real PostgreSQL; checks pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from dagster import materialize

from assets import ALL_ASSETS, ALL_CHECKS
from assets.resources import EmbedderResource, LakeResource, LoreSourceResource, PostgresResource
from assets.world_state import LIVE_CHECK, ROWS_CHECK
from loreline.db import create_pool
from loreline.knowledge import search_history
from tests.assets.eventgen import random_events, write_lake

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KB_ASSETS = ["lore_documents", "lore_chunks", "lore_embeddings", "entities", "narrative_history"]


def _resources(dsn: str, lake: Path) -> dict:
    return {
        "postgres": PostgresResource(dsn=dsn),
        "lake_store": LakeResource(lake_dir=str(lake)),
        "lore_source": LoreSourceResource(),
        "embedder": EmbedderResource(),
    }


async def _write_live_state(dsn: str, events) -> bool:
    """The streams' own state writer (upsert of its fold), when it is there."""
    try:
        from streams.world_state.fold import fold_all
        from streams.world_state.sql import upsert_state
    except ImportError:
        return False
    pool = await create_pool(dsn, max_size=1)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await upsert_state(conn, fold_all(events))  # type: ignore[arg-type]
    finally:
        await pool.close()
    return True


def _checks(result: Any) -> dict[str, Any]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_all_assets_materialise_and_checks_pass(
    database_url: str, embedder, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    events = random_events(1500, start=now - timedelta(days=2), days=2, seed=21)
    write_lake(tmp_path, events)
    resources = _resources(database_url, tmp_path)

    kb = materialize([*ALL_ASSETS, *ALL_CHECKS], resources=resources, selection=KB_ASSETS)
    assert kb.success
    checks = _checks(kb)
    assert set(checks) == {
        "lore_documents_check",
        "lore_chunks_check",
        "lore_embeddings_check",
        "entities_check",
        "narrative_history_check",
    }
    failed = {name: e.metadata for name, e in checks.items() if not e.passed}
    assert not failed
    meta = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in kb.get_asset_materialization_events()
    }
    assert meta["lore_documents"]["inserted"].value == 13
    assert (
        meta["lore_embeddings"]["chunks_embedded"].value
        == meta["lore_chunks"]["chunks_written"].value
    )
    assert meta["narrative_history"]["events"].value == 1500

    live = asyncio.run(_write_live_state(database_url, events))
    today = now.date().isoformat()
    snap = materialize(
        [*ALL_ASSETS], resources=resources, selection=["world_state_snapshot"], partition_key=today
    )
    assert snap.success
    checks = _checks(snap)
    assert checks[ROWS_CHECK].passed
    assert checks[LIVE_CHECK].passed, checks[LIVE_CHECK].metadata
    if live:
        assert checks[LIVE_CHECK].metadata["compared"].value == [
            "players",
            "quests",
            "npcs",
            "npc_relations",
            "factions",
            "world",
            "economy",
        ]
    assert (tmp_path / "snapshots" / f"date={today}" / "players.parquet").exists()

    with psycopg.connect(database_url) as conn:
        kinds: dict[str, int] = dict(
            conn.execute(
                "SELECT kind, count(*) FROM world_state_snapshots WHERE snapshot_date = %s GROUP BY 1",
                (today,),
            ).fetchall()
        )
        assert kinds["world"] == 2 and kinds["players"] > 0
        runs = conn.execute("SELECT asset, status FROM ingestion_runs ORDER BY run_id").fetchall()
        assert {a for a, _ in runs} == {*KB_ASSETS, "world_state_snapshot"}
        assert {s for _, s in runs} == {"success"}
        if live:
            # a live row that disagrees with the lake makes the check fail (as a warning)
            conn.execute(
                "UPDATE world_state_players SET location = 'nowhere' WHERE player_id = 'p1'"
            )
            conn.commit()
    if live:
        again = materialize(
            [*ALL_ASSETS],
            resources=resources,
            selection=["world_state_snapshot"],
            partition_key=today,
        )
        bad = _checks(again)[LIVE_CHECK]
        assert not bad.passed
        assert bad.metadata["mismatches"].value["players"] == 2


@pytest.mark.asyncio(loop_scope="session")
async def test_narrative_history_search_stays_in_its_world(
    database_url: str, embedder, tmp_path: Path
) -> None:
    from assets.narrative import store_history, summarize_lake

    events = random_events(600, days=1, seed=8)
    write_lake(tmp_path, events)
    rows = summarize_lake(tmp_path, window=timedelta(hours=2))
    with psycopg.connect(database_url, autocommit=True) as conn:
        stats = store_history(conn, rows, embedder)
        assert stats["embedded"] == len(rows)
        assert store_history(conn, rows, embedder)["embedded"] == 0  # unchanged: not re-embedded
    pool = await create_pool(database_url, max_size=1)
    try:
        query = "who completed the quest drowned_bell"
        hits = await search_history(
            pool, embedder.encode_one(query), query, world_id="otherworld", k=5
        )
        assert hits and {h.world_id for h in hits} == {"otherworld"}
        assert hits[0].event_count > 0
        one = await search_history(
            pool,
            embedder.encode_one(query),
            query,
            world_id="saltmarch",
            session_id="saltmarch-s1",
            k=50,
        )
        assert one and {h.session_id for h in one} == {"saltmarch-s1"}
    finally:
        await pool.close()
