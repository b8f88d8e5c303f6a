"""The one search module: lore chunks and narrative history, vector + full text, fused with RRF.

Every query filters on world ids inside the SQL (`world_id = ANY($worlds)`), so a per-world search
can never return another world's rows. Scopes: `world` = the world's own lore, `global` = the
`global` lore only, `both` = the world's lore and the global lore.

Ranking: the vector branch takes the nearest `candidates` chunks by cosine distance (HNSW index,
iterative scan so filters still fill the list), the text branch the best `candidates` chunks by
`ts_rank` of an OR-query over the question's lexemes; each list is ranked and fused with reciprocal
rank fusion `score = Σ 1 / (60 + rank)`. `mode="vector"` / `"text"` use one branch (score is the
cosine similarity / the text rank).

The text branch costs in proportion to the rows it ranks, so it does not rank every row sharing one
word with the question. It *matches* on the question's rarest lexemes, as many as keep the expected
number of matching rows within `text_budget`, and *ranks* those rows on all the question's lexemes.
Lexeme frequencies come from PostgreSQL's own column statistics (`pg_stats.most_common_elems` of the
tsvector column, kept current by autovacuum's ANALYZE); a lexeme not listed there is taken to be as
frequent as the least frequent listed one. When even the rarest lexeme is too common, rows holding
every lexeme are matched (AND). Tables too small to exceed the budget, or never analysed, match the
OR of all lexemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from loreline.knowledge.embedder import Embedder, vector_literal

GLOBAL_WORLD = "global"
RRF_K = 60
Scope = Literal["global", "world", "both"]
Mode = Literal["hybrid", "vector", "text"]


class SearchHit(BaseModel):
    chunk_id: int
    citation_id: str
    text: str
    title: str
    doc_type: str
    heading_path: list[str]
    world_id: str
    document_path: str
    score: float
    vector_rank: int | None = None
    text_rank: int | None = None
    similarity: float | None = None


class HistoryHit(BaseModel):
    history_id: int
    world_id: str
    session_id: str
    period_start: datetime
    period_end: datetime
    summary: str
    event_count: int
    first_event_id: str
    last_event_id: str
    score: float
    vector_rank: int | None = None
    text_rank: int | None = None
    similarity: float | None = None


def scope_worlds(scope: Scope, world_id: str | None) -> list[str]:
    """The world ids a scope searches; `world`/`both` need a world id."""
    if scope == "global":
        return [GLOBAL_WORLD]
    if not world_id:
        raise ValueError(f"scope {scope!r} needs a world_id")
    if scope == "world":
        return [world_id]
    if scope == "both":
        return [world_id] if world_id == GLOBAL_WORLD else [world_id, GLOBAL_WORLD]
    raise ValueError(f"unknown scope {scope!r}; use 'global', 'world' or 'both'")


# --- SQL -------------------------------------------------------------------------------------------


def _text_query_cte(table: str, text: str, budget: str) -> str:
    """CTE `q` of the full-text branch over `table.tsv` (see the module doc).

    `q.rank_q` ranks: the OR of all the question's lexemes. `q.match_q` selects the rows to rank
    (`text_match_query`, migration 0202). Both are NULL when the question has no lexemes.
    """
    return f"""
q AS MATERIALIZED (
    SELECT CASE WHEN numnode(p) = 0 THEN NULL
                ELSE to_tsquery('simple', replace(p::text, ' & ', ' | ')) END AS rank_q,
           text_match_query('{table}'::regclass, {text}, {budget}) AS match_q
      FROM plainto_tsquery('english', coalesce({text}, '')) AS p
)"""


# $1 query vector (text, cast to vector) | $2 query text | $3 world ids | $4 doc types or NULL
# $5 entity or NULL | $6 candidates per branch | $7 k | $8 use vector branch | $9 use text branch
# $10 text budget (rows the text branch may rank)

_LORE_FILTER = """
      c.world_id = ANY($3::text[])
  AND ($4::text[] IS NULL OR d.doc_type = ANY($4::text[]))
  AND ($5::text IS NULL
       OR $5::text = ANY(d.entities)
       OR EXISTS (SELECT 1 FROM entities e
                   WHERE e.world_id = c.world_id AND e.entity_id = $5::text
                     AND length(e.name) > 2 AND strpos(lower(c.text), lower(e.name)) > 0))
