"""Property: for any valid batch, decode(encode(batch)) == batch, in both encodings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from loreline.contract import (
    Encoding,
    Event,
    decode_batch,
    decode_event,
    encode_batch,
    encode_event,
)
from tests.contract.event_strategies import event_batches, events

pytestmark = pytest.mark.unit

BOUNDED = settings(max_examples=200, deadline=None)


@BOUNDED
@given(batch=event_batches)
def test_batch_round_trips_exactly_in_both_encodings(batch: list[Event]) -> None:
    for encoding in Encoding:
        decoded = decode_batch(encode_batch(batch, encoding), encoding.value)

        assert decoded.rejections == []
        assert decoded.events == batch
        assert [type(event) for event in decoded.events] == [type(event) for event in batch]
        assert decoded.encoding is encoding


@settings(max_examples=100, deadline=None)
@given(event=events())
def test_single_event_round_trips_and_reencodes_identically(event: Event) -> None:
    for encoding in Encoding:
        data = encode_event(event, encoding)
        decoded = decode_event(data, encoding.value)

        assert decoded == event
        assert encode_event(decoded, encoding) == data


def test_msgpack_is_more_compact_than_json() -> None:
    from tests.contract.sample_events import mixed_batch

    batch = mixed_batch()
    assert len(encode_batch(batch, Encoding.MSGPACK)) < 0.8 * len(
        encode_batch(batch, Encoding.JSON)
    )
