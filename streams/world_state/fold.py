"""Live world state as an order-independent fold of events (docs/architecture.md, "State semantics").

The fold turns events into a `StateDelta`: per state table, per key, one *partial row* (a plain,
JSON-ready dict). Partial rows merge associatively and commutatively (`merge_row`), so folding a
batch and merging it into stored rows gives the same result as folding every event at once, in any
order — which is what makes live state (Faust tables, `world_state_*`), a replay of the stored events
and a snapshot agree.

Row fields, per table (`SPECS`):
- a *latest group* (e.g. `location`) keeps `<group>_at = [occurred_at_us, event_id]` and the fields
  of the event with the greatest `(occurred_at, event_id)`; a late event never overwrites a newer one;
- a *sum* (affinity, reputation: micro-units, exact integers; events_applied: a count);
- a *max* (quest step, `updated_at` = greatest occurred_at applied to the row, last_event_at);
- the *watermark* (`wm`; `last_offset` for the world row): the greatest source offset applied. The
  live Faust tables use it to apply each Kafka record to each row once (see docs/streams.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from loreline.contract import Event, EventType

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US: Final = timedelta(microseconds=1)
MICROS: Final = 1_000_000
"""Affinity and reputation are kept as exact integer micro-units (delta rounded to 1e-6)."""

PLAYERS: Final = "players"
QUESTS: Final = "quests"
NPCS: Final = "npcs"
NPC_RELATIONS: Final = "npc_relations"
FACTIONS: Final = "factions"
WORLD: Final = "world"
ECONOMY: Final = "economy"

Row = dict[str, Any]
Key = tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """How the rows of one state table are keyed and merged."""

    name: str
    key: tuple[str, ...]
    latest: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sums: tuple[str, ...] = ()
    maxes: tuple[str, ...] = ()
    wm: str = "wm"

    @property
    def sql_table(self) -> str:
        return f"world_state_{self.name}"


SPECS: Final[dict[str, TableSpec]] = {
    spec.name: spec
    for spec in (
        TableSpec(
            PLAYERS,
            ("world_id", "player_id"),
            latest=(("location", ("location",)), ("status", ("status",))),
            maxes=("updated_at",),
        ),
        TableSpec(
            QUESTS,
            ("world_id", "player_id", "quest_id"),
            latest=(("status", ("status",)),),
            maxes=("step", "updated_at"),
        ),
        TableSpec(
            NPCS,
            ("world_id", "npc_id"),
            latest=(("status", ("status",)), ("location", ("location",)), ("mood", ("mood",))),
            maxes=("updated_at",),
        ),
        TableSpec(
            NPC_RELATIONS,
            ("world_id", "npc_id", "player_id"),
            sums=("affinity",),
            maxes=("updated_at",),
        ),
        TableSpec(
            FACTIONS,
            ("world_id", "faction_id", "player_id"),
            sums=("reputation",),
            maxes=("updated_at",),
        ),
        TableSpec(
            WORLD,
            ("world_id",),
            latest=(
                ("weather", ("weather", "temperature_c", "wind")),
                ("clock", ("game_day", "game_minute")),
            ),
            sums=("events_applied",),
            maxes=("last_event_at",),
            wm="last_offset",
        ),
        TableSpec(
            ECONOMY,
            ("world_id", "item"),
            latest=(("price", ("price",)),),
            maxes=("updated_at",),
        ),
    )
}

QUEST_STATUS: Final = {
    EventType.QUEST_STARTED: "started",
    EventType.QUEST_PROGRESSED: "in_progress",
    EventType.QUEST_COMPLETED: "completed",
    EventType.QUEST_FAILED: "failed",
}


def to_micros(moment: datetime) -> int:
    """Exact microseconds since the Unix epoch of an aware datetime."""
    return (moment - EPOCH) // _ONE_US


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def delta_micros(delta: float) -> int:
    return round(delta * MICROS)


class StateDelta:
    """Partial rows per table and key; `rows[table][key] -> row`."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[str, dict[Key, Row]] = {name: {} for name in SPECS}

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def merge(self, other: StateDelta) -> StateDelta:
        for table, rows in other.rows.items():
            mine = self.rows[table]
            for key, row in rows.items():
                current = mine.get(key)
                if current is None:
                    mine[key] = dict(row)
                else:
                    merge_row(table, current, row)
        return self


