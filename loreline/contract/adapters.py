"""Cached pydantic `TypeAdapter`s: whole batches are validated and serialised in pydantic-core."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from pydantic import Field, StrictInt, TypeAdapter
from typing_extensions import TypedDict

from loreline.contract.event import Event
from loreline.contract.versions import BATCH_FORMAT_VERSION


class WireBatch(TypedDict):
    """The batch framing on the wire: `{"v": 1, "events": [...]}` (unknown keys are ignored)."""

    # Exactly the int 1 (not 1.0, not true), as the Python-side triage of a failed batch demands.
    v: Annotated[StrictInt, Field(ge=BATCH_FORMAT_VERSION, le=BATCH_FORMAT_VERSION)]
    events: list[Event]


@cache
def event_adapter() -> TypeAdapter[Event]:
    """Validates one event (any type) into its typed class."""
    return TypeAdapter(Event)


@cache
def event_list_adapter() -> TypeAdapter[list[Event]]:
    """Validates or dumps a list of events in one call."""
    return TypeAdapter(list[Event])


@cache
def wire_batch_adapter() -> TypeAdapter[WireBatch]:
    """Validates a whole JSON record straight from bytes, or dumps one."""
    return TypeAdapter(WireBatch)
