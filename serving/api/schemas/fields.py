"""Field types every schema uses. Strings never carry NUL or lone surrogates (PostgreSQL could
not store them, and they would fail as 500s deep in the driver instead of as a clear 422)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from loreline.contract import WORLD_ID_PATTERN

ID_PATTERN = r"^[^\x00]{1,128}$"
CACHE_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$"
DOC_TYPE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    return value


Text = Annotated[str, AfterValidator(_storable)]
QueryText = Annotated[
    str, StringConstraints(min_length=1, max_length=1000), AfterValidator(_storable)
]
EntityId = Annotated[str, StringConstraints(pattern=ID_PATTERN), AfterValidator(_storable)]
WorldIdField = Annotated[str, StringConstraints(pattern=WORLD_ID_PATTERN)]
DocType = Annotated[str, StringConstraints(pattern=DOC_TYPE_PATTERN)]
TopK = Annotated[int, Field(ge=1, le=50)]