"""

LORE_SEARCH_SQL = f"""
WITH {_text_query_cte("lore_chunks", "$2::text", "$10::float8")},
vec AS (
    SELECT chunk_id, row_number() OVER (ORDER BY dist, chunk_id) AS rank, 1 - dist AS similarity
      FROM (SELECT c.chunk_id, c.embedding <=> $1::text::vector AS dist
              FROM lore_chunks c JOIN lore_documents d USING (document_id)
             WHERE $8::boolean AND c.embedding IS NOT NULL AND {_LORE_FILTER}
             ORDER BY c.embedding <=> $1::text::vector
             LIMIT $6::int) v
),
txt AS (
    SELECT chunk_id, row_number() OVER (ORDER BY trank DESC, chunk_id) AS rank, trank
      FROM (SELECT c.chunk_id, ts_rank(c.tsv, q.rank_q, 1) AS trank
              FROM lore_chunks c JOIN lore_documents d USING (document_id), q
             WHERE $9::boolean AND q.match_q IS NOT NULL AND c.tsv @@ q.match_q
               AND {_LORE_FILTER}
             ORDER BY trank DESC, c.chunk_id
             LIMIT $6::int) t
),
fused AS (
    SELECT coalesce(vec.chunk_id, txt.chunk_id) AS chunk_id,
           vec.rank AS vector_rank, txt.rank AS text_rank, vec.similarity, txt.trank,
           coalesce(1.0 / ({RRF_K} + vec.rank), 0) + coalesce(1.0 / ({RRF_K} + txt.rank), 0) AS rrf
      FROM vec FULL OUTER JOIN txt ON vec.chunk_id = txt.chunk_id
)
SELECT f.chunk_id, c.citation_id, c.text, d.title, d.doc_type, c.heading_path, c.world_id,
       d.path AS document_path, f.vector_rank, f.text_rank, f.similarity,
       CASE WHEN $8::boolean AND $9::boolean THEN f.rrf
            WHEN $8::boolean THEN f.similarity
            ELSE f.trank END::float8 AS score
  FROM fused f
  JOIN lore_chunks c ON c.chunk_id = f.chunk_id
  JOIN lore_documents d ON d.document_id = c.document_id
 WHERE c.world_id = ANY($3::text[])
 ORDER BY score DESC, f.chunk_id
 LIMIT $7::int
"""

# $1 vector | $2 text | $3 world id | $4 session id or NULL | $5 since or NULL | $6 until or NULL
# $7 candidates | $8 k | $9 use vector | $10 use text | $11 text budget
_HISTORY_FILTER = """
      h.world_id = $3::text
  AND ($4::text IS NULL OR h.session_id = $4::text)
  AND ($5::timestamptz IS NULL OR h.period_end > $5::timestamptz)
  AND ($6::timestamptz IS NULL OR h.period_start < $6::timestamptz)
"""

HISTORY_SEARCH_SQL = f"""
WITH {_text_query_cte("narrative_history", "$2::text", "$11::float8")},
vec AS (
    SELECT history_id, row_number() OVER (ORDER BY dist, history_id) AS rank, 1 - dist AS similarity
      FROM (SELECT h.history_id, h.embedding <=> $1::text::vector AS dist
              FROM narrative_history h
             WHERE $9::boolean AND h.embedding IS NOT NULL AND {_HISTORY_FILTER}
             ORDER BY h.embedding <=> $1::text::vector
             LIMIT $7::int) v
),
txt AS (
    SELECT history_id, row_number() OVER (ORDER BY trank DESC, history_id) AS rank, trank
      FROM (SELECT h.history_id, ts_rank(h.tsv, q.rank_q, 1) AS trank
              FROM narrative_history h, q
             WHERE $10::boolean AND q.match_q IS NOT NULL AND h.tsv @@ q.match_q
               AND {_HISTORY_FILTER}
             ORDER BY trank DESC, h.history_id
             LIMIT $7::int) t
),
fused AS (
    SELECT coalesce(vec.history_id, txt.history_id) AS history_id,
           vec.rank AS vector_rank, txt.rank AS text_rank, vec.similarity, txt.trank,
           coalesce(1.0 / ({RRF_K} + vec.rank), 0) + coalesce(1.0 / ({RRF_K} + txt.rank), 0) AS rrf
      FROM vec FULL OUTER JOIN txt ON vec.history_id = txt.history_id
)
SELECT h.history_id, h.world_id, h.session_id, h.period_start, h.period_end, h.summary,
       h.event_count, h.first_event_id, h.last_event_id, f.vector_rank, f.text_rank, f.similarity,
       CASE WHEN $9::boolean AND $10::boolean THEN f.rrf
            WHEN $9::boolean THEN f.similarity
            ELSE f.trank END::float8 AS score
  FROM fused f JOIN narrative_history h ON h.history_id = f.history_id
 WHERE h.world_id = $3::text
 ORDER BY score DESC, f.history_id
 LIMIT $8::int
