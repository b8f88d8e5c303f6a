"""Test helpers: random contract events, a lake writer and an independent replay of the state rules."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from loreline.contract import Event, EventType, events_to_arrow

LOCATIONS = ["brinehold", "sallow_pans", "long_causeway", "gullhaven", "reedmere"]
NPCS = ["mira_saltwife", "old_tobin", "warden_hask", "sister_ebb"]
FACTIONS = ["panwrights", "brine_compact", "causeway_wardens"]
QUESTS = ["lost_lantern", "tithe_of_salt", "drowned_bell"]
ITEMS = ["salt", "eel", "rope", "lamp_oil"]
MOODS = ["calm", "angry", "wary", "joyful"]
LINES = [
    "The causeway floods at the spring tide, mind your step.",
    "I saw lights over Lowbell again last night.",
    "The Panwrights will pay well for clean salt.",
    "Ask the Wardens about the toll; I will not.",
    "Sister Ebb says the sea remembers every name.",
]


def random_events(
    n: int,
    *,
    worlds: Sequence[str] = ("saltmarch", "otherworld"),
    start: datetime | None = None,
    days: int = 3,
    seed: int = 7,
    players: int = 6,
) -> list[Event]:
    """`n` valid events spread over `days` days (with ties on occurred_at, late and out-of-order)."""
    rng = random.Random(seed)
    start = start or datetime(2026, 11, 20, tzinfo=UTC)
    span = days * 86400
    events: list[Event] = []
    for _ in range(n):
        world = rng.choice(list(worlds))
        player = f"p{rng.randrange(players)}"
        session = f"{world}-s{rng.randrange(3)}"
        # coarse times (whole minutes) so that ties on occurred_at really happen
        at = start + timedelta(seconds=60 * rng.randrange(span // 60))
        kind = rng.random()
        etype: EventType
        payload: dict[str, Any]
        if kind < 0.12:
            etype, payload = EventType.PLAYER_MOVED, {"to_location": rng.choice(LOCATIONS)}
        elif kind < 0.20:
            etype = EventType.SESSION_JOINED
            payload = {"location": rng.choice(LOCATIONS)} if rng.random() < 0.5 else {}
        elif kind < 0.25:
            etype, payload = EventType.SESSION_LEFT, {}
        elif kind < 0.40:
            q = rng.choice(QUESTS)
            etype = rng.choice(
                [
                    EventType.QUEST_STARTED,
                    EventType.QUEST_PROGRESSED,
                    EventType.QUEST_COMPLETED,
                    EventType.QUEST_FAILED,
                ]
            )
            payload = {"quest_id": q}
            if etype is EventType.QUEST_PROGRESSED:
                payload["step"] = rng.randrange(1, 6)
        elif kind < 0.50:
            etype = EventType.NPC_STATE_CHANGED
            payload = {"npc_id": rng.choice(NPCS)}
            for field, values in (
                ("status", ["idle", "working", "away"]),
                ("location", LOCATIONS),
                ("mood", MOODS),
            ):
                if rng.random() < 0.5:
                    payload[field] = rng.choice(values)
        elif kind < 0.58:
            etype = EventType.NPC_RELATIONSHIP_CHANGED
            payload = {
                "npc_id": rng.choice(NPCS),
                "player_id": player,
                "delta": round(rng.uniform(-10, 10), rng.choice([0, 1, 3, 6])),
            }
        elif kind < 0.64:
            etype = EventType.FACTION_REPUTATION_CHANGED
            payload = {
                "faction_id": rng.choice(FACTIONS),
                "player_id": player,
                "delta": round(rng.uniform(-5, 5), 2),
            }
        elif kind < 0.70:
            etype = EventType.ECONOMY_TRADE
            payload = {
                "item": rng.choice(ITEMS),
                "quantity": rng.randrange(1, 9),
                "unit_price": round(rng.uniform(1, 50), 2),
            }
        elif kind < 0.75:
            etype = EventType.ECONOMY_PRICE_CHANGED
            payload = {"item": rng.choice(ITEMS), "price": round(rng.uniform(1, 50), 2)}
        elif kind < 0.80:
            etype = EventType.WEATHER_CHANGED
            payload = {"condition": rng.choice(["fog", "rain", "clear", "storm"])}
            if rng.random() < 0.6:
                payload["temperature_c"] = round(rng.uniform(-5, 25), 1)
            if rng.random() < 0.5:
                payload["wind"] = rng.choice(["calm", "gale"])
        elif kind < 0.85:
            etype = EventType.CLOCK_TICK
            payload = {"game_day": rng.randrange(0, 400), "game_minute": rng.randrange(0, 1440)}
        else:
            etype = EventType.DIALOGUE_LINE
            payload = {
                "speaker": rng.choice(NPCS),
                "text": rng.choice(LINES),
                "listeners": [player],
                "location": rng.choice(LOCATIONS),
            }
        events.append(
            Event.new(etype, world, payload, actor=player, session_id=session, occurred_at=at)
        )
    return events


def write_lake(
    lake_dir: Path, events: Iterable[Event], *, part: str = "0000", by: str = "occurred"
) -> list[Path]:
    """Write events as `<lake>/events/world_id=W/date=D/part-<part>.parquet` (date of occurred_at)."""
    groups: dict[tuple[str, date], list[Event]] = defaultdict(list)
    for event in events:
        groups[(event.world_id, event.occurred_at.astimezone(UTC).date())].append(event)
    paths: list[Path] = []
    for (world, day), group in sorted(groups.items()):
        folder = lake_dir / "events" / f"world_id={world}" / f"date={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"part-{part}.parquet"
        tmp = folder / f".part-{part}.tmp"
        pq.write_table(events_to_arrow(group), tmp)
        tmp.replace(path)
        paths.append(path)
    return paths


_QUEST_STATUS = {
    EventType.QUEST_STARTED: "started",
    EventType.QUEST_PROGRESSED: "in_progress",
    EventType.QUEST_COMPLETED: "completed",
    EventType.QUEST_FAILED: "failed",
}


def replay_state(
    events: Iterable[Event], as_of: datetime
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Independent replay: sort by (occurred_at, event_id), apply in order (last write wins)."""
    seen: set[Any] = set()
    ordered = []
    for e in events:
        if e.occurred_at < as_of and e.event_id not in seen:
            seen.add(e.event_id)
            ordered.append(e)
    ordered.sort(key=lambda e: (e.occurred_at, str(e.event_id)))
    state: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = defaultdict(dict)

    def row(kind: str, key: tuple[Any, ...], init: dict[str, Any]) -> dict[str, Any]:
        return state[kind].setdefault(key, dict(init))

    for e in ordered:
        p: Any = e.payload
        w = e.world_id
        world = row(
            "world",
            (w,),
            {
                "weather": None,
                "temperature_c": None,
                "wind": None,
                "game_day": None,
                "game_minute": None,
                "events_applied": 0,
                "last_event_at": None,
            },
        )
        world["events_applied"] += 1
        world["last_event_at"] = e.occurred_at
        if e.type is EventType.WEATHER_CHANGED:
            world.update(weather=p.condition, temperature_c=p.temperature_c, wind=p.wind)
        elif e.type is EventType.CLOCK_TICK:
            world.update(game_day=p.game_day, game_minute=p.game_minute)
        elif e.type in (EventType.PLAYER_MOVED, EventType.SESSION_JOINED, EventType.SESSION_LEFT):
            r = row("players", (w, e.actor), {"location": None, "status": None})
            if e.type is EventType.PLAYER_MOVED:
                r["location"] = p.to_location
            elif e.type is EventType.SESSION_JOINED:
                if p.location is not None:
                    r["location"] = p.location
                r["status"] = "online"
            else:
                r["status"] = "offline"
            r["updated_at"] = e.occurred_at
        elif e.type in _QUEST_STATUS:
            r = row("quests", (w, e.actor, p.quest_id), {"step": 0})
            r["status"] = _QUEST_STATUS[e.type]
            if e.type is EventType.QUEST_PROGRESSED:
                r["step"] = max(r["step"], p.step)
            r["updated_at"] = e.occurred_at
        elif e.type is EventType.NPC_STATE_CHANGED:
            r = row("npcs", (w, p.npc_id), {"status": None, "location": None, "mood": None})
            for field in ("status", "location", "mood"):
                if getattr(p, field) is not None:
                    r[field] = getattr(p, field)
            r["updated_at"] = e.occurred_at
        elif e.type is EventType.NPC_RELATIONSHIP_CHANGED:
            r = row("npc_relations", (w, p.npc_id, p.player_id), {"affinity": Decimal(0)})
            r["affinity"] += Decimal(round(p.delta * 1_000_000)) / Decimal(1_000_000)
            r["updated_at"] = e.occurred_at
        elif e.type is EventType.FACTION_REPUTATION_CHANGED:
            r = row("factions", (w, p.faction_id, p.player_id), {"reputation": Decimal(0)})
            r["reputation"] += Decimal(round(p.delta * 1_000_000)) / Decimal(1_000_000)
            r["updated_at"] = e.occurred_at
        elif e.type in (EventType.ECONOMY_TRADE, EventType.ECONOMY_PRICE_CHANGED):
            r = row("economy", (w, p.item), {})
            r["price"] = float(p.unit_price if e.type is EventType.ECONOMY_TRADE else p.price)
            r["updated_at"] = e.occurred_at
    return state


def snapshot_as_state(
    tables: dict[str, Any], keys: dict[str, tuple[str, ...]], fields: dict[str, tuple[str, ...]]
) -> dict[str, dict[tuple[str, ...], dict[str, Any]]]:
    out: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
    for kind, table in tables.items():
        out[kind] = {
            (r["world_id"], *(r[k] for k in keys[kind])): {f: r[f] for f in fields[kind]}
            for r in table.to_pylist()
        }
    return out
