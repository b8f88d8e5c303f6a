"""Kafka records of the ingest topic, decoded into events (or rejections) with their provenance."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from loreline.contract import (
    CONTENT_TYPE_HEADER,
    DecodedBatch,
    Encoding,
    Event,
    Rejection,
    RejectionKind,
    decode_batch,
    encode_event,
)

_JSON_TEXT: Final = json.JSONEncoder(
    separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False
).encode


@dataclass(slots=True)
class SourceRecord:
    """One record of the ingest topic: a batch of events of one world (key = world_id)."""

    partition: int
    offset: int
    value: bytes
    key: bytes | None = None
    headers: Sequence[tuple[str, bytes]] = ()
    timestamp_ms: int | None = None
    topic: str = ""

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers or ():
            if key.lower() == name:
                return value
        return None


@dataclass(slots=True)
class DecodedRecord:
    source: SourceRecord
    events: list[Event] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    encoding: Encoding | None = None


def headers_list(
    headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] | None,
) -> list[tuple[str, bytes]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


def decode_record(record: SourceRecord) -> DecodedRecord:
    """Decode and validate one record (never raises).

    Besides the contract's checks, every event must belong to the world the record is keyed by:
    the key routes a world to one partition, and the live state of a world is owned by the worker
    of that partition. Events of another world are rejected (kind `validation`, field `world_id`).
    """
    batch: DecodedBatch = decode_batch(record.value, record.header(CONTENT_TYPE_HEADER))
    decoded = DecodedRecord(record, batch.events, list(batch.rejections), batch.encoding)
    if not decoded.events:
        return decoded
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    if all(event.world_id == key for event in decoded.events):
        return decoded
    rejected = {r.index for r in decoded.rejections if r.index is not None}
    original_index = (i for i in range(len(decoded.events) + len(rejected)) if i not in rejected)
    good: list[Event] = []
    for index, event in zip(original_index, decoded.events, strict=False):
        if event.world_id == key:
            good.append(event)
            continue
        reason = (
            f"event of world {event.world_id!r} in a record keyed {key!r}: a record must be keyed"
            " by the world_id of its events (one world per record)"
        )
        raw = encode_event(event, batch.encoding or Encoding.JSON)
        decoded.rejections.append(
            Rejection(index, RejectionKind.VALIDATION, reason, "world_id", raw)
        )
    decoded.events = good
    decoded.rejections.sort(key=lambda r: -1 if r.index is None else r.index)
    return decoded


def payload_text(event: Event) -> str:
    """Compact, key-sorted JSON of the payload: what `Event.to_row()["payload"]` gives.

    Payload models hold only JSON scalars and lists of strings, so their field dict serialises
    directly (one C call instead of a model dump per event).
    """
    return _JSON_TEXT(event.payload.__dict__)


def event_row(event: Event, partition: int, offset: int) -> tuple[Any, ...]:
    """The staging row of an event (`streams.sinks.postgres.STAGE_COLUMNS` order)."""
    return (
        event.event_id,
        event.world_id,
        event.type.value,
        event.occurred_at,
        event.actor,
        event.session_id,
        event.schema_version,
        payload_text(event),
        partition,
        offset,
    )
