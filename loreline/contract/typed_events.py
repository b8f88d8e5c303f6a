"""One concrete event class per type: `type` narrowed to a literal, `payload` to that type's model.

Quest and session events are about a player, so they require `actor`.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import Field

from loreline.contract.event import Event, bind_event_union
from loreline.contract.event_types import EventType
from loreline.contract.field_types import Id
from loreline.contract.payloads import (
    ClockTickPayload,
    DialogueLinePayload,
    EconomyPriceChangedPayload,
    EconomyTradePayload,
    FactionReputationChangedPayload,
    NpcRelationshipChangedPayload,
    NpcStateChangedPayload,
    PaymentPurchasePayload,
    PlayerActionPayload,
    PlayerMovedPayload,
    QuestCompletedPayload,
    QuestFailedPayload,
    QuestProgressedPayload,
    QuestStartedPayload,
    SessionJoinedPayload,
    SessionLeftPayload,
    WeatherChangedPayload,
)


class PlayerActionEvent(Event):
    type: Literal[EventType.PLAYER_ACTION] = EventType.PLAYER_ACTION
    payload: PlayerActionPayload


class PlayerMovedEvent(Event):
    type: Literal[EventType.PLAYER_MOVED] = EventType.PLAYER_MOVED
    payload: PlayerMovedPayload


class DialogueLineEvent(Event):
    type: Literal[EventType.DIALOGUE_LINE] = EventType.DIALOGUE_LINE
    payload: DialogueLinePayload


class QuestStartedEvent(Event):
    type: Literal[EventType.QUEST_STARTED] = EventType.QUEST_STARTED
    actor: Id
    payload: QuestStartedPayload


class QuestProgressedEvent(Event):
    type: Literal[EventType.QUEST_PROGRESSED] = EventType.QUEST_PROGRESSED
    actor: Id
    payload: QuestProgressedPayload


class QuestCompletedEvent(Event):
    type: Literal[EventType.QUEST_COMPLETED] = EventType.QUEST_COMPLETED
    actor: Id
    payload: QuestCompletedPayload


class QuestFailedEvent(Event):
    type: Literal[EventType.QUEST_FAILED] = EventType.QUEST_FAILED
    actor: Id
    payload: QuestFailedPayload


class NpcStateChangedEvent(Event):
    type: Literal[EventType.NPC_STATE_CHANGED] = EventType.NPC_STATE_CHANGED
    payload: NpcStateChangedPayload


class NpcRelationshipChangedEvent(Event):
    type: Literal[EventType.NPC_RELATIONSHIP_CHANGED] = EventType.NPC_RELATIONSHIP_CHANGED
    payload: NpcRelationshipChangedPayload


class FactionReputationChangedEvent(Event):
    type: Literal[EventType.FACTION_REPUTATION_CHANGED] = EventType.FACTION_REPUTATION_CHANGED
    payload: FactionReputationChangedPayload


class EconomyTradeEvent(Event):
    type: Literal[EventType.ECONOMY_TRADE] = EventType.ECONOMY_TRADE
    payload: EconomyTradePayload


class EconomyPriceChangedEvent(Event):
    type: Literal[EventType.ECONOMY_PRICE_CHANGED] = EventType.ECONOMY_PRICE_CHANGED
    payload: EconomyPriceChangedPayload


class WeatherChangedEvent(Event):
    type: Literal[EventType.WEATHER_CHANGED] = EventType.WEATHER_CHANGED
    payload: WeatherChangedPayload


class ClockTickEvent(Event):
    type: Literal[EventType.CLOCK_TICK] = EventType.CLOCK_TICK
    payload: ClockTickPayload


class PaymentPurchaseEvent(Event):
    type: Literal[EventType.PAYMENT_PURCHASE] = EventType.PAYMENT_PURCHASE
    payload: PaymentPurchasePayload


class SessionJoinedEvent(Event):
    type: Literal[EventType.SESSION_JOINED] = EventType.SESSION_JOINED
    actor: Id
    payload: SessionJoinedPayload


class SessionLeftEvent(Event):
    type: Literal[EventType.SESSION_LEFT] = EventType.SESSION_LEFT
    actor: Id
    payload: SessionLeftPayload


AnyEvent = Annotated[
    PlayerActionEvent
    | PlayerMovedEvent
    | DialogueLineEvent
    | QuestStartedEvent
    | QuestProgressedEvent
    | QuestCompletedEvent
    | QuestFailedEvent
    | NpcStateChangedEvent
    | NpcRelationshipChangedEvent
    | FactionReputationChangedEvent
    | EconomyTradeEvent
    | EconomyPriceChangedEvent
    | WeatherChangedEvent
    | ClockTickEvent
    | PaymentPurchaseEvent
    | SessionJoinedEvent
    | SessionLeftEvent,
    Field(discriminator="type"),
]
"""The discriminated union of every typed event (tag: `type`)."""

EVENT_CLASSES: Final = (
    PlayerActionEvent,
    PlayerMovedEvent,
    DialogueLineEvent,
    QuestStartedEvent,
    QuestProgressedEvent,
    QuestCompletedEvent,
    QuestFailedEvent,
    NpcStateChangedEvent,
    NpcRelationshipChangedEvent,
    FactionReputationChangedEvent,
    EconomyTradeEvent,
    EconomyPriceChangedEvent,
    WeatherChangedEvent,
    ClockTickEvent,
    PaymentPurchaseEvent,
    SessionJoinedEvent,
    SessionLeftEvent,
)

# Completes the definition of `Event`: validating it dispatches on `type` to the classes above.
bind_event_union(AnyEvent)
