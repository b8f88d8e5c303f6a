"""Property: whatever bytes arrive, decode_batch returns rejections with reasons; never raises."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loreline.contract import (
    DecodedBatch,
    Encoding,
    Event,
    EventType,
    RejectionKind,
    decode_batch,
)
from tests.contract.event_strategies import events, json_values
from tests.contract.wire_items import decode_object, encode_object, record, wire_item

pytestmark = pytest.mark.unit

BOUNDED = settings(max_examples=200, deadline=None)
PER_ENCODING = settings(max_examples=100, deadline=None)  # x2 encodings
content_types = st.sampled_from(
    [None, "", "text/plain", "application/json", "application/msgpack", "APPLICATION/JSON; x=1"]
)


def _assert_well_formed(result: DecodedBatch, data: bytes) -> None:
    assert isinstance(result, DecodedBatch)
    assert all(isinstance(event, Event) for event in result.events)
    for rejection in result.rejections:
        assert isinstance(rejection.kind, RejectionKind)
        assert rejection.reason.strip()
        assert isinstance(rejection.raw, bytes)
        if rejection.index is None:
            assert rejection.raw == data


@BOUNDED
@given(data=st.binary(max_size=2048), content_type=content_types)
def test_random_bytes_never_raise(data: bytes, content_type: str | None) -> None:
    result = decode_batch(data, content_type)

    _assert_well_formed(result, data)
    assert result.events or result.rejections or data.strip().startswith((b"{", b"\x82", b"\x81"))


@pytest.mark.parametrize("encoding", list(Encoding))
@PER_ENCODING
@given(value=json_values)
def test_random_structures_never_raise(encoding: Encoding, value: Any) -> None:
    data = encode_object(value, encoding)
    result = decode_batch(data, encoding.value)

    _assert_well_formed(result, data)
    assert result.events == []
    assert len(result.rejections) == 1
    assert result.rejections[0].kind is RejectionKind.DECODE


@pytest.mark.parametrize("encoding", list(Encoding))
@PER_ENCODING
@given(version=json_values, items=st.lists(json_values, max_size=5))
def test_random_batches_never_raise(encoding: Encoding, version: Any, items: list[Any]) -> None:
    data = record(items, encoding, version)
    result = decode_batch(data, encoding.value)

    _assert_well_formed(result, data)
    if result.rejections and result.rejections[0].index is None:
        assert result.events == []
    else:
        assert version == 1
        assert sorted(r.index or 0 for r in result.rejections) == list(range(len(items)))


_ENVELOPE_KEYS = ["event_id", "world_id", "type", "occurred_at", "actor", "session_id"]
_MORE_KEYS = ["schema_version", "payload", "extra"]


@st.composite
def mutated_batches(
    draw: st.DrawFn, encoding: Encoding
) -> tuple[list[Event], list[Any], list[bool]]:
    """Valid events as wire items, some of them broken: a key deleted, replaced or added."""
    originals = draw(st.lists(events(), min_size=1, max_size=6))
    items: list[Any] = []
    mutated: list[bool] = []
    for event in originals:
        item = wire_item(event, encoding)
        if draw(st.booleans()):
            items.append(item)
            mutated.append(False)
            continue
        target: dict[str, Any] = item
        if draw(st.booleans()):
            target = item["payload"]
            key = draw(st.sampled_from([*target, "extra"]))
        else:
            key = draw(st.sampled_from(_ENVELOPE_KEYS + _MORE_KEYS))
        if draw(st.booleans()) and key in target:
            del target[key]
        else:
            target[key] = draw(json_values | st.sampled_from([t.value for t in EventType]))
        items.append(draw(json_values) if draw(st.integers(0, 9)) == 0 else item)
        mutated.append(True)
    return originals, items, mutated


@pytest.mark.parametrize("encoding", list(Encoding))
@PER_ENCODING
@given(data=st.data())
def test_broken_events_reject_only_themselves(encoding: Encoding, data: st.DataObject) -> None:
    originals, items, mutated = data.draw(mutated_batches(encoding))
    raw = record(items, encoding)
    result = decode_batch(raw, encoding.value)

    _assert_well_formed(result, raw)
    assert all(rejection.index is not None for rejection in result.rejections)
    rejected = [rejection.index or 0 for rejection in result.rejections]
    assert rejected == sorted(set(rejected))
    kept = [index for index in range(len(items)) if index not in rejected]
    assert len(kept) == len(result.events)
    for index, event in zip(kept, result.events, strict=True):
        if not mutated[index]:
            assert event == originals[index]
    assert all(index in kept for index in range(len(items)) if not mutated[index])
    for rejection in result.rejections:
        assert rejection.index is not None
        if rejection.raw:  # best effort: the event as it arrived, re-encoded
            assert decode_object(rejection.raw, encoding) == _comparable(
                items[rejection.index], encoding
            )


def _comparable(item: Any, encoding: Encoding) -> Any:
    # JSON cannot hold tuples or non-str keys; msgpack round-trips what it packed.
    return decode_object(encode_object(item, encoding), encoding)
