"""Seeding helpers: rows the other components write in production (events from the streams
worker, state rows, narrative history from the assets), written straight into the real database
for the API tests. Lore goes through the real ingestion (`loreline.knowledge.load_lore`)."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from loreline.contract import Event
from loreline.knowledge import Embedder
from loreline.knowledge.ingest import load_lore

T0 = datetime.fromisoformat("2024-03-01T12:00:00+00:00")


def event(
    world_id: str,
    type_: str,
    payload: Mapping[str, Any],
    *,
    minutes: float = 0.0,
    actor: str | None = None,
    session_id: str | None = "s1",
) -> Event:
    return Event.new(
        type_,
        world_id,
        dict(payload),
        actor=actor,
        session_id=session_id,
        occurred_at=T0 + timedelta(minutes=minutes),
    )


def npc_greets_and_quest_starts(world_id: str, line: str) -> list[Event]:
    """The two events every seeded test world starts with: its NPC says `line` to its player at
    the harbour, then the player starts the world's quest."""
    return [
        event(
            world_id,
            "dialogue.line",
            {
                "speaker": f"{world_id}-npc",
                "text": line,
                "listeners": [f"{world_id}-player"],
                "location": "harbour",
            },
            minutes=1,
            actor=f"{world_id}-npc",
        ),
        event(
            world_id,
            "quest.started",
            {"quest_id": f"{world_id}-quest"},
            minutes=2,
            actor=f"{world_id}-player",
        ),
    ]


async def insert_events(pool: Any, events: Iterable[Event]) -> None:
    rows = [event.to_row() for event in events]
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO events (event_id, world_id, type, occurred_at, actor, session_id,"
            " schema_version, payload, src_partition, src_offset)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, 0, $9)",
            [
                (
                    r["event_id"],
                    r["world_id"],
                    r["type"],
                    r["occurred_at"],
                    r["actor"],
                    r["session_id"],
                    r["schema_version"],
                    r["payload"],
                    index,
                )
                for index, r in enumerate(rows)
            ],
        )


async def insert_world_state(pool: Any, world_id: str, tag: str) -> None:
    """A small live state whose every id carries `tag` (to spot leaks between worlds)."""
    at = T0
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO world_state_players (world_id, player_id, location, status, updated_at)"
            " VALUES ($1, $2, 'harbour', 'online', $3)",
            world_id,
            f"{tag}-player",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_quests (world_id, player_id, quest_id, status, step,"
            " updated_at) VALUES ($1, $2, $3, 'in_progress', 2, $4)",
            world_id,
            f"{tag}-player",
            f"{tag}-quest",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_npcs (world_id, npc_id, status, location, mood, updated_at)"
            " VALUES ($1, $2, 'awake', 'harbour', 'wary', $3)",
            world_id,
            f"{tag}-npc",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_npc_relations (world_id, npc_id, player_id, affinity,"
            " updated_at) VALUES ($1, $2, $3, 12.5, $4)",
            world_id,
            f"{tag}-npc",
            f"{tag}-player",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_factions (world_id, faction_id, player_id, reputation,"
            " updated_at) VALUES ($1, $2, $3, -3, $4)",
            world_id,
            f"{tag}-faction",
            f"{tag}-player",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_economy (world_id, item, price, updated_at, price_at,"
            " price_event) VALUES ($1, $2, 4.25, $3, $3, gen_random_uuid())",
            world_id,
            f"{tag}-salt",
            at,
        )
        await conn.execute(
            "INSERT INTO world_state_world (world_id, weather, temperature_c, wind, game_day,"
            " game_minute, events_applied, last_event_at, last_offset)"
            " VALUES ($1, 'fog', 7.5, 'east', 3, 615, 42, $2, 41)"
            " ON CONFLICT (world_id) DO NOTHING",
            world_id,
            at,
        )


async def insert_snapshot(pool: Any, world_id: str, day: str, tag: str) -> None:
    """Rows shaped like the assets' daily snapshot (state JSON keyed per entity)."""
    from datetime import date

    snapshot_day = date.fromisoformat(day)
    as_of = datetime.fromisoformat(f"{day}T00:00:00+00:00") + timedelta(days=1)
    rows = [
        ("players", f"{tag}-player", {"player_id": f"{tag}-player", "location": "fen"}),
        ("npc_relations", f"{tag}-npc/{tag}-player", {"affinity": "5.000000"}),
        ("world", "world", {"weather": "rain", "game_day": 1, "game_minute": 30}),
    ]
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO world_state_snapshots (snapshot_date, world_id, kind, key, state, as_of)"
            " VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)",
            [(snapshot_day, world_id, k, key, json.dumps(s), as_of) for k, key, s in rows],
        )


async def insert_narrative(
    pool: Any, embedder: Embedder, world_id: str, summaries: list[tuple[str, str]]
) -> None:
    """(session_id, summary) rows with real embeddings."""
    vectors = await asyncio.to_thread(embedder.encode, [text for _s, text in summaries])
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO worlds (world_id) VALUES ($1) ON CONFLICT DO NOTHING", world_id
        )
        for index, (session_id, summary) in enumerate(summaries):
            start = T0 + timedelta(hours=index)
            await conn.execute(
                "INSERT INTO narrative_history (world_id, session_id, period_start, period_end,"
                " summary, summary_hash, event_count, first_event_id, last_event_id,"
                " first_occurred_at, last_occurred_at, embedding, embedding_model, embedded_at)"
                " VALUES ($1, $2, $3, $4, $5, md5($5), 3, 'e1', 'e3', $3, $4, $6, 'test', now())",
                world_id,
                session_id,
                start,
                start + timedelta(minutes=30),
                summary,
                vectors[index],
            )


def write_lore(folder: Path, documents: Mapping[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return folder


async def load_lore_folder(dsn: str, folder: Path, world_id: str, embedder: Embedder) -> None:
    await asyncio.to_thread(load_lore, dsn, folder, world_id, embedder=embedder)
