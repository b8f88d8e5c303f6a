from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

_MAX_DEPTH = 64


def _check_json(value: Any, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError(f"value nests deeper than {_MAX_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("strings must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("strings must be valid Unicode (no lone surrogates)") from exc
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


class CachePut(BaseModel):
    value: Any = Field(description="any JSON value")
    ttl_seconds: float | None = Field(
        default=None, gt=0, le=31_536_000, description="expire after this many seconds; null: never"
    )

    @field_validator("value")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check_json(value)
        return value


class CacheEntryResponse(BaseModel):
    world_id: str
    key: str
    value: Any
    expires_at: datetime | None = None
    updated_at: datetime