def merge_row(table: str, dst: Row, src: Row) -> Row:
    """Merge partial row `src` into `dst` (in place) and return `dst`."""
    spec = SPECS[table]
    for group, fields in spec.latest:
        at_field = group + "_at"
        at = src.get(at_field)
        if at is not None:
            current = dst.get(at_field)
            if current is None or list(at) > list(current):
                dst[at_field] = at
                for name in fields:
                    dst[name] = src.get(name)
    for name in spec.sums:
        dst[name] = dst.get(name, 0) + src.get(name, 0)
    for name in (*spec.maxes, spec.wm):
        value = src.get(name)
        if value is not None:
            current = dst.get(name)
            if current is None or value > current:
                dst[name] = value
    return dst


SkipFn = Callable[[str, Key, int], bool]
"""`skip(table, key, offset)`: True when the row already holds the record at `offset`."""


def fold(items: Iterable[tuple[Event, int]], skip: SkipFn | None = None) -> StateDelta:
    """Fold `(event, source offset)` pairs into a `StateDelta`.

    `skip` lets the caller leave out a (row, record) pair the row already holds; `None` applies all.
    """
    delta = StateDelta()
    rows = delta.rows
    world_rows = rows[WORLD]
    for event, offset in items:
        us = to_micros(event.occurred_at)
        # the (occurred_at, event_id) ordering key, only for types with a "latest" rule
        at = [us, str(event.event_id)] if event.type in _LATEST_TYPES else _NO_AT
        world_key = (event.world_id,)
        if skip is None or not skip(WORLD, world_key, offset):
            row = world_rows.get(world_key)
            if row is None:
                row = world_rows[world_key] = {"events_applied": 0}
            row["events_applied"] += 1
            _max(row, "last_event_at", us)
            _max(row, "last_offset", offset)
            handler_world = _WORLD_HANDLERS.get(event.type)
            if handler_world is not None:
                handler_world(row, event, at)
        handler = _HANDLERS.get(event.type)
        if handler is None:
            continue
        table, key, apply = handler(event)
        if skip is not None and skip(table, key, offset):
            continue
        table_rows = rows[table]
        row = table_rows.get(key)
        if row is None:
            row = table_rows[key] = {}
        apply(row, event, at)
        _max(row, "updated_at", us)
        _max(row, "wm", offset)
    return delta


def fold_all(events: Iterable[Event], offsets: Iterable[int] | None = None) -> StateDelta:
    """The state of a whole event history (a replay); offsets default to 0."""
    if offsets is None:
        return fold((event, 0) for event in events)
    return fold(zip(events, offsets, strict=True))


# -- per-type handlers -------------------------------------------------------------------------


def _max(row: Row, name: str, value: Any) -> None:
    current = row.get(name)
    if current is None or value > current:
        row[name] = value


def _latest(row: Row, group: str, at: list[Any], **values: Any) -> None:
    at_field = group + "_at"
    current = row.get(at_field)
    if current is None or at > current:
        row[at_field] = at
        row.update(values)


Apply = Callable[[Row, Any, list[Any]], None]
Handler = Callable[[Any], tuple[str, Key, Apply]]


def _player_location(row: Row, event: Any, at: list[Any]) -> None:
    _latest(row, "location", at, location=event.payload.to_location)


def _session_joined(row: Row, event: Any, at: list[Any]) -> None:
    if event.payload.location is not None:
        _latest(row, "location", at, location=event.payload.location)
    _latest(row, "status", at, status="online")


def _session_left(row: Row, event: Any, at: list[Any]) -> None:
    _latest(row, "status", at, status="offline")


def _quest(row: Row, event: Any, at: list[Any]) -> None:
    _latest(row, "status", at, status=QUEST_STATUS[event.type])
    _max(row, "step", event.payload.step if event.type is EventType.QUEST_PROGRESSED else 0)


def _npc(row: Row, event: Any, at: list[Any]) -> None:
    payload = event.payload
    if payload.status is not None:
        _latest(row, "status", at, status=payload.status)
    if payload.location is not None:
        _latest(row, "location", at, location=payload.location)
    if payload.mood is not None:
        _latest(row, "mood", at, mood=payload.mood)


