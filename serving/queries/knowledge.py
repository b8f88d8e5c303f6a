"""Lore search through `loreline.knowledge.search.hybrid_search`, confined to the scope's worlds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from loreline.contract import GLOBAL_WORLD
from loreline.knowledge.search import SearchHit, hybrid_search
from serving.security.scope import WorldScope


async def search_lore(
    pool: Any,
    scope: WorldScope,
    query_embedding: Sequence[float] | np.ndarray | None,
    query_text: str,
    *,
    k: int,
    doc_types: list[str] | None,
    entity: str | None,
    mode: Literal["hybrid", "vector", "text"],
) -> list[SearchHit]:
    """The best `k` chunks of the scope's lore worlds (`scope.lore_worlds`), best first.
    The search's own SQL filters by world; hits are checked against the scope once more."""
    if scope.world_id == GLOBAL_WORLD:
        search_scope: Literal["global", "world", "both"] = "global"
    else:
        search_scope = "both" if scope.include_global else "world"
    hits = await hybrid_search(
        pool,
        query_embedding,
        query_text,
        scope=search_scope,
        world_id=scope.world_id,
        k=k,
        doc_types=doc_types,
        entity=entity,
        mode=mode,
    )
    allowed = set(scope.lore_worlds)
    return [hit for hit in hits if hit.world_id in allowed]
