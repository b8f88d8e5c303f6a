"""Constrained field types shared by the envelope and the payloads.

All checks run inside pydantic-core (Rust) except the UTC normalisation of datetimes. Strings never
contain NUL (PostgreSQL text and jsonb cannot store it); integers fit a signed 64-bit column; floats
are finite (the models set `allow_inf_nan=False`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

INT64_MAX: Final = 2**63 - 1
_NO_NUL: Final = r"^[^\x00]*$"


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00; must surface as a validation error
        raise ValueError("datetime is out of range once converted to UTC") from None


Id = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_NO_NUL)]
"""Identifier of a player, NPC, quest, faction, item, location, session, ...: 1..128 chars."""

Label = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=_NO_NUL)]
"""Short free-form word or phrase (an action verb, a mood, a weather condition): 1..128 chars."""

Note = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=_NO_NUL)]
"""Free-form explanation (a reason, an objective): 1..1000 chars."""

DialogueText = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=_NO_NUL)]
"""One spoken line: 1..4000 chars."""

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217-style currency code: three uppercase letters."""

Delta = Annotated[float, Field(ge=-100.0, le=100.0)]
"""A change of affinity or reputation, -100..100."""

NonNegativeAmount = Annotated[float, Field(ge=0.0)]
"""A price or unit price, >= 0."""

NonNegativeInt = Annotated[int, Field(ge=0, le=INT64_MAX)]
PositiveInt = Annotated[int, Field(ge=1, le=INT64_MAX)]
MinuteOfDay = Annotated[int, Field(ge=0, le=1439)]

UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware datetime (naive is an error), normalised to `datetime.UTC`."""
