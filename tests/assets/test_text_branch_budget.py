"""The full-text branch matches on the question's rarest words, so its cost stays bounded.

Against the real PostgreSQL: a world of 3,000 chunks where every chunk says "salt" and "tide" and
only a few name "Quillon" (migration 0202's `text_match_query`, fed by ANALYZE's statistics).
"""

from __future__ import annotations

import asyncpg
import numpy as np
import pytest

from loreline.knowledge import hybrid_search

pytestmark = pytest.mark.integration
aio = pytest.mark.asyncio(loop_scope="session")

WORLD = "budget"
CHUNKS = 3_000
RARE = {7, 1_500, 2_999}  # the chunks that name Quillon


async def seed(conn: asyncpg.Connection) -> None:
    await conn.execute("INSERT INTO worlds (world_id, name) VALUES ($1, $1)", WORLD)
    doc = await conn.fetchval(
        "INSERT INTO lore_documents (world_id, source, path, slug, title, doc_type, body,"
        " content_hash) VALUES ($1, 'test', 'b.md', 'b', 'B', 'lore', '', 'h')"
        " RETURNING document_id",
        WORLD,
    )
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((CHUNKS, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = [
        (
            doc, WORLD, i, ["B"], "B",
            f"salt tide marsh {'the heron Quillon ' if i in RARE else ''}chunk {i}"
            + (" lantern" if i % 2 else ""),
            f"{WORLD}/b#{i}", "[" + ",".join(f"{x:.6f}" for x in vectors[i]) + "]", "test",
        )
        for i in range(CHUNKS)
    ]  # fmt: skip
    await conn.executemany(
        "INSERT INTO lore_chunks (document_id, world_id, position, heading_path, heading, text,"
        " citation_id, embedding, embedding_model)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::vector, $9)",
        rows,
    )


@aio
async def test_rare_words_select_and_common_words_fall_back_to_and(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        match = "SELECT text_match_query('lore_chunks'::regclass, $1, $2)::text"
        # a table without statistics: every lexeme is matched, as plain OR
        assert await conn.fetchval(match, "salt Quillon", 1000.0) == "'quillon' | 'salt'"
        await seed(conn)
        await conn.execute("ANALYZE lore_chunks")
        # "salt" is in every chunk: matching on it would rank 3,000 rows; "quillon" is rare
        assert await conn.fetchval(match, "salt Quillon", 1000.0) == "'quillon'"
        # only common words: the AND of them all (rows holding every word)
        assert await conn.fetchval(match, "salt lantern", 1000.0) == "'salt' & 'lantern'"
        # a budget large enough for every row keeps the OR of all words
        assert set((await conn.fetchval(match, "salt Quillon", 1e9)).split(" | ")) == {
            "'quillon'",
            "'salt'",
        }
        assert await conn.fetchval(match, "the of and", 1000.0) is None  # stop words only

        hits = await hybrid_search(
            conn, None, "Quillon on the salt tide", scope="world", world_id=WORLD, k=10,
            mode="text",
        )  # fmt: skip
        # exactly the chunks naming Quillon, ranked on all the question's words
        assert {h.chunk_id for h in hits} == set(
            await conn.fetchval(
                "SELECT array_agg(chunk_id) FROM lore_chunks WHERE world_id = $1"
                " AND text LIKE '%Quillon%'",
                WORLD,
            )
        )
        assert len(hits) == len(RARE)
        # in hybrid mode the vector branch still fills the list
        emb = np.zeros(384, dtype=np.float32)
        emb[0] = 1.0
        mixed = await hybrid_search(
            conn, emb, "Quillon on the salt tide", scope="world", world_id=WORLD, k=10
        )
        assert len(mixed) == 10
        assert {h.chunk_id for h in mixed if h.text_rank is not None} == {h.chunk_id for h in hits}
    finally:
        await conn.close()
