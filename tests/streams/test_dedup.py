"""The dedup window: a bounded pre-filter that knows which record stored each recent event."""

from __future__ import annotations

from uuid import uuid4

import pytest

from streams.dedup import DedupWindow

pytestmark = pytest.mark.unit


def test_duplicate_only_when_stored_by_another_record() -> None:
    window = DedupWindow(10)
    a = uuid4()
    window.remember(0, [(a, 5)])
    assert window.is_duplicate(0, a, 6)  # the same event in a later record: drop
    assert not window.is_duplicate(0, a, 5)  # the storing record re-delivered: pass on
    assert not window.is_duplicate(1, a, 6)  # another partition: the database decides
    assert not window.is_duplicate(0, uuid4(), 6)
    assert window.dropped == 1


def test_bounded_oldest_first() -> None:
    window = DedupWindow(3)
    ids = [uuid4() for _ in range(5)]
    window.remember(0, [(event_id, n) for n, event_id in enumerate(ids)])
    assert len(window) == 3
    assert not window.is_duplicate(0, ids[0], 99)  # evicted
    assert window.is_duplicate(0, ids[4], 99)


def test_seeded_window_survives_a_restart() -> None:
    stored = [(uuid4(), n) for n in range(4)]
    restarted = DedupWindow(100)
    assert not restarted.is_seeded(2)
    restarted.seed(2, stored)  # what `recent_event_ids` reads from PostgreSQL
    assert restarted.is_seeded(2)
    assert restarted.is_duplicate(2, stored[1][0], 10)
    restarted.forget(2)
    assert not restarted.is_seeded(2)


def test_zero_capacity_disables_the_window() -> None:
    window = DedupWindow(0)
    a = uuid4()
    window.remember(0, [(a, 1)])
    assert not window.is_duplicate(0, a, 2)
