"""Query-embedding latency: torch (sentence-transformers) vs ONNX Runtime fp32 and int8, on the CPU.

    .venv/bin/python -m bench.embedding [--singles 200] [--batches 25] [--throughput-batches 4]

Queries: 3-12 consecutive words cut (seeded) from the demo world's lore sentences, all distinct.
Every encoder runs with one thread (`torch.set_num_threads(1)`, ONNX `intra_op_threads=1`), one
after the other, after a warm-up. Measured per encoder: one query at a time (p50/p99), a batch of
8 queries (what 8 concurrent API clients become in QueryEmbedder; p50/p99), throughput for batches
of 64 queries, and the cosine of each single-query embedding to torch's (min/median). The baseline
is the torch `Embedder` measured in the same run; ratios are baseline time / encoder time.
ONNX files are exported on first use into LORELINE_CACHE/models (a few seconds, once).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Encode = Callable[[Sequence[str]], Matrix]

LORE_DIR = Path(__file__).resolve().parents[2] / "loreline" / "demo_world" / "lore"


@dataclass
class Result:
    name: str
    prepare_s: float
    single_ms: list[float]
    batch8_ms: list[float]
    throughput: float  # texts per second in batches of 64
    vectors: Matrix  # single-query embeddings, in query order


def lore_queries(count: int, seed: int) -> list[str]:
    """`count` distinct queries of 3-12 words, each a window of one lore sentence."""
    sentences: list[str] = []
    for path in sorted(LORE_DIR.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for paragraph in body.split("\n\n"):
            if paragraph.strip() and not paragraph.lstrip().startswith("#"):
                sentences += re.split(r"(?<=[.!?])\s+", paragraph.strip())
    rng = random.Random(seed)
    rng.shuffle(sentences)
    queries: list[str] = []
    seen: set[str] = set()
    for sentence in sentences:
        words = sentence.split()
        if len(words) < 3:
            continue
        size = rng.randint(3, min(12, len(words)))
        start = rng.randint(0, len(words) - size)
        query = " ".join(words[start : start + size])
        if query not in seen:
            seen.add(query)
            queries.append(query)
        if len(queries) == count:
            return queries
    raise SystemExit(f"the demo lore gives only {len(queries)} distinct queries, {count} asked")


def timed_ms(encode: Encode, texts: Sequence[str]) -> tuple[float, Matrix]:
    started = time.perf_counter()
    out = encode(texts)
    return (time.perf_counter() - started) * 1000.0, out


def measure(
    name: str,
    prepare: Callable[[], Encode],
    queries: list[str],
    batches: int,
    throughput_batches: int,
) -> Result:
    started = time.perf_counter()
    encode = prepare()
    prepare_s = time.perf_counter() - started
    for query in queries[:10]:  # warm-up: first runs allocate and pick kernels
        encode([query])
    encode(queries[:64])
    single_ms: list[float] = []
    vectors: list[Matrix] = []
    for query in queries:
        elapsed, out = timed_ms(encode, [query])
        single_ms.append(elapsed)
        vectors.append(out[0])
    batch8_ms = [
        timed_ms(encode, [queries[(i * 8 + j) % len(queries)] for j in range(8)])[0]
        for i in range(batches)
    ]
    rng = random.Random(1)
    total_ms = 0.0
    for _ in range(throughput_batches):
        total_ms += timed_ms(encode, rng.sample(queries, min(64, len(queries))))[0]
    throughput = throughput_batches * min(64, len(queries)) / (total_ms / 1000.0)
    return Result(name, prepare_s, single_ms, batch8_ms, throughput, np.stack(vectors))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def report(results: list[Result], queries: list[str]) -> None:
    base = results[0]
    print(
        f"\n{'encoder':<10} {'prepare s':>9} {'1 query p50':>12} {'p99 ms':>7} "
        f"{'8 queries p50':>14} {'p99 ms':>7} {'batch 64 /s':>12} {'cos min':>8} {'median':>8}"
    )
    for result in results:
        cosine = np.sum(result.vectors * base.vectors, axis=1)
        print(
            f"{result.name:<10} {result.prepare_s:>9.2f} {pct(result.single_ms, 50):>12.2f} "
            f"{pct(result.single_ms, 99):>7.2f} {pct(result.batch8_ms, 50):>14.2f} "
            f"{pct(result.batch8_ms, 99):>7.2f} {result.throughput:>12.0f} "
            f"{cosine.min():>8.5f} {np.median(cosine):>8.5f}"
        )
    print(f"\nspeed-up vs {base.name} (baseline time / encoder time; throughput ratio):")
    for result in results[1:]:
        print(
            f"  {result.name:<8} 1 query p50 x{pct(base.single_ms, 50) / pct(result.single_ms, 50):.2f}"
            f"  p99 x{pct(base.single_ms, 99) / pct(result.single_ms, 99):.2f}"
            f"  | 8 queries p50 x{pct(base.batch8_ms, 50) / pct(result.batch8_ms, 50):.2f}"
            f"  p99 x{pct(base.batch8_ms, 99) / pct(result.batch8_ms, 99):.2f}"
            f"  | batch 64 x{result.throughput / base.throughput:.2f}"
        )
    words = [len(q.split()) for q in queries]
    print(
        f"\n{len(queries)} queries of {min(words)}-{max(words)} words "
        f"(mean {np.mean(words):.1f}); cos = single-query embedding vs {base.name}'s."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.embedding", description=__doc__)
    parser.add_argument("--singles", type=int, default=200, help="queries timed one at a time")
    parser.add_argument("--batches", type=int, default=25, help="batches of 8 timed")
    parser.add_argument("--throughput-batches", type=int, default=4, help="batches of 64 timed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--cache-dir", type=Path, help="ONNX exports (default LORELINE_CACHE/models)"
    )
    args = parser.parse_args(argv)

    import onnxruntime
    import torch

    from loreline.cli.settings import CliSettings
    from loreline.knowledge.embedder import Embedder
    from loreline.knowledge.onnx_encoder import OnnxEncoder

    torch.set_num_threads(1)
    cache_dir = args.cache_dir or CliSettings().layout().models_dir
    queries = lore_queries(args.singles, args.seed)
    load = os.getloadavg()
    print(
        f"CPU: {os.cpu_count()} cores ({platform.machine()}), load average {load[0]:.2f}; "
        f"torch {torch.__version__} ({torch.get_num_threads()} thread), "
        f"onnxruntime {onnxruntime.__version__} (1 intra-op thread)"
    )

    def torch_encoder() -> Encode:
        embedder = Embedder()
        embedder.load()
        return embedder.encode

    def onnx_encoder(quantized: bool) -> Callable[[], Encode]:
        return lambda: OnnxEncoder.prepare(cache_dir, quantized=quantized).encode

    contenders: list[tuple[str, Callable[[], Encode]]] = [
        ("torch", torch_encoder),
        ("onnx-fp32", onnx_encoder(False)),
        ("onnx-int8", onnx_encoder(True)),
    ]
    results = []
    for name, prepare in contenders:
        started = time.perf_counter()
        results.append(measure(name, prepare, queries, args.batches, args.throughput_batches))
        print(f"  measured {name} in {time.perf_counter() - started:.1f}s", flush=True)
    report(results, queries)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
