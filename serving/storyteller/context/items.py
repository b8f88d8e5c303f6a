"""One piece of context the prompt may carry, with the id a response cites it by."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ContextKind(StrEnum):
    LORE = "lore"  # lore chunks: citation id '<world>/<doc-slug>#chunk-<n>'
    STATE = "state"  # live world state: 'state:<section>[:<id>]'
    MEMORY = "memory"  # the NPC's memories: 'memory:<event_id>'
    HISTORY = "history"  # narrative history summaries: 'history:<history_id>'
    EVENT = "event"  # the world's latest events: 'event:<event_id>'


@dataclass(frozen=True, slots=True)
class ContextItem:
    citation_id: str
    kind: ContextKind
    text: str


def render_line(label: int, text: str) -> str:
    """How an item appears in the prompt: a short numeric label the model may cite."""
    return f"[{label}] {' '.join(text.split())}"
