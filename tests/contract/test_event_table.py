"""events_to_arrow: the columnar form the lake and COPY sinks write."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loreline.contract import EVENT_COLUMNS, Event, EventType, event_arrow_schema, events_to_arrow
from tests.contract.sample_events import minimal_event, mixed_batch

pytestmark = pytest.mark.unit


def test_table_has_the_row_columns_and_values() -> None:
    events = [*mixed_batch(), minimal_event(EventType.PLAYER_ACTION)]

    table = events_to_arrow(events)

    assert table.column_names == list(EVENT_COLUMNS)
    assert table.schema == event_arrow_schema()
    assert table.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    rows = table.to_pylist()
    for row, event in zip(rows, events, strict=True):
        expected = event.to_row()
        assert row == {**expected, "event_id": str(expected["event_id"])}


def test_empty_input_gives_an_empty_table_with_the_schema() -> None:
    table = events_to_arrow([])

    assert table.num_rows == 0
    assert table.schema == event_arrow_schema()


def test_table_survives_a_parquet_round_trip(tmp_path: Path) -> None:
    events: list[Event] = mixed_batch()
    path = tmp_path / "part-0.parquet"

    pq.write_table(events_to_arrow(events), path)

    assert pq.read_table(path).to_pylist() == events_to_arrow(events).to_pylist()
