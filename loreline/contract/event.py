"""The event envelope.

`Event` is the base of one concrete class per event type (see `typed_events`), each narrowing
`type` to a literal and `payload` to that type's model. Validating or constructing `Event` itself
dispatches on `type` to the concrete class, in pydantic-core, so `Event(...)`,
`Event.model_validate(...)`, `Event.new(...)` and `list[Event]` fields all yield e.g. a
`QuestStartedEvent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Self, get_args, get_origin
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic._internal._model_construction import ModelMetaclass
from pydantic_core import CoreSchema

from loreline.contract.event_types import EventType
from loreline.contract.field_types import Id, UtcDatetime
from loreline.contract.payload_json import payload_json_text
from loreline.contract.payloads import AnyPayload, Payload
from loreline.contract.versions import SCHEMA_VERSION
from loreline.contract.worlds import WorldId

_EVENT_CLASSES: dict[EventType, type[Event]] = {}
_event_union: list[Any] = []  # the discriminated union annotation, once the typed classes exist


class _EventMetaclass(ModelMetaclass):
    """Makes `Event(type=..., ...)` build the concrete class of that type.

    Done in the metaclass, not in `Event.__new__`: pydantic-core calls `__new__` for every instance
    it validates, and a Python `__new__` would cost a Python call per event on the decode path.
    """

    def __call__(cls, *args: Any, **data: Any) -> Any:
        target = cls
        event_type = data.get("type")
        if cls is Event and isinstance(event_type, str) and event_type in _EVENT_CLASSES:
            target = _EVENT_CLASSES[event_type]  # type: ignore[index]
        return super(_EventMetaclass, target).__call__(*args, **data)


class Event(BaseModel, metaclass=_EventMetaclass):
    """One thing that happened in a game world. Immutable; `event_id` is the idempotency key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    world_id: WorldId
    type: EventType
    occurred_at: UtcDatetime
    actor: Id | None = None
    session_id: Id | None = None
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    payload: AnyPayload

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        if _event_union and source is Event:
            return handler(_event_union[0])
        return handler(source)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        annotation = cls.model_fields["type"].annotation
        if get_origin(annotation) is not None and len(get_args(annotation)) == 1:
            event_type = EventType(get_args(annotation)[0])
            if event_type in _EVENT_CLASSES:
                raise TypeError(
                    f"event type {event_type} already has class {_EVENT_CLASSES[event_type]}"
                )
            _EVENT_CLASSES[event_type] = cls

    def __hash__(self) -> int:
        return hash(self.event_id)

    @classmethod
    def new(
        cls,
        type: EventType | str,
        world_id: str,
        payload: Payload | Mapping[str, Any],
        *,
        actor: str | None = None,
        session_id: str | None = None,
        occurred_at: datetime | None = None,
        event_id: UUID | None = None,
    ) -> Self:
        """Build a validated event with a fresh uuid4 and the current UTC time unless given.

        Raises `ValueError` for an unknown type and `pydantic.ValidationError` (a `ValueError`)
        naming the offending field for anything else.
        """
        target = event_class(type) if cls is Event else cls
        return target.model_validate(  # type: ignore[return-value]
            {
                "event_id": uuid4() if event_id is None else event_id,
                "world_id": world_id,
                "type": type,
                "occurred_at": datetime.now(UTC) if occurred_at is None else occurred_at,
                "actor": actor,
                "session_id": session_id,
                "schema_version": SCHEMA_VERSION,
                "payload": payload,
            }
        )

    def to_row(self) -> dict[str, Any]:
        """Flat dict for storage; `payload` is compact JSON text with sorted keys."""
        return {
            "event_id": self.event_id,
            "world_id": self.world_id,
            "type": self.type.value,
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "session_id": self.session_id,
            "schema_version": self.schema_version,
            "payload": payload_json_text(self.payload.model_dump(mode="json")),
        }


def event_class(event_type: EventType | str) -> type[Event]:
    """The concrete event class of a type; raises `ValueError` for an unknown type."""
    if isinstance(event_type, str) and event_type in _EVENT_CLASSES:
        return _EVENT_CLASSES[event_type]  # type: ignore[index]
    known = ", ".join(EventType)
    raise ValueError(f"unknown event type {event_type!r}; known types: {known}")


def bind_event_union(union_annotation: Any) -> None:
    """Make `Event` validate as the discriminated union of the typed classes (called once)."""
    missing = set(EventType) - set(_EVENT_CLASSES)
    if missing:
        raise TypeError(f"event types without a class: {sorted(missing)}")
    _event_union[:] = [union_annotation]
    Event.model_rebuild(force=True)
