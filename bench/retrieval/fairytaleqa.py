"""Retrieval quality on FairytaleQA: recall@1/5/10 of the gold section, per world and global.

Each story is its own world (`ftqa-<story>`), each section one chunk (heading = the story title).
The same sections are also stored as `global` lore for the global-scope run (search over every
story at once). Modes: vector only, full text only, hybrid (RRF). The search is the one the API uses
(`loreline.knowledge.hybrid_search`).

    .venv/bin/python -m bench.retrieval.fairytaleqa [--split val] [--stories N] [--dsn URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import defaultdict

import numpy as np
import psycopg

from bench.retrieval.common import (
    Question,
    Story,
    bench_database,
    cached_embeddings,
    load_split,
    section_texts,
    title_of,
)
from loreline.knowledge.embedder import vector_literal
from loreline.knowledge.ingest import ensure_worlds

KS = (1, 5, 10)
MODES = ("vector", "text", "hybrid")


def store_sections(dsn: str, stories: list[Story], vectors: np.ndarray, *, as_global: bool) -> None:
    """One document per story, one chunk per section (with its embedding), per world and global."""
    keys, _ = section_texts(stories)
    index = {key: i for i, key in enumerate(keys)}
    with psycopg.connect(dsn, autocommit=True) as conn:
        ensure_worlds(conn, [s.world_id for s in stories])
        for s in stories:
            worlds = [s.world_id] + (["global"] if as_global else [])
            for world in worlds:
                doc_row = conn.execute(
                    "INSERT INTO lore_documents (world_id, source, path, slug, title, doc_type, body,"
                    " content_hash, chunked_hash) VALUES (%s, 'fairytaleqa', %s, %s, %s, 'story', %s,"
                    " 'x', 'x') RETURNING document_id",
                    (world, s.name, s.name, title_of(s.name), "\n\n".join(s.sections.values())),
                ).fetchone()
                assert doc_row is not None
                doc_id = doc_row[0]
                with conn.cursor().copy(
                    "COPY lore_chunks (document_id, world_id, position, heading_path, heading, text,"
                    " citation_id, embedding, embedding_model) FROM STDIN"
                ) as copy:
                    for number, text in sorted(s.sections.items()):
                        copy.write_row(
                            (
                                doc_id,
                                world,
                                number,
                                [title_of(s.name)],
                                title_of(s.name),
                                text,
                                f"{world}/{s.name}#chunk-{number}",
                                vector_literal(vectors[index[(s.name, number)]]),
                                "all-MiniLM-L6-v2",
                            )
                        )
        conn.execute("ANALYZE lore_chunks")


async def evaluate(
    dsn: str,
    stories: list[Story],
    questions: list[Question],
    qvecs: np.ndarray,
    scopes: tuple[str, ...],
) -> dict:
    from loreline.db import create_pool
    from loreline.knowledge import hybrid_search

    world = {s.name: s.world_id for s in stories}
    pool = await create_pool(dsn, max_size=2)
    results: dict = {}
    try:
        for scope in scopes:
            for mode in MODES:
                hits_at = dict.fromkeys(KS, 0)
                per_world: dict[str, list[int]] = defaultdict(lambda: [0, 0])
                latencies = []
                for q, vec in zip(questions, qvecs, strict=True):
                    t0 = time.perf_counter()
                    hits = await hybrid_search(
                        pool,
                        vec,
                        q.question,
                        scope="world" if scope == "world" else "global",
                        world_id=world[q.story],
                        k=max(KS),
                        mode=mode,  # type: ignore[arg-type]
                    )
                    latencies.append(time.perf_counter() - t0)
                    ranked = [
                        int(h.citation_id.rsplit("-", 1)[1]) if h.document_path == q.story else None
                        for h in hits
                    ]
                    first = next((i for i, sec in enumerate(ranked) if sec in q.gold), None)
                    for k in KS:
                        hits_at[k] += first is not None and first < k
                    per_world[q.story][0] += first is not None and first < 5
                    per_world[q.story][1] += 1
                n = len(questions)
                recall5 = [a / b for a, b in per_world.values()]
                results[f"{scope}/{mode}"] = {
                    **{f"recall@{k}": round(hits_at[k] / n, 4) for k in KS},
                    "worlds_recall@5_min": round(min(recall5), 4),
                    "worlds_recall@5_median": round(statistics.median(recall5), 4),
                    "latency_ms_p50": round(1000 * statistics.median(latencies), 2),
                    "latency_ms_p95": round(1000 * float(np.percentile(latencies, 95)), 2),
                    "questions": n,
                }
                print(
                    f"{scope:6s} {mode:7s} "
                    + "  ".join(f"{k}={v}" for k, v in results[f"{scope}/{mode}"].items()),
                    flush=True,
                )
    finally:
        await pool.close()
    return results


def run(split: str, stories_limit: int | None, dsn: str | None, scopes=("world", "global")) -> dict:
    stories, questions = load_split(split, stories_limit)
    keys, texts = section_texts(stories)
    print(
        f"{split}: {len(stories)} stories, {len(keys)} sections, {len(questions)} questions",
        flush=True,
    )
    svecs, s_secs = cached_embeddings(texts, f"ftqa-{split}-sections")
    qvecs, q_secs = cached_embeddings([q.question for q in questions], f"ftqa-{split}-questions")
    with bench_database(dsn, "bench_ftqa") as url:
        store_sections(url, stories, svecs, as_global="global" in scopes)
        results = asyncio.run(evaluate(url, stories, questions, qvecs, scopes))
    results["_meta"] = {
        "split": split,
        "stories": len(stories),
        "sections": len(keys),
        "questions": len(questions),
        "section_embed_seconds": s_secs,
        "question_embed_seconds": q_secs,
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", default="val", choices=["val", "train"])
    parser.add_argument("--stories", type=int, default=None, help="only the first N stories")
    parser.add_argument(
        "--dsn", default=None, help="server to use (default DATABASE_URL, else embedded)"
    )
    parser.add_argument("--json", default=None, help="write the figures to this file")
    args = parser.parse_args()
    results = run(args.split, args.stories, args.dsn)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
