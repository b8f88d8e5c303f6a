"""Fixed, deterministic events: per type, one with every field set and one with only the required.

The golden files in `golden/` are these events encoded; changing a sample means regenerating them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from loreline.contract import Event, EventType

WORLD: Final = "saltmarch"
OCCURRED_AT: Final = datetime(2031, 5, 4, 10, 20, 30, 123456, tzinfo=UTC)

FULL_PAYLOADS: Final[dict[EventType, dict[str, Any]]] = {
    EventType.PLAYER_ACTION: {"action": "haggle", "target": "npc-marla", "location": "fish-market"},
    EventType.PLAYER_MOVED: {"from_location": "fish-market", "to_location": "lighthouse"},
    EventType.DIALOGUE_LINE: {
        "speaker": "npc-marla",
        "text": "Salt keeps the fish, lass — and the secrets. 🐟",
        "listeners": ["player-ada", "npc-tomas"],
        "location": "fish-market",
    },
    EventType.QUEST_STARTED: {"quest_id": "q-drowned-bell"},
    EventType.QUEST_PROGRESSED: {
        "quest_id": "q-drowned-bell",
        "step": 2,
        "objective": "Find the bell rope",
    },
    EventType.QUEST_COMPLETED: {"quest_id": "q-drowned-bell", "reward_gold": 150},
    EventType.QUEST_FAILED: {"quest_id": "q-smugglers", "reason": "The tide came in"},
    EventType.NPC_STATE_CHANGED: {
        "npc_id": "npc-tomas",
        "status": "asleep",
        "location": "tavern",
        "mood": "grumpy",
    },
    EventType.NPC_RELATIONSHIP_CHANGED: {
        "npc_id": "npc-marla",
        "player_id": "player-ada",
        "delta": 12.5,
        "reason": "returned the lost net",
    },
    EventType.FACTION_REPUTATION_CHANGED: {
        "faction_id": "fishers-guild",
        "player_id": "player-ada",
        "delta": -7.25,
        "reason": "sold to smugglers",
    },
    EventType.ECONOMY_TRADE: {
        "item": "salted-cod",
        "quantity": 3,
        "unit_price": 4.75,
        "buyer": "player-ada",
        "seller": "npc-marla",
        "location": "fish-market",
    },
    EventType.ECONOMY_PRICE_CHANGED: {
        "item": "salted-cod",
        "price": 5.0,
        "location": "fish-market",
    },
    EventType.WEATHER_CHANGED: {"condition": "fog", "temperature_c": -3.5, "wind": "north-east"},
    EventType.CLOCK_TICK: {"game_day": 42, "game_minute": 1439},
    EventType.PAYMENT_PURCHASE: {
        "sku": "lantern-skin",
        "amount_cents": 499,
        "currency": "EUR",
        "provider": "stripe",
        "transaction_id": "txn-0001",
    },
    EventType.SESSION_JOINED: {"location": "harbour", "client": "desktop-1.4.2"},
    EventType.SESSION_LEFT: {"reason": "logout"},
}

MINIMAL_PAYLOADS: Final[dict[EventType, dict[str, Any]]] = {
    EventType.PLAYER_ACTION: {"action": "wave"},
    EventType.PLAYER_MOVED: {"to_location": "harbour"},
    EventType.DIALOGUE_LINE: {"speaker": "player-ada", "text": "Hi"},
    EventType.QUEST_STARTED: {"quest_id": "q1"},
    EventType.QUEST_PROGRESSED: {"quest_id": "q1", "step": 1},
    EventType.QUEST_COMPLETED: {"quest_id": "q1"},
    EventType.QUEST_FAILED: {"quest_id": "q1"},
    EventType.NPC_STATE_CHANGED: {"npc_id": "npc-1"},
    EventType.NPC_RELATIONSHIP_CHANGED: {"npc_id": "npc-1", "player_id": "p1", "delta": 0.0},
    EventType.FACTION_REPUTATION_CHANGED: {"faction_id": "f1", "player_id": "p1", "delta": 100.0},
    EventType.ECONOMY_TRADE: {"item": "rope", "quantity": 1, "unit_price": 0.0},
    EventType.ECONOMY_PRICE_CHANGED: {"item": "rope", "price": 0.5},
    EventType.WEATHER_CHANGED: {"condition": "clear"},
    EventType.CLOCK_TICK: {"game_day": 0, "game_minute": 0},
    EventType.PAYMENT_PURCHASE: {
        "sku": "s",
        "amount_cents": 0,
        "currency": "USD",
        "provider": "p",
        "transaction_id": "t",
    },
    EventType.SESSION_JOINED: {},
    EventType.SESSION_LEFT: {},
}

_NEEDS_ACTOR: Final = ("quest.", "session.")


def full_event(event_type: EventType) -> Event:
    """The event of `event_type` with every envelope and payload field set."""
    number = list(EventType).index(event_type)
    return Event.new(
        event_type,
        WORLD,
        FULL_PAYLOADS[event_type],
        actor="player-ada",
        session_id="sess-7",
        occurred_at=OCCURRED_AT,
        event_id=UUID(int=0x10000 + number),
    )


def minimal_event(event_type: EventType) -> Event:
    """The event of `event_type` with only the required fields set."""
    number = list(EventType).index(event_type)
    needs_actor = event_type.value.startswith(_NEEDS_ACTOR)
    return Event.new(
        event_type,
        "w0",
        MINIMAL_PAYLOADS[event_type],
        actor="p1" if needs_actor else None,
        occurred_at=datetime(2030, 1, 1, tzinfo=UTC),
        event_id=UUID(int=0x20000 + number),
    )


def sample_batch(event_type: EventType) -> list[Event]:
    """The golden batch of a type: its full event, then its minimal event."""
    return [full_event(event_type), minimal_event(event_type)]


def mixed_batch() -> list[Event]:
    """One full event of every type, in `EventType` order."""
    return [full_event(event_type) for event_type in EventType]
