"""Noticing a worker that owns partitions with unread records yet takes nothing in.

Faust's consumer can, rarely, stop fetching after a rebalance (seen once here after a SIGKILL and
restart under heavy machine load, and reported upstream in several forms). Nothing is lost when it
does, since offsets are only committed after the sinks; but nothing moves either. `StallWatch`
turns that silent state into a log line with the consumer's state, and after `exit_after_s` into an
exit, so that the worker's supervisor (Kubernetes, or `loreline up` again) restarts it: every stage
is idempotent, so a restart re-reads from the last committed offsets and loses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

Verdict = Literal["ok", "stalled", "give_up"]


@dataclass
class StallWatch:
    stall_after_s: float
    exit_after_s: float
    _last_records: int = -1
    _since: float | None = None
    stalls: int = field(default=0)

    def observe(
        self, now: float, records_taken: int, unread: int, *, busy: bool = False
    ) -> Verdict:
        """`records_taken`: records the agent has taken in so far; `unread`: records waiting in the
        worker's own partitions (high watermark minus committed offset); `busy`: the pipeline still
        holds taken records (e.g. retrying while PostgreSQL is down), which is not the consumer's
        stall. Idle time counts from the last observation that saw progress, a busy pipeline or
        nothing to read."""
        moved = records_taken != self._last_records
        self._last_records = records_taken
        if moved or busy or unread <= 0 or self._since is None:
            self._since = now
            return "ok"
        idle = now - self._since
        if idle >= self.exit_after_s:
            return "give_up"
        if idle >= self.stall_after_s:
            self.stalls += 1
            return "stalled"
        return "ok"

    def idle_s(self, now: float) -> float:
        return 0.0 if self._since is None else now - self._since


def unread_records(app: Any, topic: str) -> tuple[int, dict[str, Any]]:
    """Records not yet committed in the partitions of `topic` this worker owns, and the consumer's
    state for the log (Faust keeps these on private attributes: read defensively)."""
    consumer = app.consumer
    assignment = [tp for tp in consumer.assignment() if tp.topic == topic]
    committed = getattr(consumer, "_committed_offset", {})
    read = getattr(consumer, "_read_offset", {})
    paused: set[Any] = getattr(consumer, "_paused_partitions", set())
    unread = 0
    partitions: dict[int, dict[str, Any]] = {}
    for tp in sorted(assignment, key=lambda tp: tp.partition):
        highwater = consumer.highwater(tp)
        done = committed.get(tp) or 0
        waiting = max(0, (highwater or 0) - done) if highwater is not None else 0
        unread += waiting
        partitions[tp.partition] = {
            "highwater": highwater,
            "committed": committed.get(tp),
            "read": read.get(tp),
            "paused": tp in paused,
        }
    recovery = getattr(app.tables, "recovery", None)
    state = {
        "partitions": partitions,
        "in_recovery": getattr(recovery, "in_recovery", None),
        "flow_active": app.flow_control.is_active(),
        "unacked": len(getattr(consumer, "_unacked_messages", ())),
        "rebalancing": getattr(app, "rebalancing", None),
    }
    return unread, state
