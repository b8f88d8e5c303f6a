"""Knowledge-base figures: embedding throughput, HNSW latency and recall vs exact search.

1. Embedding throughput (chunks/s) of all-MiniLM-L6-v2 on this machine's CPU: real FairytaleQA
   sections (long, ~150 words) and short questions, batch 64.
2. HNSW (pgvector, vector_cosine_ops, m=16, ef_construction=64) over N synthetic unit vectors
   (default 100,000): build time, query latency p50/p95 (one client, through SQL), recall@10 against
   exact search (computed with numpy) for several hnsw.ef_search values. Baseline in the same run:
   exact search in Postgres (sequential scan). NB: recall on uniformly random vectors is not a
   meaningful quality figure (no structure, all distances nearly equal: the worst case for a graph
   index); it is reported for the size, and recall on real embeddings is reported beside it.
3. The same on real embeddings: FairytaleQA train+val sections (~3,700), queried with questions.

    .venv/bin/python -m bench.kb.bench_kb [--vectors 100000] [--queries 200] [--dsn URL]
"""

from __future__ import annotations

import argparse
import io
import json
import time

import numpy as np
import psycopg

from bench.retrieval.common import bench_database, cached_embeddings, load_split, section_texts
from loreline.knowledge.embedder import vector_literal

DIM = 384


def embedding_throughput(n_long: int, n_short: int) -> dict:
    from loreline.knowledge import get_embedder

    stories, questions = load_split("val")
    _, texts = section_texts(stories)
    long = (texts * 10)[:n_long]
    short = ([q.question for q in questions] * 10)[:n_short]
    emb = get_embedder()
    t0 = time.perf_counter()
    emb.load()
    load_s = time.perf_counter() - t0
    emb.encode(long[:64])  # warm-up
    t0 = time.perf_counter()
    emb.encode(long, batch_size=64)
    long_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.encode(short, batch_size=64)
    short_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for q in short[:50]:
        emb.encode_one(q)
    one_ms = 1000 * (time.perf_counter() - t0) / 50
    words = sum(len(t.split()) for t in long) / len(long)
    return {
        "model_load_s": round(load_s, 2),
        "sections_per_s": round(len(long) / long_s, 1),
        "section_avg_words": round(words, 1),
        "questions_per_s": round(len(short) / short_s, 1),
        "single_query_embed_ms": round(one_ms, 2),
    }


def load_vectors(conn: psycopg.Connection, table: str, vectors: np.ndarray) -> float:
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, embedding vector({DIM}) NOT NULL)")
    t0 = time.perf_counter()
    step = 10_000
    for start in range(0, len(vectors), step):
        buf = io.StringIO()
        for i in range(start, min(start + step, len(vectors))):
            buf.write(f"{i}\t{vector_literal(vectors[i])}\n")
        with conn.cursor().copy(f"COPY {table} (id, embedding) FROM STDIN") as copy:
            copy.write(buf.getvalue())
    return time.perf_counter() - t0


def knn(conn: psycopg.Connection, table: str, q: np.ndarray, k: int) -> list[int]:
    rows = conn.execute(
        f"SELECT id FROM {table} ORDER BY embedding <=> %s::text::vector LIMIT %s",
        (vector_literal(q), k),
    ).fetchall()
    return [r[0] for r in rows]


def index_figures(
    conn: psycopg.Connection,
    table: str,
    vectors: np.ndarray,
    queries: np.ndarray,
    k: int = 10,
    ef_values=(40, 100, 200),
    exact_queries: int = 20,
) -> dict:
    truth = np.argsort(-(queries @ vectors.T), axis=1)[:, :k]
    out: dict = {"rows": len(vectors), "queries": len(queries)}
    # baseline: exact search in Postgres (no index)
    conn.execute("SET enable_indexscan = off")
    lat = []
    for q in queries[:exact_queries]:
        t0 = time.perf_counter()
        knn(conn, table, q, k)
        lat.append(time.perf_counter() - t0)
    conn.execute("RESET enable_indexscan")
    out["exact_seqscan_ms_p50"] = round(1000 * float(np.median(lat)), 2)
    conn.execute("SET maintenance_work_mem = '2GB'")
    t0 = time.perf_counter()
    conn.execute(f"CREATE INDEX ON {table} USING hnsw (embedding vector_cosine_ops)")
    out["hnsw_build_s"] = round(time.perf_counter() - t0, 2)
    conn.execute(f"ANALYZE {table}")
    conn.execute("SET enable_seqscan = off")  # small tables: make the planner use the index
    for ef in ef_values:
        conn.execute(f"SET hnsw.ef_search = {ef}")
        lat, recall = [], []
        for qi, q in enumerate(queries):
            t0 = time.perf_counter()
            got = knn(conn, table, q, k)
            lat.append(time.perf_counter() - t0)
            recall.append(len(set(got) & set(truth[qi].tolist())) / k)
        out[f"ef_search={ef}"] = {
            "p50_ms": round(1000 * float(np.median(lat)), 2),
            "p95_ms": round(1000 * float(np.percentile(lat, 95)), 2),
            "recall@10": round(float(np.mean(recall)), 4),
        }
    plan = conn.execute(
        f"EXPLAIN SELECT id FROM {table} ORDER BY embedding <=> %s::text::vector LIMIT 10",
        (vector_literal(queries[0]),),
    ).fetchall()
    out["uses_hnsw_index"] = any("hnsw" in r[0].lower() or "Index Scan" in r[0] for r in plan)
    conn.execute("RESET enable_seqscan")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embed-long", type=int, default=256)
    parser.add_argument("--embed-short", type=int, default=1024)
    parser.add_argument("--skip-embed", action="store_true")
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results: dict = {}
    if not args.skip_embed:
        results["embedding"] = embedding_throughput(args.embed_long, args.embed_short)
        print("embedding", results["embedding"], flush=True)

    rng = np.random.default_rng(0)
    synth = rng.standard_normal((args.vectors, DIM)).astype(np.float32)
    synth /= np.linalg.norm(synth, axis=1, keepdims=True)
    squeries = rng.standard_normal((args.queries, DIM)).astype(np.float32)
    squeries /= np.linalg.norm(squeries, axis=1, keepdims=True)

    val_s, val_q = load_split("val")
    tr_s, tr_q = load_split("train")
    _, texts = section_texts(tr_s + val_s)
    real, secs = cached_embeddings(texts, "ftqa-trainval-sections")
    if secs:
        results["real_sections_embed"] = {
            "sections": len(texts),
            "seconds": round(secs, 1),
            "sections_per_s": round(len(texts) / secs, 1),
        }
    qs = [q.question for q in (tr_q + val_q)]
    pick = np.random.default_rng(1).choice(len(qs), size=min(args.queries, len(qs)), replace=False)
    rqueries, _ = cached_embeddings([qs[i] for i in sorted(pick)], "ftqa-trainval-questions-sample")

    with bench_database(args.dsn, "bench_kb") as url, psycopg.connect(url, autocommit=True) as conn:
        if not args.skip_synthetic:
            load_s = load_vectors(conn, "bench_synthetic", synth)
            results["synthetic"] = {
                "copy_s": round(load_s, 1),
                **index_figures(conn, "bench_synthetic", synth, squeries),
            }
            print("synthetic", results["synthetic"], flush=True)
        load_vectors(conn, "bench_real", real)
        results["real_fairytaleqa"] = index_figures(conn, "bench_real", real, rqueries)
        print("real", results["real_fairytaleqa"], flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
