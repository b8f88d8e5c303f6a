"""Plain-object codecs of the two wire encodings (no contract knowledge).

msgpack: strings as str, binary as bin; UUIDs are packed as 16-byte bin and datetimes as the msgpack
timestamp extension (type -1); unpacking turns timestamps back into UTC datetimes. JSON: UTF-8.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import msgpack


def _msgpack_default(value: object) -> object:
    if isinstance(value, UUID):
        return value.bytes
    raise TypeError(f"cannot encode {type(value).__name__} as msgpack")


def pack_msgpack(obj: Any) -> bytes:
    """msgpack bytes of `obj` (UUID -> 16-byte bin, aware datetime -> timestamp extension)."""
    packed: bytes = msgpack.packb(obj, default=_msgpack_default, use_bin_type=True, datetime=True)
    return packed


def unpack_msgpack(data: bytes) -> Any:
    """Python object of msgpack bytes; raises on malformed or trailing data."""
    return msgpack.unpackb(data, raw=False, timestamp=3, strict_map_key=True)


def dump_json(obj: Any) -> bytes:
    """Compact, ASCII-safe JSON bytes of a plain object (used to re-encode rejected events)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True, default=str).encode("ascii")


def load_json(data: bytes) -> Any:
    """Python object of JSON bytes; raises `ValueError` (or `RecursionError`) when malformed."""
    return json.loads(data)
