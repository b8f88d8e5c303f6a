"""How the decoder classifies and reports bad records and bad events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loreline.contract import (
    SCHEMA_VERSION,
    Encoding,
    EventRejectedError,
    EventType,
    Rejection,
    RejectionKind,
    decode_batch,
    decode_event,
    encode_batch,
)
from loreline.contract.wire_codecs import pack_msgpack
from tests.contract.sample_events import full_event, mixed_batch
from tests.contract.wire_items import decode_object, record, wire_item

pytestmark = pytest.mark.unit

ENCODINGS = pytest.mark.parametrize("encoding", list(Encoding), ids=["json", "msgpack"])


def _single_rejection(data: bytes, content_type: str | None) -> Rejection:
    result = decode_batch(data, content_type)
    assert result.events == []
    assert len(result.rejections) == 1
    return result.rejections[0]


@ENCODINGS
def test_one_invalid_event_rejects_only_itself(encoding: Encoding) -> None:
    events = mixed_batch()[:5]
    items = [wire_item(event, encoding) for event in events]
    items.insert(2, wire_item(full_event(EventType.QUEST_PROGRESSED), encoding))
    items[2]["payload"]["step"] = 0

    result = decode_batch(record(items, encoding), encoding.value)

    assert result.events == events
    [rejection] = result.rejections
    assert rejection.index == 2
    assert rejection.kind is RejectionKind.VALIDATION
    assert rejection.field == "payload.step"
    assert "payload.step" in rejection.reason and "greater than or equal to 1" in rejection.reason
    assert decode_object(rejection.raw, encoding) == items[2]


@ENCODINGS
def test_naive_datetime_is_a_validation_error_on_occurred_at(encoding: Encoding) -> None:
    item = wire_item(full_event(EventType.CLOCK_TICK), encoding)
    item["occurred_at"] = "2031-05-04T10:20:30"

    rejection = _single_rejection(record([item], encoding), encoding.value)

    assert rejection.kind is RejectionKind.VALIDATION
    assert rejection.field == "occurred_at"
    assert "timezone" in rejection.reason


@ENCODINGS
def test_offset_datetime_is_normalised_to_utc(encoding: Encoding) -> None:
    item = wire_item(full_event(EventType.CLOCK_TICK), encoding)
    item["occurred_at"] = "2031-05-04T12:20:30.5+02:00"

    [event] = decode_batch(record([item], encoding), encoding.value).events

    assert event.occurred_at == datetime(2031, 5, 4, 10, 20, 30, 500000, tzinfo=UTC)
    assert event.occurred_at.tzinfo is UTC


@ENCODINGS
def test_newer_schema_version_asks_to_upgrade_the_consumer(encoding: Encoding) -> None:
    item = wire_item(full_event(EventType.PLAYER_ACTION), encoding)
    item["schema_version"] = SCHEMA_VERSION + 1
    item["payload"]["new_v2_field"] = "x"  # a v2 event may well carry fields v1 does not know

    rejection = _single_rejection(record([item], encoding), encoding.value)

    assert rejection.kind is RejectionKind.SCHEMA_VERSION
    assert rejection.field == "schema_version"
    assert "upgrade the consumer" in rejection.reason


@ENCODINGS
def test_newer_batch_format_rejects_the_record_as_schema_version(encoding: Encoding) -> None:
    data = record([wire_item(full_event(EventType.PLAYER_ACTION), encoding)], encoding, version=2)

    rejection = _single_rejection(data, encoding.value)

    assert rejection.kind is RejectionKind.SCHEMA_VERSION
    assert rejection.index is None
    assert rejection.raw == data
    assert "upgrade the consumer" in rejection.reason


@ENCODINGS
def test_unknown_type_is_its_own_kind(encoding: Encoding) -> None:
    item = wire_item(full_event(EventType.PLAYER_ACTION), encoding)
    item["type"] = "player.teleported"

    rejection = _single_rejection(record([item], encoding), encoding.value)

    assert rejection.kind is RejectionKind.UNKNOWN_TYPE
    assert rejection.field == "type"
    assert "player.teleported" in rejection.reason


@ENCODINGS
@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("payload", "unexpected"), 1, "payload.unexpected"),
        (("payload", "delta"), 100.5, "payload.delta"),
        (("payload", "listeners"), ["ok", ""], "payload.listeners[1]"),
        (("world_id",), "Salt Marsh", "world_id"),
        (("actor",), "x" * 129, "actor"),
        (("event_id",), "not-a-uuid", "event_id"),
        (("extra_envelope_field",), 1, "extra_envelope_field"),
        (("schema_version",), 0, "schema_version"),
    ],
)
def test_validation_errors_name_the_field(
    encoding: Encoding, path: tuple[str, ...], value: object, field: str
) -> None:
    event_type = (
        EventType.DIALOGUE_LINE if "listeners" in path else EventType.NPC_RELATIONSHIP_CHANGED
    )
    item = wire_item(full_event(event_type), encoding)
    target = item
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    rejection = _single_rejection(record([item], encoding), encoding.value)

    assert rejection.kind is RejectionKind.VALIDATION
    assert rejection.field == field
    assert rejection.reason.startswith(field)


@ENCODINGS
def test_quest_and_session_events_require_an_actor(encoding: Encoding) -> None:
    for event_type in (EventType.QUEST_STARTED, EventType.SESSION_LEFT):
        item = wire_item(full_event(event_type), encoding)
        del item["actor"]

        rejection = _single_rejection(record([item], encoding), encoding.value)

        assert (rejection.kind, rejection.field) == (RejectionKind.VALIDATION, "actor")
        assert rejection.reason == f"actor: {event_type} events require an actor (the player)"


@ENCODINGS
def test_non_finite_floats_are_rejected(encoding: Encoding) -> None:
    item = wire_item(full_event(EventType.WEATHER_CHANGED), encoding)
    item["payload"]["temperature_c"] = float("inf")

    rejection = _single_rejection(record([item], encoding), encoding.value)

    assert (rejection.kind, rejection.field) == (RejectionKind.VALIDATION, "payload.temperature_c")


@ENCODINGS
def test_missing_and_bad_type_values_are_validation_errors(encoding: Encoding) -> None:
    missing = wire_item(full_event(EventType.PLAYER_ACTION), encoding)
    del missing["type"]
    numeric = wire_item(full_event(EventType.PLAYER_ACTION), encoding)
    numeric["type"] = 7

    result = decode_batch(record([missing, numeric, "not an event"], encoding), encoding.value)

    kinds = [(r.index, r.kind, r.field) for r in result.rejections]
    assert kinds == [
        (0, RejectionKind.VALIDATION, "type"),
        (1, RejectionKind.VALIDATION, "type"),
        (2, RejectionKind.VALIDATION, None),
    ]


@pytest.mark.parametrize(
    ("data", "content_type", "words"),
    [
        (b"\xff\x00garbage", "application/json", "not valid JSON"),
        (b"\xc1", "application/msgpack", "not valid msgpack"),
        (b"[1, 2]", "application/json", "batch object"),
        (b'{"events": []}', "application/json", "'v'"),
        (b'{"v": 1, "events": {}}', "application/json", "'events' must be a list"),
        (b'{"v": "1", "events": []}', "application/json", "positive integer"),
        (b'{"v": 1, "events": []}', None, "missing content-type"),
        (b'{"v": 1, "events": []}', "text/csv", "unknown content type"),
    ],
)
def test_record_level_problems_are_decode_rejections(
    data: bytes, content_type: str | None, words: str
) -> None:
    rejection = _single_rejection(data, content_type)

    assert rejection.kind is RejectionKind.DECODE
    assert rejection.index is None
    assert rejection.raw == data
    assert words in rejection.reason


def test_decode_and_validation_rejections_are_distinguishable() -> None:
    decode = _single_rejection(b"{not json", "application/json")
    item = wire_item(full_event(EventType.CLOCK_TICK), Encoding.JSON)
    item["payload"]["game_minute"] = 1440
    validation = _single_rejection(record([item], Encoding.JSON), "application/json")

    assert (decode.kind, decode.index, decode.field) == (RejectionKind.DECODE, None, None)
    assert (validation.kind, validation.index, validation.field) == (
        RejectionKind.VALIDATION,
        0,
        "payload.game_minute",
    )


def test_content_type_header_is_read_leniently() -> None:
    data = encode_batch(mixed_batch(), Encoding.MSGPACK)

    for header in (b"application/msgpack", "Application/MsgPack; v=1", "application/x-msgpack"):
        assert decode_batch(data, header).events == mixed_batch()


def test_empty_batch_is_valid_and_empty() -> None:
    result = decode_batch(pack_msgpack({"v": 1, "events": []}), Encoding.MSGPACK.value)

    assert (result.events, result.rejections, result.ok) == ([], [], True)


def test_non_bytes_record_is_rejected_not_raised() -> None:
    rejection = _single_rejection(None, "application/json")  # type: ignore[arg-type]

    assert rejection.kind is RejectionKind.DECODE


def test_decode_event_raises_a_value_error_carrying_the_rejection() -> None:
    item = wire_item(full_event(EventType.PLAYER_ACTION), Encoding.JSON)
    item["type"] = "nope"

    with pytest.raises(EventRejectedError) as caught:
        decode_event(record([item], Encoding.JSON), "application/json")  # a batch, not an event
    assert caught.value.rejection.kind is RejectionKind.VALIDATION

    with pytest.raises(ValueError, match=r"unknown event type 'nope'"):
        decode_event(__import__("json").dumps(item).encode(), "application/json")


def test_happy_path_never_classifies_events_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    import loreline.contract.decoding as decoding

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("per-event handling on the happy path")

    monkeypatch.setattr(decoding, "reject_event", forbidden)
    monkeypatch.setattr(decoding, "_triage_one_by_one", forbidden)
    for encoding in Encoding:
        data = encode_batch(mixed_batch() * 10, encoding)
        assert decode_batch(data, encoding.value).events == mixed_batch() * 10


def test_rejection_describes_itself_in_one_line() -> None:
    rejection = Rejection(
        3, RejectionKind.VALIDATION, "payload.step: too small", "payload.step", b""
    )

    assert rejection.describe() == "event 3 validation (payload.step): payload.step: too small"


def test_an_internal_failure_becomes_a_logged_decode_rejection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import loreline.contract.decoding as decoding

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(decoding, "_triage_batch", broken)
    data = encode_batch(mixed_batch(), Encoding.MSGPACK)

    rejection = _single_rejection(data, Encoding.MSGPACK.value)

    assert rejection.kind is RejectionKind.DECODE
    assert "unexpected decoder failure: RuntimeError: boom" in rejection.reason
    assert rejection.raw == data
    assert "decoder failed unexpectedly" in caplog.text
