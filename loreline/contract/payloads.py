"""One payload model per event type. Unknown fields are rejected; floats must be finite."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from loreline.contract.event_types import EventType
from loreline.contract.field_types import (
    CurrencyCode,
    Delta,
    DialogueText,
    Id,
    Label,
    MinuteOfDay,
    NonNegativeAmount,
    NonNegativeInt,
    Note,
    PositiveInt,
)


class Payload(BaseModel):
    """Base of every payload model."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class PlayerActionPayload(Payload):
    action: Label
    target: Id | None = None
    location: Id | None = None


class PlayerMovedPayload(Payload):
    from_location: Id | None = None
    to_location: Id


class DialogueLinePayload(Payload):
    speaker: Id
    text: DialogueText
    listeners: list[Id] = Field(default_factory=list)
    location: Id | None = None


class QuestStartedPayload(Payload):
    quest_id: Id


class QuestProgressedPayload(Payload):
    quest_id: Id
    step: PositiveInt
    objective: Note | None = None


class QuestCompletedPayload(Payload):
    quest_id: Id
    reward_gold: NonNegativeInt = 0


class QuestFailedPayload(Payload):
    quest_id: Id
    reason: Note | None = None


class NpcStateChangedPayload(Payload):
    npc_id: Id
    status: Label | None = None
    location: Id | None = None
    mood: Label | None = None


class NpcRelationshipChangedPayload(Payload):
    npc_id: Id
    player_id: Id
    delta: Delta
    reason: Note | None = None


class FactionReputationChangedPayload(Payload):
    faction_id: Id
    player_id: Id
    delta: Delta
    reason: Note | None = None


class EconomyTradePayload(Payload):
    item: Id
    quantity: PositiveInt
    unit_price: NonNegativeAmount
    buyer: Id | None = None
    seller: Id | None = None
    location: Id | None = None


class EconomyPriceChangedPayload(Payload):
    item: Id
    price: NonNegativeAmount
    location: Id | None = None


class WeatherChangedPayload(Payload):
    condition: Label
    temperature_c: float | None = None
    wind: Label | None = None


class ClockTickPayload(Payload):
    game_day: NonNegativeInt
    game_minute: MinuteOfDay


class PaymentPurchasePayload(Payload):
    sku: Id
    amount_cents: NonNegativeInt
    currency: CurrencyCode
    provider: Id
    transaction_id: Id


class SessionJoinedPayload(Payload):
    location: Id | None = None
    client: Label | None = None


class SessionLeftPayload(Payload):
    reason: Note | None = None


PAYLOAD_MODELS: Final[Mapping[EventType, type[Payload]]] = MappingProxyType(
    {
        EventType.PLAYER_ACTION: PlayerActionPayload,
        EventType.PLAYER_MOVED: PlayerMovedPayload,
        EventType.DIALOGUE_LINE: DialogueLinePayload,
        EventType.QUEST_STARTED: QuestStartedPayload,
        EventType.QUEST_PROGRESSED: QuestProgressedPayload,
        EventType.QUEST_COMPLETED: QuestCompletedPayload,
        EventType.QUEST_FAILED: QuestFailedPayload,
        EventType.NPC_STATE_CHANGED: NpcStateChangedPayload,
        EventType.NPC_RELATIONSHIP_CHANGED: NpcRelationshipChangedPayload,
        EventType.FACTION_REPUTATION_CHANGED: FactionReputationChangedPayload,
        EventType.ECONOMY_TRADE: EconomyTradePayload,
        EventType.ECONOMY_PRICE_CHANGED: EconomyPriceChangedPayload,
        EventType.WEATHER_CHANGED: WeatherChangedPayload,
        EventType.CLOCK_TICK: ClockTickPayload,
        EventType.PAYMENT_PURCHASE: PaymentPurchasePayload,
        EventType.SESSION_JOINED: SessionJoinedPayload,
        EventType.SESSION_LEFT: SessionLeftPayload,
    }
)
"""The payload model of each event type."""

AnyPayload = (
    PlayerActionPayload
    | PlayerMovedPayload
    | DialogueLinePayload
    | QuestStartedPayload
    | QuestProgressedPayload
    | QuestCompletedPayload
    | QuestFailedPayload
    | NpcStateChangedPayload
    | NpcRelationshipChangedPayload
    | FactionReputationChangedPayload
    | EconomyTradePayload
    | EconomyPriceChangedPayload
    | WeatherChangedPayload
    | ClockTickPayload
    | PaymentPurchasePayload
    | SessionJoinedPayload
    | SessionLeftPayload
)
"""Static type of `Event.payload` (narrow it with `isinstance` or through the typed event class)."""
