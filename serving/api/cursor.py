"""Opaque history cursors: url-safe base64 of the last event's (occurred_at, event_id) and the
page order, so a cursor cannot be replayed in the other direction by mistake."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from serving.queries.history import Order, Position


class InvalidCursorError(ValueError):
    pass


def encode_cursor(position: Position, order: Order) -> str:
    raw = json.dumps(
        {"t": position.occurred_at.isoformat(), "e": str(position.event_id), "o": order},
        separators=(",", ":"),
    ).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: Order) -> Position:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        position = Position(datetime.fromisoformat(data["t"]), UUID(data["e"]))
        cursor_order = data["o"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
        raise InvalidCursorError("cursor is not one this API issued") from exc
    if position.occurred_at.tzinfo is None:
        raise InvalidCursorError("cursor is not one this API issued")
    if cursor_order != order:
        raise InvalidCursorError(f"cursor belongs to order={cursor_order!r}, not {order!r}")
    return position