"""


def _branches(mode: Mode) -> tuple[bool, bool]:
    if mode == "hybrid":
        return True, True
    if mode == "vector":
        return True, False
    if mode == "text":
        return False, True
    raise ValueError(f"unknown mode {mode!r}; use 'hybrid', 'vector' or 'text'")


def _default_text_budget(candidates: int) -> int:
    return max(1000, 25 * candidates)


def _vector_param(query_embedding: Sequence[float] | np.ndarray | None, use_vector: bool) -> str:
    if query_embedding is None:
        if use_vector:
            raise ValueError("query_embedding is required for mode 'hybrid' and 'vector'")
        return vector_literal(np.zeros(384, dtype=np.float32))
    return vector_literal(query_embedding)


async def _fetch(conn_or_pool: Any, sql: str, args: Sequence[Any], ef_search: int) -> list[Any]:
    """Run one search in a transaction with HNSW iterative scans (asyncpg pool or connection).

    Plans stay custom (PostgreSQL's default for the first executions and whenever the generic plan
    looks dearer): a generic plan does not know how few chunks a small world has, and would walk
    the HNSW graph of every world's chunks instead of ranking the small world's chunks exactly.
    """
    if hasattr(conn_or_pool, "acquire") and not hasattr(conn_or_pool, "fetch_row"):
        async with conn_or_pool.acquire() as conn:
            return await _fetch(conn, sql, args, ef_search)
    conn = conn_or_pool
    async with conn.transaction():
        await conn.execute(
            "SET LOCAL hnsw.iterative_scan = 'relaxed_order';"
            f" SET LOCAL hnsw.ef_search = {int(ef_search)}"
        )
        return list(await conn.fetch(sql, *args))


async def hybrid_search(
    conn_or_pool: Any,
    query_embedding: Sequence[float] | np.ndarray | None,
    query_text: str | None,
    *,
    scope: Scope,
    world_id: str | None,
    k: int,
    doc_types: list[str] | None = None,
    entity: str | None = None,
    mode: Mode = "hybrid",
    candidates: int | None = None,
    text_budget: int | None = None,
) -> list[SearchHit]:
    """Search lore chunks of the scope's worlds; the best `k` hits, best first.

    `conn_or_pool`: an asyncpg connection or pool. `query_embedding`: 384 floats (normalised, from
    `Embedder.encode_one`); may be None for `mode="text"`. `doc_types` / `entity` narrow the search
    to those document types / chunks of documents about (or mentioning) that entity.
    `text_budget`: how many rows the text branch may rank (default 25 per candidate, at least 1000).
    """
    if k <= 0:
        return []
    worlds = scope_worlds(scope, world_id)
    use_vector, use_text = _branches(mode)
    pool_size = max(candidates or 0, k * 4, 40)
    args = (
        _vector_param(query_embedding, use_vector),
        query_text or "",
        worlds,
        list(doc_types) if doc_types else None,
        entity,
        pool_size,
        k,
        use_vector,
        use_text,
        float(text_budget or _default_text_budget(pool_size)),
    )
    rows = await _fetch(conn_or_pool, LORE_SEARCH_SQL, args, ef_search=max(40, pool_size))
    return [SearchHit.model_validate(dict(row)) for row in rows]  # columns named as fields


async def search_history(
    conn_or_pool: Any,
    query_embedding: Sequence[float] | np.ndarray | None,
    query_text: str | None,
    *,
    world_id: str,
    k: int,
    session_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    mode: Mode = "hybrid",
) -> list[HistoryHit]:
    """Search one world's narrative history (per session and time window summaries)."""
    if not world_id:
        raise ValueError("world_id is required for history search")
    if k <= 0:
        return []
    use_vector, use_text = _branches(mode)
    pool_size = max(k * 4, 40)
    args = (
        _vector_param(query_embedding, use_vector),
        query_text or "",
        world_id,
        session_id,
        since,
        until,
        pool_size,
        k,
        use_vector,
        use_text,
        float(_default_text_budget(pool_size)),
    )
    rows = await _fetch(conn_or_pool, HISTORY_SEARCH_SQL, args, ef_search=max(40, pool_size))
    return [HistoryHit.model_validate(dict(row)) for row in rows]  # columns named as fields


async def search_lore(
    conn_or_pool: Any,
    embedder: Embedder,
    query: str,
    *,
    scope: Scope,
    world_id: str | None,
    k: int = 5,
    doc_types: list[str] | None = None,
    entity: str | None = None,
    mode: Mode = "hybrid",
) -> list[SearchHit]:
    """Convenience: embed `query` with `embedder`, then `hybrid_search`."""
    embedding = embedder.encode_one(query) if mode != "text" else None
    return await hybrid_search(
        conn_or_pool,
        embedding,
        query,
        scope=scope,
        world_id=world_id,
        k=k,
        doc_types=doc_types,
        entity=entity,
        mode=mode,
    )
