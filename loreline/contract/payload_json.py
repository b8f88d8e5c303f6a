"""The storage form of a payload: compact JSON text with sorted keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

# One reusable encoder: `json.dumps` with options builds a new encoder on every call.
_PAYLOAD_ENCODER: Final = json.JSONEncoder(
    separators=(",", ":"), sort_keys=True, ensure_ascii=False
)


def payload_json_text(payload: Mapping[str, Any]) -> str:
    """Compact, key-sorted JSON text of a payload already dumped in JSON mode."""
    return _PAYLOAD_ENCODER.encode(payload)
