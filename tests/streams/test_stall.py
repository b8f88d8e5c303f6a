"""The stall watch: a worker with unread records in its partitions that takes none in."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from faust.types import TP

from streams.ingest.stall import StallWatch, unread_records

pytestmark = pytest.mark.unit


def test_progress_or_nothing_to_read_is_never_a_stall() -> None:
    watch = StallWatch(stall_after_s=60, exit_after_s=300)
    assert watch.observe(0, records_taken=1, unread=50) == "ok"
    for t in range(10, 1000, 10):
        assert watch.observe(t, records_taken=1 + t, unread=50) == "ok"  # records keep coming
    for t in range(1000, 2000, 10):
        assert watch.observe(t, records_taken=1000, unread=0) == "ok"  # idle and caught up


def test_unread_records_with_no_progress_warn_then_give_up() -> None:
    watch = StallWatch(stall_after_s=60, exit_after_s=300)
    verdicts = {t: watch.observe(t, records_taken=7, unread=30) for t in range(0, 310, 10)}
    assert all(verdicts[t] == "ok" for t in range(0, 60, 10))
    assert verdicts[60] == "stalled" and verdicts[290] == "stalled"
    assert verdicts[300] == "give_up"
    assert watch.idle_s(300) == 300


def test_progress_resets_the_clock() -> None:
    watch = StallWatch(stall_after_s=60, exit_after_s=300)
    for t in range(0, 100, 10):
        watch.observe(t, records_taken=7, unread=30)
    assert watch.observe(100, records_taken=8, unread=30) == "ok"
    assert watch.idle_s(100) == 0
    assert watch.observe(150, records_taken=8, unread=30) == "ok"
    assert watch.observe(160, records_taken=8, unread=30) == "stalled"  # 60 s after progress


class _Consumer:
    def __init__(self) -> None:
        self._committed_offset = {TP("events", 0): 40, TP("events", 1): None}
        self._read_offset = {TP("events", 0): 45}
        self._paused_partitions = {TP("events", 1)}
        self._unacked_messages = {1, 2}

    def assignment(self) -> set[TP]:
        return {TP("events", 0), TP("events", 1), TP("events-changelog", 0)}

    def highwater(self, tp: TP) -> int | None:
        return {0: 70, 1: None}.get(tp.partition)


def test_unread_records_counts_uncommitted_records_of_the_ingest_topic_only() -> None:
    app = SimpleNamespace(
        consumer=_Consumer(),
        tables=SimpleNamespace(recovery=SimpleNamespace(in_recovery=False)),
        flow_control=SimpleNamespace(is_active=lambda: True),
        rebalancing=False,
    )
    unread, state = unread_records(app, "events")
    assert unread == 30  # partition 0: 70 - 40; partition 1 not fetched yet; changelog ignored
    assert state["partitions"][1]["paused"] is True
    assert state["partitions"][0] == {"highwater": 70, "committed": 40, "read": 45, "paused": False}
    assert state["unacked"] == 2 and state["in_recovery"] is False


def test_a_busy_pipeline_is_not_a_stalled_consumer() -> None:
    # PostgreSQL down: the lanes hold taken records and retry; no new record is taken in
    watch = StallWatch(stall_after_s=60, exit_after_s=300)
    assert all(
        watch.observe(t, records_taken=7, unread=30, busy=True) == "ok" for t in range(0, 900, 10)
    )
    assert watch.observe(900, records_taken=7, unread=30) == "ok"  # the clock starts now
    assert watch.observe(960, records_taken=7, unread=30) == "stalled"
