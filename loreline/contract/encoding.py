"""Encoding events for the wire: one Kafka record carries a batch `{"v": 1, "events": [...]}`.

JSON: events as objects, `event_id` as a UUID string, `occurred_at` as ISO 8601 UTC (`...Z`).
msgpack: the same structure, `event_id` as 16-byte bin, `occurred_at` as a msgpack timestamp.
Fields whose value is None are omitted in both encodings (absent means null).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Final

from loreline.contract.adapters import event_adapter, event_list_adapter, wire_batch_adapter
from loreline.contract.event import Event
from loreline.contract.versions import BATCH_FORMAT_VERSION
from loreline.contract.wire_codecs import pack_msgpack

CONTENT_TYPE_HEADER: Final = "content-type"
"""Kafka record header carrying the `Encoding` value of the record."""


class Encoding(StrEnum):
    """A wire encoding; the value is the content type sent in the `content-type` header."""

    JSON = "application/json"
    MSGPACK = "application/msgpack"

    @classmethod
    def from_content_type(cls, content_type: str | bytes | None) -> Encoding | None:
        """The encoding named by a header value (case-insensitive, parameters ignored), or None."""
        if isinstance(content_type, bytes | bytearray):
            content_type = bytes(content_type).decode("latin-1")
        if not isinstance(content_type, str):
            return None
        media_type = content_type.split(";", 1)[0].strip().lower()
        return _ALIASES.get(media_type)


_ALIASES: Final[dict[str, Encoding]] = {
    "application/json": Encoding.JSON,
    "application/msgpack": Encoding.MSGPACK,
    "application/x-msgpack": Encoding.MSGPACK,
    "application/vnd.msgpack": Encoding.MSGPACK,
}


def _check_events(events: Sequence[Event]) -> list[Event]:
    items = list(events)
    for index, event in enumerate(items):
        if not isinstance(event, Event):
            raise TypeError(f"events[{index}] is not an Event (got {type(event).__name__})")
    return items


def encode_batch(events: Sequence[Event], encoding: Encoding | str) -> bytes:
    """The record value carrying `events` in `encoding`; send it with header
    `CONTENT_TYPE_HEADER: encoding.value`. Raises `TypeError` for a non-Event item and
    `ValueError` for an unknown encoding."""
    wire_encoding = Encoding(encoding)
    items = _check_events(events)
    if wire_encoding is Encoding.JSON:
        return wire_batch_adapter().dump_json(
            {"v": BATCH_FORMAT_VERSION, "events": items}, exclude_none=True
        )
    dumped = event_list_adapter().dump_python(items, exclude_none=True)
    return pack_msgpack({"v": BATCH_FORMAT_VERSION, "events": dumped})


def encode_event(event: Event, encoding: Encoding | str) -> bytes:
    """One event's wire object (no batch framing), e.g. for a dead-letter record or a log."""
    wire_encoding = Encoding(encoding)
    (item,) = _check_events([event])
    if wire_encoding is Encoding.JSON:
        return event_adapter().dump_json(item, exclude_none=True)
    return pack_msgpack(event_adapter().dump_python(item, exclude_none=True))
