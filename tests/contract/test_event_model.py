"""The envelope and payload models: construction, dispatch on type, constraints, storage rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from pydantic import BaseModel, ValidationError

from loreline.contract import (
    EVENT_CLASSES,
    GLOBAL_WORLD,
    PAYLOAD_MODELS,
    SCHEMA_VERSION,
    Event,
    EventType,
    PlayerActionPayload,
    QuestProgressedEvent,
    QuestProgressedPayload,
    event_class,
)
from tests.contract.sample_events import FULL_PAYLOADS, full_event

pytestmark = pytest.mark.unit


def _error_fields(error: ValidationError) -> list[str]:
    return [".".join(str(part) for part in e["loc"]) for e in error.errors()]


def test_every_type_has_a_class_and_a_payload_model() -> None:
    assert {cls.model_fields["type"].default for cls in EVENT_CLASSES} == set(EventType)
    assert set(PAYLOAD_MODELS) == set(EventType)
    for event_type in EventType:
        assert (
            event_class(event_type).model_fields["payload"].annotation is PAYLOAD_MODELS[event_type]
        )


def test_new_fills_id_time_and_version_and_returns_the_typed_class() -> None:
    before = datetime.now(UTC)
    event = Event.new("quest.progressed", "saltmarch", {"quest_id": "q1", "step": 2}, actor="ada")

    assert isinstance(event, QuestProgressedEvent)
    assert isinstance(event.payload, QuestProgressedPayload)
    assert event.event_id.version == 4
    assert before <= event.occurred_at <= datetime.now(UTC)
    assert event.occurred_at.tzinfo is UTC
    assert event.schema_version == SCHEMA_VERSION
    assert event.type is EventType.QUEST_PROGRESSED


def test_constructor_and_model_validate_dispatch_on_type() -> None:
    source = full_event(EventType.ECONOMY_TRADE)
    fields = source.model_dump()

    assert type(Event(**fields)) is type(source)
    assert Event(**fields) == source
    assert Event.model_validate(fields) == source
    assert Event.model_validate_json(source.model_dump_json()) == source


def test_event_is_usable_as_a_field_of_other_models() -> None:
    class Envelope(BaseModel):
        events: list[Event]

    events = [full_event(EventType.CLOCK_TICK), full_event(EventType.SESSION_JOINED)]
    parsed = Envelope.model_validate_json(Envelope(events=events).model_dump_json())

    assert parsed.events == events
    assert "oneOf" in json.dumps(Event.model_json_schema())


def test_payload_model_must_match_the_type() -> None:
    with pytest.raises(ValidationError) as caught:
        Event.new("quest.started", "w", PlayerActionPayload(action="wave"), actor="ada")
    assert _error_fields(caught.value) == ["payload"]


def test_unknown_type_in_new_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"unknown event type 'player\.flew'"):
        Event.new("player.flew", "w", {})


def test_naive_datetime_is_rejected_and_offsets_become_utc() -> None:
    with pytest.raises(ValidationError) as caught:
        Event.new(
            "clock.tick", "w", {"game_day": 1, "game_minute": 0}, occurred_at=datetime(2030, 1, 1)
        )
    assert _error_fields(caught.value) == ["occurred_at"]

    plus_two = timezone(timedelta(hours=2))
    event = Event.new(
        "clock.tick",
        "w",
        {"game_day": 1, "game_minute": 0},
        occurred_at=datetime(2030, 1, 1, 2, tzinfo=plus_two),
    )
    assert event.occurred_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert event.occurred_at.tzinfo is UTC


def test_datetime_out_of_range_in_utc_is_a_validation_error() -> None:
    late = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(ValidationError) as caught:
        Event.new("clock.tick", "w", {"game_day": 1, "game_minute": 0}, occurred_at=late)
    assert _error_fields(caught.value) == ["occurred_at"]


@pytest.mark.parametrize(
    ("event_type", "payload", "field"),
    [
        ("quest.progressed", {"quest_id": "q", "step": 0}, "payload.step"),
        ("quest.completed", {"quest_id": "q", "reward_gold": -1}, "payload.reward_gold"),
        ("dialogue.line", {"speaker": "s", "text": ""}, "payload.text"),
        ("dialogue.line", {"speaker": "s", "text": "x" * 4001}, "payload.text"),
        (
            "npc.relationship_changed",
            {"npc_id": "n", "player_id": "p", "delta": 101},
            "payload.delta",
        ),
        (
            "weather.changed",
            {"condition": "fog", "temperature_c": float("nan")},
            "payload.temperature_c",
        ),
        ("economy.trade", {"item": "i", "quantity": 0, "unit_price": 1}, "payload.quantity"),
        ("economy.price_changed", {"item": "i", "price": -0.5}, "payload.price"),
        ("clock.tick", {"game_day": 0, "game_minute": 1440}, "payload.game_minute"),
        (
            "payment.purchase",
            {**FULL_PAYLOADS[EventType.PAYMENT_PURCHASE], "currency": "eur"},
            "payload.currency",
        ),
        ("player.moved", {"to_location": "x" * 129}, "payload.to_location"),
        ("player.moved", {"to_location": "nul\x00byte"}, "payload.to_location"),
        ("player.moved", {"to_location": "dock", "teleport": True}, "payload.teleport"),
        ("session.left", {}, "actor"),
    ],
)
def test_payload_constraints_name_the_field(event_type: str, payload: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Event.new(event_type, "w", payload)
    assert field in _error_fields(caught.value)


@pytest.mark.parametrize("world_id", ["", "Saltmarch", "-x", "a" * 65, "salt marsh", "x\n"])
def test_world_id_must_be_a_slug(world_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Event.new("session.left", world_id, {}, actor="ada")
    assert _error_fields(caught.value) == ["world_id"]


def test_global_world_and_long_slugs_are_valid() -> None:
    assert Event.new("weather.changed", GLOBAL_WORLD, {"condition": "rain"}).world_id == "global"
    assert Event.new("weather.changed", "a" * 64, {"condition": "rain"}).world_id == "a" * 64


def test_events_are_frozen_and_hash_by_event_id() -> None:
    event = full_event(EventType.DIALOGUE_LINE)

    with pytest.raises(ValidationError):
        event.world_id = "elsewhere"  # type: ignore[misc]
    assert hash(event) == hash(full_event(EventType.DIALOGUE_LINE))
    assert len({event, full_event(EventType.DIALOGUE_LINE)}) == 1


def test_to_row_is_flat_with_sorted_compact_payload_json() -> None:
    event = full_event(EventType.ECONOMY_TRADE)

    row = event.to_row()

    assert row == {
        "event_id": UUID(int=0x10000 + list(EventType).index(EventType.ECONOMY_TRADE)),
        "world_id": "saltmarch",
        "type": "economy.trade",
        "occurred_at": event.occurred_at,
        "actor": "player-ada",
        "session_id": "sess-7",
        "schema_version": 1,
        "payload": '{"buyer":"player-ada","item":"salted-cod","location":"fish-market",'
        '"quantity":3,"seller":"npc-marla","unit_price":4.75}',
    }
    assert type(row["type"]) is str
