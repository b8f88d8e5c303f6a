"""Decoding Kafka records into validated events. Never raises on bad input.

Happy path: JSON records are validated straight from bytes in one pydantic-core call; msgpack
records are unpacked by msgpack (C) and the event list validated in one call. Only when that fails
are the bad events located (from the error locations, not one by one) and classified.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from loreline.contract.adapters import event_list_adapter, wire_batch_adapter
from loreline.contract.encoding import Encoding
from loreline.contract.event import Event
from loreline.contract.event_triage import reject_event
from loreline.contract.rejection import EventRejectedError, Rejection, RejectionKind
from loreline.contract.versions import BATCH_FORMAT_VERSION
from loreline.contract.wire_codecs import dump_json, load_json, pack_msgpack, unpack_msgpack

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class DecodedBatch:
    """The valid events of a record, in order, and a rejection per bad event (or the record)."""

    events: list[Event] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    encoding: Encoding | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return not self.rejections


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _record_rejection(
    kind: RejectionKind,
    reason: str,
    raw: bytes,
    encoding: Encoding | None,
    field: str | None = None,
) -> DecodedBatch:
    return DecodedBatch([], [Rejection(None, kind, reason, field, raw)], encoding)


def _reencode(item: Any, encoding: Encoding) -> bytes:
    try:
        return dump_json(item) if encoding is Encoding.JSON else pack_msgpack(item)
    except Exception:  # best effort: the rejection itself matters more than its raw copy
        return b""


def _parse(raw: bytes, encoding: Encoding) -> tuple[Any, str | None]:
    """(object, None) or (None, why the bytes are not decodable)."""
    try:
        if encoding is Encoding.JSON:
            return load_json(raw), None
        return unpack_msgpack(raw), None
    except Exception as exc:  # malformed input surfaces as many exception types
        name = "JSON" if encoding is Encoding.JSON else "msgpack"
        return None, f"record is not valid {name}: {type(exc).__name__}: {exc}"


def _as_bytes(data: object) -> bytes | None:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    return None


def decode_batch(data: bytes, content_type: str | bytes | None) -> DecodedBatch:
    """Decode one record value; `content_type` is its `content-type` header value."""
    raw = _as_bytes(data)
    if raw is None:
        reason = f"record value must be bytes, got {_type_name(data)}"
        return _record_rejection(RejectionKind.DECODE, reason, b"", None)
    try:
        return _decode_batch(raw, content_type)
    except Exception as exc:  # the last guard of "never raises": report, don't crash the stream
        _log.exception("decoder failed unexpectedly on a %d-byte record", len(raw))
        reason = f"unexpected decoder failure: {type(exc).__name__}: {exc}"
        return _record_rejection(RejectionKind.DECODE, reason, raw, None)


def _decode_batch(raw: bytes, content_type: str | bytes | None) -> DecodedBatch:
    encoding = Encoding.from_content_type(content_type)
    if encoding is None:
        known = ", ".join(Encoding)
        reason = (
            f"missing content-type header; expected one of: {known}"
            if content_type is None
            else f"unknown content type {content_type!r:.80}; expected one of: {known}"
        )
        return _record_rejection(RejectionKind.DECODE, reason, raw, None)
    event_errors: list[ErrorDetails] | None = None
    if encoding is Encoding.JSON:
        try:
            return DecodedBatch(wire_batch_adapter().validate_json(raw)["events"], [], encoding)
        except ValidationError as exc:  # locate and classify the problem below
            event_errors = _errors_under_events(exc.errors(include_url=False))
    obj, problem = _parse(raw, encoding)
    if problem is not None:
        return _record_rejection(RejectionKind.DECODE, problem, raw, encoding)
    return _triage_batch(obj, raw, encoding, event_errors)


def _errors_under_events(errors: list[ErrorDetails]) -> list[ErrorDetails] | None:
    """The batch's errors re-rooted at the event list, or None if any is about the framing."""
    if not all(len(e["loc"]) >= 2 and e["loc"][0] == "events" for e in errors):
        return None
    return [{**error, "loc": error["loc"][1:]} for error in errors]


