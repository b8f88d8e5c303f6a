"""Events as storage rows: the Arrow table the lake (Parquet) and PostgreSQL COPY sinks write.

Columns (in order): event_id (string, canonical UUID), world_id, type, occurred_at
(timestamp[us, UTC]), actor, session_id, schema_version (int16), payload (compact JSON text, sorted
keys). `Event.to_row()` gives the same values for one event (event_id as `uuid.UUID`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from loreline.contract.adapters import event_list_adapter
from loreline.contract.payload_json import payload_json_text

if TYPE_CHECKING:
    import pyarrow as pa

    from loreline.contract.event import Event

EVENT_COLUMNS: Final = (
    "event_id",
    "world_id",
    "type",
    "occurred_at",
    "actor",
    "session_id",
    "schema_version",
    "payload",
)


def event_arrow_schema() -> pa.Schema:
    """The Arrow schema of `events_to_arrow` tables."""
    import pyarrow as pa  # deferred: producers using only the wire codecs never load Arrow

    return pa.schema(
        [
            pa.field("event_id", pa.string(), nullable=False),
            pa.field("world_id", pa.string(), nullable=False),
            pa.field("type", pa.string(), nullable=False),
            pa.field("occurred_at", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("actor", pa.string()),
            pa.field("session_id", pa.string()),
            pa.field("schema_version", pa.int16(), nullable=False),
            pa.field("payload", pa.string(), nullable=False),
        ]
    )


def events_to_arrow(events: Sequence[Event]) -> pa.Table:
    """One row per event, columns built whole (no per-row appends)."""
    import pyarrow as pa

    schema = event_arrow_schema()
    items = events if isinstance(events, list) else list(events)
    # One pydantic-core call dumps every id and payload; only the JSON text is made per event.
    dumped = event_list_adapter().dump_python(
        items, mode="json", include={"__all__": {"event_id", "payload"}}
    )
    columns = [
        [item["event_id"] for item in dumped],
        [event.world_id for event in items],
        [event.type.value for event in items],
        [event.occurred_at for event in items],
        [event.actor for event in items],
        [event.session_id for event in items],
        [event.schema_version for event in items],
        [payload_json_text(item["payload"]) for item in dumped],
    ]
    arrays = [
        pa.array(values, type=schema.field(index).type) for index, values in enumerate(columns)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)
