"""Search throughput and latency of POST /v1/kb/search vs the same search issued directly in SQL.

    .venv/bin/python -m bench.api [--chunks 100000] [--duration 15] [--concurrency 1,8,32]

Set-up: 100,000 synthetic lore chunks (seeded word salad; random unit vectors as embeddings) in
the real `lore_chunks` table with its HNSW and full-text indexes, on the embedded PostgreSQL (or
DATABASE_URL). The API runs as in production: `uvicorn --factory` via `serving.runtime`, the real
all-MiniLM-L6-v2 embedding every query (ONNX Runtime fp32 unless `--query-encoder` says otherwise;
query cache off, so every request pays the embedding).
Load: `wrk` (Debian package) with a Lua script cycling through distinct queries, on loopback.
Baseline, measured in the same run: `loreline.knowledge.search.hybrid_search` called straight on
an asyncpg pool at the same concurrency with precomputed query embeddings. Ratios are API/SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, cast

import numpy as np

from bench.api.corpus import WORLD, load_chunks, make_corpus
from loreline.db import apply_migrations, create_pool
from loreline.db.databases import create_database, drop_database
from loreline.knowledge import get_embedder
from loreline.knowledge.search import Mode as SearchMode
from loreline.knowledge.search import hybrid_search
from loreline.state import StateLayout
from serving.api import ApiSettings
from serving.embedding.torch_threads import ThreadLimitedEncoder
from serving.runtime import start_api_process, stop_api_process
from serving.security import create_api_key

HERE = Path(__file__).resolve().parent


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


async def _sql_baseline(
    dsn: str,
    vectors: np.ndarray,
    queries: list[str],
    clients: int,
    duration: float,
    mode: SearchMode,
) -> dict[str, float]:
    pool = await create_pool(dsn, min_size=clients, max_size=clients)
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def client(offset: int) -> None:
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await hybrid_search(
                pool, vectors[i % len(queries)], queries[i % len(queries)],
                scope="both", world_id=WORLD, k=8, mode=mode,
            )  # fmt: skip
            latencies.append(time.perf_counter() - started)
            i += clients

    began = time.perf_counter()
    try:
        await asyncio.gather(*(client(n) for n in range(clients)))
    finally:
        await pool.close()
    elapsed = time.perf_counter() - began
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "requests": float(len(latencies)),
    }


def _wrk(url: str, key: str, bodies: Path, clients: int, duration: float) -> dict[str, float]:
    command = [
        "wrk", "-t", "1", "-c", str(clients), "-d", f"{duration:.0f}s", "--timeout", "10s",
        "-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json",
        "-s", str(HERE / "search.lua"), f"{url}/v1/kb/search", "--", str(bodies), "0",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    line = next(item for item in out.stdout.splitlines() if item.startswith("{"))
    raw = json.loads(line)
    seconds = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": float(raw["requests"]),
        "errors": float(raw["errors"]),
    }


def _server(home: Path) -> tuple[str, Any]:
    external = os.environ.get("DATABASE_URL")
    if external:
        return external, None
    from infra.postgres import EmbeddedPostgres

    server = EmbeddedPostgres(home / "pg", log_path=home / "logs" / "postgres.log", durable=False)
    server.start(timeout=180)
    return server.dsn, server


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--queries", type=int, default=1_000, help="distinct queries cycled")
    parser.add_argument(
        "--query-cache",
        type=int,
        default=0,
        help="API query-embedding LRU size (0: every request embeds; >0 with few --queries "
        "measures the API without embedding cost)",
    )
    parser.add_argument(
        "--modes", default="hybrid,vector", help="search modes measured (hybrid, vector, text)"
    )
    parser.add_argument(
        "--query-encoder", default="onnx", choices=["onnx", "onnx-int8", "torch"],
        help="the API's query encoder (ApiSettings.query_encoder)",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    levels = [int(level) for level in args.concurrency.split(",")]

    home = Path(tempfile.mkdtemp(prefix="bench-api-"))
    layout = StateLayout.under(
        home, cache=Path(os.environ.get("LORELINE_CACHE", ".loreline/cache"))
    )
    layout.ensure()
    admin_dsn, server = _server(home)
    name = f"bench_api_{uuid.uuid4().hex[:10]}"
    api = None
    try:
        dsn = create_database(admin_dsn, name)
        apply_migrations(dsn)
        corpus = make_corpus(queries=args.queries)

        async def prepare() -> tuple[dict[str, float], str]:
            pool = await create_pool(dsn, min_size=1, max_size=1)
            try:
                async with pool.acquire() as conn:
                    timings = await load_chunks(conn, corpus, args.chunks)
                key = await create_api_key(pool, [WORLD], ["read"])
            finally:
                await pool.close()
            return timings, key

        timings, key = asyncio.run(prepare())
        print(
            f"loaded {args.chunks} chunks: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
        )
        started = time.perf_counter()
        vectors = ThreadLimitedEncoder(get_embedder(), 1).encode(corpus.queries)
        embed_rate = len(corpus.queries) / (time.perf_counter() - started)
        print(f"embedder in this process: {embed_rate:.0f} queries/s (batches of 64)")
        modes = [cast(SearchMode, mode) for mode in args.modes.split(",")]
        bodies = {mode: home / f"bodies-{mode}.txt" for mode in modes}
        for mode, path in bodies.items():
            path.write_text(
                "\n".join(
                    json.dumps(
                        {"query": q, "scope": "both", "world_id": WORLD, "k": 8, "mode": mode}
                    )
                    for q in corpus.queries
                )
            )
        settings = ApiSettings(
            database_url=dsn,
            query_cache_size=args.query_cache,
            query_encoder=args.query_encoder,
            pool_max_size=20,
            key_cache_seconds=30.0,
        )
        try:
            api = start_api_process(layout, settings, workers=args.workers, timeout=900)
        except (RuntimeError, TimeoutError):
            print((layout.logs_dir / "api.log").read_text()[-3000:], file=sys.stderr)
            raise
        _wrk(str(api.url), key, bodies[modes[0]], 4, 3)  # warm-up: models, pools, both workers

        rows = []
        for mode, clients in ((mode, clients) for mode in modes for clients in levels):
            over_http = _wrk(str(api.url), key, bodies[mode], clients, args.duration)
            sql = asyncio.run(
                _sql_baseline(dsn, vectors, corpus.queries, clients, args.duration, mode)
            )
            rows.append((mode, clients, over_http, sql))
            print(
                f"{mode:<6} c={clients:<3} API {over_http['rps']:7.1f} req/s p50 {over_http['p50_ms']:6.1f} ms"
                f" p99 {over_http['p99_ms']:6.1f} ms (errors {over_http['errors']:.0f}) | SQL"
                f" {sql['rps']:7.1f} req/s p50 {sql['p50_ms']:6.1f} ms p99 {sql['p99_ms']:6.1f} ms"
                f" | ratio API/SQL: p50 {over_http['p50_ms'] / sql['p50_ms']:.2f}x"
                f" p99 {over_http['p99_ms'] / sql['p99_ms']:.2f}x"
                f" throughput {over_http['rps'] / sql['rps']:.2f}x",
                flush=True,
            )
        summary = {
            "chunks": args.chunks,
            "workers": args.workers,
            "cores": os.cpu_count(),
            "embeddings": "random unit vectors (chunks); real all-MiniLM-L6-v2 (queries)",
            "query_encoder": args.query_encoder,
            "results": [
                {
                    "mode": m,
                    "clients": c,
                    "api": a,
                    "sql": q,
                    "p99_ratio": a["p99_ms"] / q["p99_ms"],
                }
                for m, c, a, q in rows
            ],
            "p99_ms_at_8_under_50": {m: a["p99_ms"] < 50.0 for m, c, a, _q in rows if c == 8},
            "median_p50_ratio": statistics.median(a["p50_ms"] / q["p50_ms"] for *_k, a, q in rows),
        }
        print(json.dumps(summary))
    finally:
        if api is not None:
            stop_api_process(api)
        try:
            drop_database(admin_dsn, name)
        finally:
            if server is not None:
                server.stop()
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
