"""Fitting context items into a token budget.

Items are taken round-robin across kinds, in the use case's kind order, each kind best item
first (NPC dialogue: memory, state, lore, history, events; narration: lore, state, history, ...),
so one verbose kind cannot crowd out the others. An item that does not fit is cut to the room
left when at least `min_cut_tokens` remain, else skipped (a later, shorter item may still fit).
Each item costs the tokens of its rendered line (label, text, newline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from serving.storyteller.context.items import ContextItem, ContextKind, render_line
from serving.storyteller.token_count import TokenCounter

LABEL_PLACEHOLDER = 99  # lines are costed with a two-digit label, the longest the prompt uses
MAX_ITEMS = 99


@dataclass(frozen=True, slots=True)
class PlacedItem:
    item: ContextItem
    label: int
    text: str  # the item's text as placed (possibly cut)
    tokens: int
    cut: bool


@dataclass(frozen=True, slots=True)
class FittedContext:
    placed: tuple[PlacedItem, ...]
    budget_tokens: int
    used_tokens: int
    dropped: tuple[str, ...] = field(default=())  # citation ids left out

    @property
    def citations(self) -> list[str]:
        return [placed.item.citation_id for placed in self.placed]

    def lines(self) -> list[str]:
        return [render_line(placed.label, placed.text) for placed in self.placed]


def interleave(
    items: Sequence[ContextItem], kind_order: Sequence[ContextKind]
) -> list[ContextItem]:
    """Round-robin across kinds in `kind_order` (kinds not listed come last, in item order)."""
    queues: dict[ContextKind, list[ContextItem]] = {}
    for item in items:
        queues.setdefault(item.kind, []).append(item)
    kinds = [kind for kind in kind_order if kind in queues]
    kinds += [kind for kind in queues if kind not in kinds]
    ordered: list[ContextItem] = []
    depth = 0
    while len(ordered) < len(items):
        for kind in kinds:
            queue = queues[kind]
            if depth < len(queue):
                ordered.append(queue[depth])
        depth += 1
    return ordered


def line_cost(counter: TokenCounter, text: str) -> int:
    return counter.count(render_line(LABEL_PLACEHOLDER, text) + "\n")


def fit_context(
    items: Sequence[ContextItem],
    budget_tokens: int,
    counter: TokenCounter,
    kind_order: Sequence[ContextKind],
    *,
    min_cut_tokens: int = 24,
) -> FittedContext:
    """The items that fit in `budget_tokens`, labelled 1..n in placement order."""
    placed: list[PlacedItem] = []
    dropped: list[str] = []
    used = 0
    seen: set[str] = set()
    for item in interleave(items, kind_order):
        if item.citation_id in seen or not item.text.strip():
            continue
        seen.add(item.citation_id)
        room = budget_tokens - used
        cost = line_cost(counter, item.text)
        text, cut = item.text, False
        if cost > room and len(placed) < MAX_ITEMS and room >= min_cut_tokens:
            overhead = line_cost(counter, "")
            text = counter.truncate(item.text, room - overhead)
            cost, cut = line_cost(counter, text), True
            while text and cost > room:  # token counts are not additive at the cut
                text = counter.truncate(text, counter.count(text) - 2)
                cost = line_cost(counter, text)
        if not text.strip() or cost > room or len(placed) >= MAX_ITEMS:
            dropped.append(item.citation_id)
            continue
        placed.append(PlacedItem(item, len(placed) + 1, text, cost, cut))
        used += cost
    return FittedContext(tuple(placed), budget_tokens, used, tuple(dropped))
