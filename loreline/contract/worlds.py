"""World ids: the slug every event, lore document and state row is keyed by."""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import StringConstraints

GLOBAL_WORLD: Final = "global"
"""Reserved world id for lore shared by every world (never NULL)."""

WORLD_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""A world id: 1..64 chars of a-z, 0-9, `_` and `-`, starting with a letter or a digit."""

_WORLD_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

WorldId = Annotated[str, StringConstraints(pattern=WORLD_ID_PATTERN)]
"""Pydantic field type for a world id."""


def is_valid_world_id(value: object) -> bool:
    """True when `value` is a string that is a well-formed world id."""
    return isinstance(value, str) and _WORLD_ID_RE.fullmatch(value) is not None


def validate_world_id(value: object, field: str = "world_id") -> str:
    """Return `value` if it is a well-formed world id, else raise `ValueError` naming `field`."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {type(value).__name__}")
    if _WORLD_ID_RE.fullmatch(value) is None:
        raise ValueError(
            f"{field} {value[:80]!r} is not a world id: expected 1-64 characters of a-z, 0-9,"
            " '_' or '-', starting with a letter or digit"
        )
    return value
