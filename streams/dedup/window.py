"""A bounded window of recently stored event ids, per source partition.

It is a pre-filter in front of PostgreSQL, never the authority: `events`' primary key decides
what is new (docs/streams.md). Each entry is a fact about the database — "event X is stored, by the
record at offset O" — recorded only after the storing transaction committed, and seeded from
`events` (newest ids of the partition) when a worker first sees a partition, so it survives restarts.

An event that arrives in a record *other than* the one that stored it is a duplicate and is dropped
here. An event that arrives again in the *same* record (a re-delivery after a crash) is passed on:
the database then says it is this record's own event, and its live state is re-checked.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID


class DedupWindow:
    def __init__(self, capacity_per_partition: int) -> None:
        self.capacity = capacity_per_partition
        self._ids: dict[int, OrderedDict[int, int]] = {}
        self.dropped = 0

    def is_seeded(self, partition: int) -> bool:
        return partition in self._ids

    def seed(self, partition: int, stored: Iterable[tuple[UUID, int]]) -> None:
        """Start the window of `partition` from (event_id, src_offset), oldest first."""
        self._ids[partition] = OrderedDict()
        self.remember(partition, stored)

    def forget(self, partition: int) -> None:
        self._ids.pop(partition, None)

    def is_duplicate(self, partition: int, event_id: UUID, offset: int) -> bool:
        """True when `event_id` is known to be stored by a record other than `offset`."""
        window = self._ids.get(partition)
        if window is None:
            return False
        stored_by = window.get(event_id.int)
        if stored_by is None or stored_by == offset:
            return False
        self.dropped += 1
        return True

    def remember(self, partition: int, stored: Iterable[tuple[UUID, int]]) -> None:
        if self.capacity <= 0:
            return
        window = self._ids.setdefault(partition, OrderedDict())
        for event_id, offset in stored:
            key = event_id.int
            if key in window:
                window.move_to_end(key)
            window[key] = offset
        while len(window) > self.capacity:
            window.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(window) for window in self._ids.values())
