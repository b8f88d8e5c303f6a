"""Version numbers of the contract: the event schema and the batch framing."""

from __future__ import annotations

from typing import Final

SCHEMA_VERSION: Final = 1
"""Newest event `schema_version` this code reads and the one it writes."""

BATCH_FORMAT_VERSION: Final = 1
"""Value of `v` in a batch `{"v": 1, "events": [...]}`: the framing around the events."""
