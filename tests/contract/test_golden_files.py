"""Golden wire bytes for every event type in both encodings: a change of the wire form fails here.

Regenerate after an intended change with `LORELINE_REGEN_GOLDEN=1 pytest tests/contract`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loreline.contract import Encoding, EventType, decode_batch, encode_batch
from tests.contract.sample_events import mixed_batch, sample_batch

pytestmark = pytest.mark.unit

GOLDEN_DIR = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("LORELINE_REGEN_GOLDEN") == "1"
SUFFIX = {Encoding.JSON: "json", Encoding.MSGPACK: "msgpack"}


def _golden_bytes(name: str, encoding: Encoding, produced: bytes) -> bytes:
    path = GOLDEN_DIR / f"{name}.{SUFFIX[encoding]}"
    if REGENERATE:
        path.write_bytes(produced)
    if not path.exists():
        pytest.fail(
            f"missing golden file {path.name}; run with LORELINE_REGEN_GOLDEN=1 to create it"
        )
    return path.read_bytes()


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda e: SUFFIX[e])
@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_every_type_encodes_to_its_golden_bytes_and_back(
    event_type: EventType, encoding: Encoding
) -> None:
    events = sample_batch(event_type)
    produced = encode_batch(events, encoding)
    golden = _golden_bytes(str(event_type), encoding, produced)

    assert produced == golden, f"wire form of {event_type} changed; bump the version or regenerate"
    decoded = decode_batch(golden, encoding.value)
    assert decoded.rejections == []
    assert decoded.events == events
    assert [type(event) for event in decoded.events] == [type(event) for event in events]


@pytest.mark.parametrize("encoding", list(Encoding), ids=lambda e: SUFFIX[e])
def test_mixed_batch_of_all_types_matches_golden(encoding: Encoding) -> None:
    events = mixed_batch()
    produced = encode_batch(events, encoding)
    golden = _golden_bytes("all_types", encoding, produced)

    assert produced == golden
    assert decode_batch(golden, encoding.value).events == events


def test_golden_folder_has_no_stray_files() -> None:
    expected = {
        f"{name}.{SUFFIX[enc]}" for name in [*map(str, EventType), "all_types"] for enc in SUFFIX
    }
    present = {path.name for path in GOLDEN_DIR.iterdir()}
    assert present == expected
