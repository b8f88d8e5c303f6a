"""Decoding records, and the dead-letter envelope."""

from __future__ import annotations

import pytest

from loreline.contract import Encoding, RejectionKind, encode_batch
from streams.ingest.dlq import dead_letter, parse_dead_letter
from streams.ingest.records import SourceRecord, decode_record

pytestmark = pytest.mark.unit


def record(
    value: bytes, key: bytes | None = b"saltmarch", ct: bytes = b"application/msgpack"
) -> SourceRecord:
    return SourceRecord(3, 17, value, key=key, headers=[("content-type", ct)], topic="game-events")


def test_valid_record(sim_events) -> None:
    decoded = decode_record(record(encode_batch(sim_events[:20], Encoding.MSGPACK)))
    assert decoded.events == sim_events[:20] and not decoded.rejections


def test_events_of_another_world_are_rejected(sim_events) -> None:
    foreign = sim_events[1].model_copy(update={"world_id": "elsewhere"})
    batch = [sim_events[0], foreign, sim_events[2]]
    decoded = decode_record(record(encode_batch(batch, Encoding.JSON), ct=b"application/json"))
    assert decoded.events == [sim_events[0], sim_events[2]]
    (rejection,) = decoded.rejections
    assert (rejection.index, rejection.kind, rejection.field) == (
        1,
        RejectionKind.VALIDATION,
        "world_id",
    )


def test_dead_letter_keeps_bytes_reason_and_provenance() -> None:
    raw = b"\xc1 not msgpack"
    decoded = decode_record(record(raw))
    assert decoded.rejections and decoded.rejections[0].kind is RejectionKind.DECODE
    key, value, headers = dead_letter(decoded)
    assert key == b"saltmarch"
    h = dict(headers)
    assert h["loreline-dlq-kind"] == b"decode"
    assert (h["loreline-source-partition"], h["loreline-source-offset"]) == (b"3", b"17")
    envelope = parse_dead_letter(value)
    assert envelope["record"] == raw
    assert envelope["source"] | {"timestamp_ms": None} == {
        "topic": "game-events",
        "partition": 3,
        "offset": 17,
        "key": "saltmarch",
        "timestamp_ms": None,
        "content_type": "application/msgpack",
    }
    assert envelope["rejections"][0]["reason"]
