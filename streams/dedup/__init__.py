"""De-duplication by event_id: a bounded, restart-surviving window in front of PostgreSQL's key."""

from streams.dedup.window import DedupWindow

__all__ = ["DedupWindow"]
