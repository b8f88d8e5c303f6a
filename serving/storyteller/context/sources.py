"""Gathering context items for one request from the world's data, through the shared query
functions (every one takes the request's `WorldScope`)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from serving.embedding import QueryEmbedder
from serving.memory.observations import observation_text
from serving.memory.retrieval import RecallRequest, recall
from serving.memory.scoring import Weights
from serving.queries.history import EventFilter, event_page, search_narrative
from serving.queries.knowledge import search_lore
from serving.queries.state import StateRows, live_state
from serving.security.scope import WorldScope
from serving.storyteller.context.items import ContextItem, ContextKind
from serving.storyteller.world_names import WorldNames

_HEADING_MARKS = re.compile(r"(?m)^\s{0,3}#{1,6}\s*")


@dataclass(frozen=True, slots=True)
class ContextLimits:
    lore_hits: int
    history_hits: int
    recent_events: int
    memories: int
    state_rows: int


@dataclass(frozen=True, slots=True)
class MemorySettings:
    """How NPC memories are ranked (the API's `memory_*` settings)."""

    weights: Weights
    decay_per_hour: float
    scan: int
    candidates: int


@dataclass(frozen=True, slots=True)
class ContextQuery:
    scope: WorldScope  # the world, read role
    lore_scope: WorldScope  # the world and the global lore
    situation: str
    npc_id: str | None


async def gather_context(
    pool: Any,
    embedder: QueryEmbedder,
    query: ContextQuery,
    names: WorldNames,
    limits: ContextLimits,
    memory: MemorySettings,
) -> list[ContextItem]:
    """Every candidate item, each kind best first (the budget decides what stays)."""
    vector = await embedder.embed(query.situation)
    parts = await asyncio.gather(
        _state_items(pool, query, names, limits.state_rows),
        _lore_items(pool, query, vector, limits.lore_hits),
        _memory_items(pool, embedder, query, limits.memories, memory),
        _history_items(pool, query, vector, limits.history_hits),
        _event_items(pool, query.scope, names, limits.recent_events),
    )
    return [item for part in parts for item in part]


async def _lore_items(
    pool: Any, query: ContextQuery, vector: np.ndarray, k: int
) -> list[ContextItem]:
    if k <= 0:
        return []
    hits = await search_lore(
        pool,
        query.lore_scope,
        vector,
        query.situation,
        k=k,
        doc_types=None,
        entity=None,
        mode="hybrid",
    )
    return [
        ContextItem(hit.citation_id, ContextKind.LORE, f"{hit.title}: {_plain(hit.text)}")
        for hit in hits
    ]


async def _memory_items(
    pool: Any, embedder: QueryEmbedder, query: ContextQuery, k: int, memory: MemorySettings
) -> list[ContextItem]:
    if query.npc_id is None or k <= 0:
        return []
    recalled, _candidates = await recall(
        pool,
        embedder,
        query.scope,
        RecallRequest(
            npc_id=query.npc_id,
            query=query.situation,
            k=k,
            weights=memory.weights,
            decay_per_hour=memory.decay_per_hour,
            at=datetime.now(UTC),
            scan=memory.scan,
            candidates=memory.candidates,
        ),
    )
    return [
        ContextItem(f"memory:{item.event['event_id']}", ContextKind.MEMORY, item.text)
        for item in recalled
    ]


async def _history_items(
    pool: Any, query: ContextQuery, vector: np.ndarray, k: int
) -> list[ContextItem]:
    if k <= 0:
        return []
    hits = await search_narrative(
        pool,
        query.scope,
        vector,
        query.situation,
        k=k,
        session_id=None,
        since=None,
        until=None,
        mode="hybrid",
    )
    return [
        ContextItem(f"history:{hit.history_id}", ContextKind.HISTORY, hit.summary) for hit in hits
    ]


async def _event_items(
    pool: Any, scope: WorldScope, names: WorldNames, n: int
) -> list[ContextItem]:
    if n <= 0:
        return []
    async with pool.acquire() as conn:
        events, _more = await event_page(
            conn, scope, EventFilter(), order="desc", after=None, limit=n * 4
        )
    kept = [event for event in events if event["type"] != "clock.tick"][:n]
    return [
        ContextItem(
            f"event:{event['event_id']}",
            ContextKind.EVENT,
            _readable(
                observation_text(event["type"], event["actor"], event["payload"] or {}), names
            ),
        )
        for event in kept
    ]


async def _state_items(
    pool: Any, query: ContextQuery, names: WorldNames, rows: int
) -> list[ContextItem]:
    async with pool.acquire() as conn:
        state = await live_state(conn, query.scope, rows)
    return state_items(state, names, query.npc_id)


def state_items(state: StateRows, names: WorldNames, npc_id: str | None) -> list[ContextItem]:
    """The live state as a few short sentences, one item per section (the NPC's own first)."""
    items: list[ContextItem] = []
    n = names.name_of
    sections = state.sections
    if npc_id is not None:
        own = [row for row in sections.get("npcs", []) if row["npc_id"] == npc_id]
        feelings = [r for r in sections.get("npc_relations", []) if r["npc_id"] == npc_id]
        parts = [
            f"{n(npc_id)} is {row.get('status') or 'about'} at {n(row.get('location'))}"
            + (f", feeling {row['mood']}" if row.get("mood") else "")
            for row in own
        ]
        parts += [
            f"{n(npc_id)} regards {n(r['player_id'])} at {r['affinity']:+g}" for r in feelings
        ]
        if parts:
            items.append(
                ContextItem(f"state:npc:{npc_id}", ContextKind.STATE, ". ".join(parts) + ".")
            )
    world = state.world
    if world:
        clock = ""
        if world.get("game_day") is not None and world.get("game_minute") is not None:
            minute = int(world["game_minute"])
            clock = f" It is day {world['game_day']}, {minute // 60:02d}:{minute % 60:02d}."
        weather = world.get("weather") or "unknown"
        extra = ", ".join(
            str(value)
            for value in (
                f"{world['temperature_c']:g} °C"
                if world.get("temperature_c") is not None
                else None,
                f"wind {world['wind']}" if world.get("wind") else None,
            )
            if value
        )
        text = f"Weather: {n(weather)}{f' ({extra})' if extra else ''}.{clock}"
        items.append(ContextItem("state:world", ContextKind.STATE, text))
    others = [row for row in sections.get("npcs", []) if row["npc_id"] != npc_id]
    if others:
        text = "People: " + "; ".join(
            f"{n(row['npc_id'])} at {n(row.get('location'))}"
            + (f" ({row['mood']})" if row.get("mood") else "")
            for row in others
        )
        items.append(ContextItem("state:npcs", ContextKind.STATE, text + "."))
    quests = sections.get("quests", [])
    if quests:
        text = "Quests: " + "; ".join(
            f"{n(row['player_id'])} on {n(row['quest_id'])} ({row['status']}, step {row['step']})"
            for row in quests
        )
        items.append(ContextItem("state:quests", ContextKind.STATE, text + "."))
    players = sections.get("players", [])
    if players:
        text = "Players: " + "; ".join(
            f"{n(row['player_id'])} at {n(row.get('location'))} ({row.get('status')})"
            for row in players
        )
        items.append(ContextItem("state:players", ContextKind.STATE, text + "."))
    economy = sections.get("economy", [])
    if economy:
        text = "Prices: " + "; ".join(f"{n(row['item'])} {row['price']}" for row in economy)
        items.append(ContextItem("state:economy", ContextKind.STATE, text + "."))
    return items


def _plain(text: str) -> str:
    return _HEADING_MARKS.sub("", text)


def _readable(text: str, names: WorldNames) -> str:
    """Multi-word entity ids (`maud_ferrow`) in a rendered event replaced by their names."""
    return re.sub(
        r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b",
        lambda match: names.names.get(match.group(0), match.group(0)),
        text,
    )
