"""Building records by hand from wire objects, to feed the decoder things an encoder never makes."""

from __future__ import annotations

import json
from typing import Any

from loreline.contract import Encoding, Event, encode_event
from loreline.contract.wire_codecs import pack_msgpack, unpack_msgpack


def wire_item(event: Event, encoding: Encoding) -> dict[str, Any]:
    """The event as the plain object its wire form decodes to (to be mutated by a test)."""
    data = encode_event(event, encoding)
    item = json.loads(data) if encoding is Encoding.JSON else unpack_msgpack(data)
    assert isinstance(item, dict)
    return item


def encode_object(obj: Any, encoding: Encoding) -> bytes:
    """Any plain object in `encoding` (JSON falls back to str() for non-JSON values)."""
    if encoding is Encoding.JSON:
        return json.dumps(obj, default=str).encode()
    return pack_msgpack(obj)


def record(items: list[Any], encoding: Encoding, version: Any = 1) -> bytes:
    """A batch record `{"v": version, "events": items}`."""
    return encode_object({"v": version, "events": items}, encoding)


def decode_object(data: bytes, encoding: Encoding) -> Any:
    """The plain object of `data` in `encoding`."""
    return json.loads(data) if encoding is Encoding.JSON else unpack_msgpack(data)
