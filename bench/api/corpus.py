"""A synthetic lore corpus: seeded word salad shaped like lore chunks, random unit vectors as
their embeddings (embedding 100k texts with the real model would take minutes), bulk-loaded
with COPY into the real `lore_documents` / `lore_chunks` tables."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from loreline.knowledge.embedder import EMBEDDING_DIM

WORLD = "bench"
COMMON = [
    "salt",
    "tide",
    "marsh",
    "keeper",
    "lamp",
    "harbour",
    "guild",
    "road",
    "choir",
    "lantern",
    "fen",
    "reeve",
    "wyrm",
    "ferry",
    "toll",
    "boiling",
    "pans",
    "convoy",
    "bandit",
    "storm",
    "ebb",
    "causeway",
    "keep",
    "steward",
    "vault",
    "merchant",
    "brine",
    "reed",
    "smuggler",
    "oath",
    "feud",
    "bell",
    "shrine",
    "priest",
    "widow",
    "heir",
    "ledger",
    "weigh",
    "house",
    "compact",
    "silver",
    "copper",
    "eel",
    "heron",
    "peat",
    "smoke",
    "bridge",
    "ford",
    "mill",
    "barrow",
    "oak",
    "ash",
    "willow",
    "mist",
    "rain",
    "frost",
    "wind",
    "ghost",
]


def _syllable_words(rng: random.Random, count: int) -> list[str]:
    onsets = ["b", "br", "c", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "r", "s",
              "st", "t", "th", "v", "w"]  # fmt: skip
    nuclei = ["a", "e", "i", "o", "u", "ae", "ou", "ea"]
    codas = ["", "n", "r", "th", "ck", "ll", "sh", "m", "nd"]
    words: set[str] = set()
    while len(words) < count:
        words.add(
            "".join(rng.choice(onsets) + rng.choice(nuclei) for _ in range(2)) + rng.choice(codas)
        )
    return sorted(words)


@dataclass
class Corpus:
    vocabulary: list[str]
    queries: list[str]


def make_corpus(seed: int = 7, queries: int = 2_000) -> Corpus:
    rng = random.Random(seed)
    vocabulary = COMMON + _syllable_words(rng, 3_000)
    query_texts = [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 8))) for _ in range(queries)
    ]
    return Corpus(vocabulary, query_texts)


def _unit_vectors(rng: np.random.Generator, n: int) -> np.ndarray:
    vectors = rng.standard_normal((n, EMBEDDING_DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


async def load_chunks(
    conn: Any, corpus: Corpus, chunks: int, per_document: int = 100, seed: int = 7
) -> dict[str, float]:
    """Insert `chunks` chunks (in documents of `per_document`) of world `bench`; build indexes."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    started = time.perf_counter()
    await conn.execute(
        "INSERT INTO worlds (world_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", WORLD
    )
    documents = (chunks + per_document - 1) // per_document
    doc_rows = [
        (WORLD, "bench", f"doc-{d:05d}.md", f"doc-{d:05d}", f"Document {d}",
         rng.choice(["lore", "location", "character", "faction"]), "", f"hash-{d}")
        for d in range(documents)
    ]  # fmt: skip
    await conn.copy_records_to_table(
        "lore_documents",
        records=doc_rows,
        columns=["world_id", "source", "path", "slug", "title", "doc_type", "body", "content_hash"],
    )
    ids = await conn.fetch(
        "SELECT document_id, slug FROM lore_documents WHERE world_id = $1 ORDER BY slug", WORLD
    )
    vectors = _unit_vectors(np_rng, chunks)
    vocab = corpus.vocabulary
    rows = []
    for index in range(chunks):
        doc = ids[index // per_document]
        position = index % per_document
        heading = f"Section {position // 5}"
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(60, 120)))
        rows.append(
            (doc["document_id"], WORLD, position, [f"Document {index // per_document}", heading],
             heading, text, f"{WORLD}/{doc['slug']}#chunk-{position}", vectors[index], "random")
        )  # fmt: skip
    loaded = time.perf_counter()
    await conn.execute("DROP INDEX IF EXISTS lore_chunks_embedding_hnsw")
    await conn.copy_records_to_table(
        "lore_chunks",
        records=rows,
        columns=["document_id", "world_id", "position", "heading_path", "heading", "text",
                 "citation_id", "embedding", "embedding_model"],
    )  # fmt: skip
    copied = time.perf_counter()
    await conn.execute("SET maintenance_work_mem = '1GB'")
    await conn.execute(
        "CREATE INDEX lore_chunks_embedding_hnsw ON lore_chunks"
        " USING hnsw (embedding vector_cosine_ops)"
    )
    await conn.execute("ANALYZE lore_documents; ANALYZE lore_chunks")
    indexed = time.perf_counter()
    return {
        "generate_s": loaded - started,
        "copy_s": copied - loaded,
        "hnsw_index_s": indexed - copied,
    }
