"""The closed set of event types this version of the contract knows."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What happened; the value is the `type` string on the wire (`<domain>.<verb>`)."""

    PLAYER_ACTION = "player.action"
    PLAYER_MOVED = "player.moved"
    DIALOGUE_LINE = "dialogue.line"
    QUEST_STARTED = "quest.started"
    QUEST_PROGRESSED = "quest.progressed"
    QUEST_COMPLETED = "quest.completed"
    QUEST_FAILED = "quest.failed"
    NPC_STATE_CHANGED = "npc.state_changed"
    NPC_RELATIONSHIP_CHANGED = "npc.relationship_changed"
    FACTION_REPUTATION_CHANGED = "faction.reputation_changed"
    ECONOMY_TRADE = "economy.trade"
    ECONOMY_PRICE_CHANGED = "economy.price_changed"
    WEATHER_CHANGED = "weather.changed"
    CLOCK_TICK = "clock.tick"
    PAYMENT_PURCHASE = "payment.purchase"
    SESSION_JOINED = "session.joined"
    SESSION_LEFT = "session.left"