def _relation(row: Row, event: Any, at: list[Any]) -> None:
    row["affinity"] = row.get("affinity", 0) + delta_micros(event.payload.delta)


def _faction(row: Row, event: Any, at: list[Any]) -> None:
    row["reputation"] = row.get("reputation", 0) + delta_micros(event.payload.delta)


def _trade(row: Row, event: Any, at: list[Any]) -> None:
    _latest(row, "price", at, price=float(event.payload.unit_price))


def _price(row: Row, event: Any, at: list[Any]) -> None:
    _latest(row, "price", at, price=float(event.payload.price))


def _weather(row: Row, event: Any, at: list[Any]) -> None:
    p = event.payload
    _latest(row, "weather", at, weather=p.condition, temperature_c=p.temperature_c, wind=p.wind)


def _clock(row: Row, event: Any, at: list[Any]) -> None:
    _latest(
        row, "clock", at, game_day=event.payload.game_day, game_minute=event.payload.game_minute
    )


def _player_key(apply: Apply) -> Handler:
    return lambda event: (PLAYERS, (event.world_id, event.actor), apply)


def _quest_handler(event: Any) -> tuple[str, Key, Apply]:
    return QUESTS, (event.world_id, event.actor, event.payload.quest_id), _quest


_HANDLERS: Final[dict[EventType, Handler]] = {
    EventType.PLAYER_MOVED: _player_key(_player_location),
    EventType.SESSION_JOINED: _player_key(_session_joined),
    EventType.SESSION_LEFT: _player_key(_session_left),
    EventType.QUEST_STARTED: _quest_handler,
    EventType.QUEST_PROGRESSED: _quest_handler,
    EventType.QUEST_COMPLETED: _quest_handler,
    EventType.QUEST_FAILED: _quest_handler,
    EventType.NPC_STATE_CHANGED: lambda e: (NPCS, (e.world_id, e.payload.npc_id), _npc),
    EventType.NPC_RELATIONSHIP_CHANGED: lambda e: (
        NPC_RELATIONS,
        (e.world_id, e.payload.npc_id, e.payload.player_id),
        _relation,
    ),
    EventType.FACTION_REPUTATION_CHANGED: lambda e: (
        FACTIONS,
        (e.world_id, e.payload.faction_id, e.payload.player_id),
        _faction,
    ),
    EventType.ECONOMY_TRADE: lambda e: (ECONOMY, (e.world_id, e.payload.item), _trade),
    EventType.ECONOMY_PRICE_CHANGED: lambda e: (ECONOMY, (e.world_id, e.payload.item), _price),
}

_WORLD_HANDLERS: Final[dict[EventType, Apply]] = {
    EventType.WEATHER_CHANGED: _weather,
    EventType.CLOCK_TICK: _clock,
}

_LATEST_TYPES: Final = frozenset(_HANDLERS) - {
    EventType.NPC_RELATIONSHIP_CHANGED,
    EventType.FACTION_REPUTATION_CHANGED,
} | frozenset(_WORLD_HANDLERS)
_NO_AT: Final[list[Any]] = []


# -- the public (API) view of a row ------------------------------------------------------------

PUBLIC_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    PLAYERS: ("location", "status", "updated_at"),
    QUESTS: ("status", "step", "updated_at"),
    NPCS: ("status", "location", "mood", "updated_at"),
    NPC_RELATIONS: ("affinity", "updated_at"),
    FACTIONS: ("reputation", "updated_at"),
    WORLD: (
        "weather",
        "temperature_c",
        "wind",
        "game_day",
        "game_minute",
        "events_applied",
        "last_event_at",
        "last_offset",
    ),
    ECONOMY: ("price", "updated_at"),
}
"""The fields a state row exposes; `*_at` times as microseconds, sums as micro-units."""


def public_view(delta: StateDelta) -> dict[str, dict[Key, dict[str, Any]]]:
    """Comparable form of a state: table -> key -> public fields (missing fields as None/0)."""
    view: dict[str, dict[Key, dict[str, Any]]] = {}
    for table, rows in delta.rows.items():
        spec = SPECS[table]
        defaults = {name: 0 for name in (*spec.sums, "step")}
        view[table] = {
            key: {name: row.get(name, defaults.get(name)) for name in PUBLIC_FIELDS[table]}
            for key, row in rows.items()
        }
    return view
