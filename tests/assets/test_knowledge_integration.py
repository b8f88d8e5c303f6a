"""The knowledge base against real PostgreSQL + pgvector: built from the demo docs, searched."""

from __future__ import annotations

import asyncpg
import psycopg
import pytest

from loreline.db import create_pool
from loreline.knowledge import hybrid_search, search_lore
from loreline.knowledge.ingest import load_default_lore, load_lore
from loreline.knowledge.search import Mode
from tests.assets.conftest import OTHER_WORLD_LORE, write_docs

pytestmark = pytest.mark.integration
aio = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def pool(kb_dsn: str):
    pool = await create_pool(kb_dsn, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


def test_demo_lore_is_loaded(kb_dsn: str) -> None:
    with psycopg.connect(kb_dsn) as conn:
        docs = conn.execute(
            "SELECT world_id, count(*) FROM lore_documents GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert docs == [("glassport", 1), ("global", 1), ("saltmarch", 13)]
        nulls, dims = conn.execute(  # type: ignore[misc]
            "SELECT count(*) FILTER (WHERE embedding IS NULL), min(vector_dims(embedding))"
            " FROM lore_chunks"
        ).fetchone()
        assert nulls == 0 and dims == 384
        kinds: dict[str, int] = dict(
            conn.execute(
                "SELECT kind, count(*) FROM entities WHERE world_id = 'saltmarch' GROUP BY 1"
            ).fetchall()
        )
        assert set(kinds) == {"npc", "faction", "location", "quest", "item"}


@pytest.mark.parametrize("mode", ["hybrid", "vector", "text"])
@aio
async def test_world_scope_never_leaks(pool, embedder, mode: Mode) -> None:
    # a query that is *about* the other world: a per-world search must still stay in its world
    query = "the blue lighthouse of Verrin and its keeper Old Anselm"
    emb = embedder.encode_one(query)
    for world in ("saltmarch", "glassport"):
        hits = await hybrid_search(pool, emb, query, scope="world", world_id=world, k=20, mode=mode)
        assert hits, (world, mode)
        assert {h.world_id for h in hits} == {world}
    glob = await hybrid_search(
        pool, emb, query, scope="global", world_id="saltmarch", k=20, mode=mode
    )
    assert {h.world_id for h in glob} <= {"global"}
    assert glob or mode == "text"  # no global doc shares a word with the query
    both = await hybrid_search(
        pool, emb, query, scope="both", world_id="glassport", k=20, mode=mode
    )
    assert {h.world_id for h in both} <= {"glassport", "global"}
    top = await hybrid_search(pool, emb, query, scope="world", world_id="glassport", k=1, mode=mode)
    assert top[0].citation_id.startswith("glassport/harbour#chunk-")


@aio
async def test_hit_fields_and_citations(pool, embedder) -> None:
    hits = await search_lore(
        pool, embedder, "Who leads the Causeway Wardens?", scope="world", world_id="saltmarch", k=5
    )
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        assert h.citation_id.startswith("saltmarch/") and "#chunk-" in h.citation_id
        assert h.heading_path and h.title and h.doc_type and h.text
    same = await search_lore(
        pool, embedder, "Who leads the Causeway Wardens?", scope="world", world_id="saltmarch", k=5
    )
    assert [h.citation_id for h in same] == [h.citation_id for h in hits]


@aio
async def test_doc_type_and_entity_filters(pool, embedder) -> None:
    hits = await search_lore(
        pool,
        embedder,
        "prices of salt",
        scope="world",
        world_id="saltmarch",
        k=10,
        doc_types=["economy"],
    )
    assert hits and {h.doc_type for h in hits} == {"economy"}
    async with pool.acquire() as conn:
        npc = await conn.fetchrow(
            "SELECT entity_id, name FROM entities WHERE world_id = 'saltmarch' AND kind = 'npc'"
            " ORDER BY entity_id LIMIT 1"
        )
    hits = await search_lore(
        pool,
        embedder,
        "who is this",
        scope="world",
        world_id="saltmarch",
        k=10,
        entity=npc["entity_id"],
    )
    assert hits
    async with pool.acquire() as conn:
        for h in hits:
            tagged = await conn.fetchval(
                "SELECT $1 = ANY(d.entities) FROM lore_chunks c JOIN lore_documents d"
                " USING (document_id) WHERE c.chunk_id = $2",
                npc["entity_id"],
                h.chunk_id,
            )
            assert tagged or npc["name"].lower() in h.text.lower()


@aio
async def test_hybrid_at_least_as_good_as_vector_on_a_sanity_query(pool, embedder) -> None:
    """Exact names (a rare proper noun) are where full text helps the vector search."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT e.name, c.citation_id FROM entities e JOIN lore_chunks c"
            " ON c.world_id = e.world_id AND strpos(c.text, e.name) > 0"
            " WHERE e.world_id = 'saltmarch' AND e.kind = 'npc' ORDER BY e.entity_id, c.chunk_id"
        )
    first: dict[str, set[str]] = {}
    for row in rows:
        first.setdefault(row["name"], set()).add(row["citation_id"])
    names = sorted(first)[:8]
    assert names
    scores: dict[Mode, int] = {"hybrid": 0, "vector": 0}
    for name in names:
        query = f"What do we know about {name}?"
        emb = embedder.encode_one(query)
        for mode in scores:
            hits = await hybrid_search(
                pool, emb, query, scope="world", world_id="saltmarch", k=3, mode=mode
            )
            scores[mode] += any(h.citation_id in first[name] for h in hits)
    assert scores["hybrid"] >= scores["vector"], scores
    assert scores["hybrid"] >= len(names) - 1, scores


@aio
async def test_works_with_a_plain_connection(kb_dsn: str, embedder) -> None:
    conn = await asyncpg.connect(kb_dsn)
    try:
        hits = await hybrid_search(
            conn, embedder.encode_one("salt"), "salt", scope="world", world_id="saltmarch", k=3
        )
        assert len(hits) == 3
    finally:
        await conn.close()


def test_reload_skips_unchanged_and_keeps_unchanged_chunks(
    database_url: str, embedder, tmp_path
) -> None:
    first = load_default_lore(database_url, embedder=embedder)
    assert first["documents"]["inserted"] == 13
    again = load_default_lore(database_url, embedder=embedder)
    assert again["documents"]["unchanged"] == 13
    assert again["chunks"]["documents_chunked"] == 0
    assert again["embeddings"]["chunks_embedded"] == 0

    folder = write_docs(tmp_path / "gp", OTHER_WORLD_LORE)
    load_lore(database_url, folder, embedder=embedder)
    doc = folder / "harbour.md"
    doc.write_text(doc.read_text() + "\n## New wing\nA new wing of glass was built in spring.\n")
    changed = load_lore(database_url, folder, embedder=embedder)
    assert changed["documents"]["updated"] == 1
    assert changed["chunks"]["embeddings_reused"] >= 2  # the untouched sections kept their vectors
    assert changed["embeddings"]["chunks_embedded"] == 1
    doc.unlink()
    gone = load_lore(database_url, folder, embedder=embedder)
    assert gone["documents"]["deleted"] == 1
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM lore_chunks WHERE world_id = 'glassport'"
        ).fetchone()
    assert left == (0,)