def _triage_batch(
    obj: Any, raw: bytes, encoding: Encoding, event_errors: list[ErrorDetails] | None = None
) -> DecodedBatch:
    if not isinstance(obj, dict):
        reason = f"record must be a batch object {{'v': 1, 'events': [...]}}, got {_type_name(obj)}"
        return _record_rejection(RejectionKind.DECODE, reason, raw, encoding)
    if "v" not in obj:
        reason = "batch has no format version 'v' (expected {'v': 1, 'events': [...]})"
        return _record_rejection(RejectionKind.DECODE, reason, raw, encoding, "v")
    version = obj["v"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        reason = f"batch format version 'v' must be a positive integer, got {version!r:.60}"
        return _record_rejection(RejectionKind.DECODE, reason, raw, encoding, "v")
    if version > BATCH_FORMAT_VERSION:
        reason = (
            f"batch format v={version} is newer than this consumer reads"
            f" (v={BATCH_FORMAT_VERSION}); upgrade the consumer, then replay this record"
        )
        return _record_rejection(RejectionKind.SCHEMA_VERSION, reason, raw, encoding, "v")
    items = obj.get("events")
    if not isinstance(items, list):
        reason = f"batch field 'events' must be a list, got {_type_name(items)}"
        return _record_rejection(RejectionKind.DECODE, reason, raw, encoding, "events")
    return triage_events(items, encoding, event_errors)


def triage_events(
    items: list[Any], encoding: Encoding, errors: list[ErrorDetails] | None = None
) -> DecodedBatch:
    """Validate wire events: all at once, then, if that fails, keep the good and reject the bad.

    `errors`, when given, are the errors of validating `items` already (from the JSON fast path).
    """
    adapter = event_list_adapter()
    if errors is None:
        try:
            return DecodedBatch(adapter.validate_python(items), [], encoding)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
    by_index: dict[int, list[ErrorDetails]] = defaultdict(list)
    for error in errors:
        loc = error["loc"]
        if not loc or not isinstance(loc[0], int):
            return _triage_one_by_one(items, encoding)
        by_index[loc[0]].append(error)
    good = [item for index, item in enumerate(items) if index not in by_index]
    try:
        events = adapter.validate_python(good)
    except ValidationError:
        return _triage_one_by_one(items, encoding)
    rejections = [
        reject_event(index, items[index], by_index[index], _reencode(items[index], encoding))
        for index in sorted(by_index)
    ]
    return DecodedBatch(events, rejections, encoding)


def _triage_one_by_one(items: list[Any], encoding: Encoding) -> DecodedBatch:
    adapter = event_list_adapter()
    batch = DecodedBatch([], [], encoding)
    for index, item in enumerate(items):
        try:
            batch.events.extend(adapter.validate_python([item]))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raw = _reencode(item, encoding)
            batch.rejections.append(reject_event(index, item, errors, raw))
    return batch


def decode_event(data: bytes, content_type: str | bytes | None) -> Event:
    """Decode one event's wire object (as `encode_event` writes it, or a dead-lettered `raw`).

    Raises `EventRejectedError` (a `ValueError`) carrying the `Rejection`.
    """
    raw = _as_bytes(data)
    encoding = Encoding.from_content_type(content_type)
    if raw is None or encoding is None:
        reason = (
            f"event must be bytes, got {_type_name(data)}"
            if raw is None
            else f"unknown content type {content_type!r:.80}; expected one of: {', '.join(Encoding)}"
        )
        raise EventRejectedError(Rejection(None, RejectionKind.DECODE, reason, None, raw or b""))
    obj, problem = _parse(raw, encoding)
    if problem is not None:
        raise EventRejectedError(Rejection(None, RejectionKind.DECODE, problem, None, raw))
    batch = triage_events([obj], encoding)
    if batch.rejections:
        raise EventRejectedError(batch.rejections[0])
    return batch.events[0]
