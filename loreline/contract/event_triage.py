"""Classifying one wire event that failed validation into a `Rejection`.

Only runs for bad events: the happy path never reaches this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from pydantic_core import ErrorDetails

from loreline.contract.event_types import EventType
from loreline.contract.rejection import Rejection, RejectionKind
from loreline.contract.versions import SCHEMA_VERSION

_KNOWN_TYPES: Final = frozenset(EventType)
_MAX_ERRORS_IN_REASON: Final = 3
_MAX_INPUT_REPR: Final = 60


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_INPUT_REPR else text[: _MAX_INPUT_REPR - 3] + "..."


def field_path(loc: Sequence[int | str]) -> str | None:
    """`("payload", "listeners", 2)` -> `payload.listeners[2]`; empty -> None."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def _error_text(path: str | None, error: ErrorDetails, event_type: str) -> str:
    absent = error["type"] == "missing" or (
        error["type"] == "string_type" and error.get("input") is None
    )
    if path == "actor" and absent:
        return f"actor: {event_type} events require an actor (the player)"
    message = error["msg"]
    if error["type"] != "missing" and "input" in error:
        message += f" (got {_short_repr(error['input'])})"
    return f"{path}: {message}" if path else message


def _local_loc(error: ErrorDetails, event_type: str) -> tuple[int | str, ...]:
    # Batch errors start with the event index, then the union tag (the event type).
    loc = tuple(error["loc"])
    if loc and isinstance(loc[0], int):
        loc = loc[1:]
    if loc and loc[0] == event_type:
        loc = loc[1:]
    return loc


def reject_event(
    index: int | None, item: Any, errors: Sequence[ErrorDetails], raw: bytes
) -> Rejection:
    """The rejection of wire event `item` (position `index`) given its pydantic errors."""
    if not isinstance(item, dict):
        return Rejection(
            index,
            RejectionKind.VALIDATION,
            f"an event must be an object, got {_type_name(item)}",
            None,
            raw,
        )
    version = item.get("schema_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        return Rejection(
            index,
            RejectionKind.SCHEMA_VERSION,
            f"schema_version {version} is newer than this consumer reads (up to {SCHEMA_VERSION});"
            " upgrade the consumer, then replay this event",
            "schema_version",
            raw,
        )
    if "type" not in item:
        return Rejection(index, RejectionKind.VALIDATION, "type: Field required", "type", raw)
    event_type = item["type"]
    if not isinstance(event_type, str):
        reason = f"type: must be a string, got {_type_name(event_type)}"
        return Rejection(index, RejectionKind.VALIDATION, reason, "type", raw)
    if event_type not in _KNOWN_TYPES:
        return Rejection(
            index,
            RejectionKind.UNKNOWN_TYPE,
            f"unknown event type {_short_repr(event_type)}: schema_version {SCHEMA_VERSION} has"
            f" {len(_KNOWN_TYPES)} types; if it is new, upgrade the consumer",
            "type",
            raw,
        )
    return _validation_rejection(index, event_type, errors, raw)


def _validation_rejection(
    index: int | None, event_type: str, errors: Sequence[ErrorDetails], raw: bytes
) -> Rejection:
    if not errors:
        return Rejection(index, RejectionKind.VALIDATION, "invalid event", None, raw)
    paths = [field_path(_local_loc(error, event_type)) for error in errors]
    shown = zip(paths[:_MAX_ERRORS_IN_REASON], errors[:_MAX_ERRORS_IN_REASON], strict=True)
    texts = [_error_text(path, error, event_type) for path, error in shown]
    if len(errors) > _MAX_ERRORS_IN_REASON:
        texts.append(f"and {len(errors) - _MAX_ERRORS_IN_REASON} more")
    return Rejection(index, RejectionKind.VALIDATION, "; ".join(texts), paths[0], raw)
