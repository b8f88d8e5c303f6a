"""Local LLM tier throughput: vLLM on the CPU against plain transformers, measured in the same run.

    .venv/bin/python -m bench.llm.run [--compiled] [--max-tokens 64] [--rounds 2]

1. Baseline (transformers `generate`, the project venv, same converted SmolLM2 folder, greedy,
   fixed completion length): sequential batch 1 in float32 and bfloat16, then batched (4, 16)
   in the faster dtype. TTFT = a `generate` of one new token. One torch thread by default, like
   vLLM's CPU engine here (it binds one core and leaves the other to its API server).
2. vLLM (`VllmServer`, eager unless --compiled): concurrency 1, 4 and 16 streamed chat requests,
   each client sending `rounds` requests back to back; TTFT measured by the client.
The baseline runs first, alone, so the two never share the cores. Prints one table with each
row's tokens/s over the sequential baseline and over the batched baseline of the same width.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROMPTS = (
    "Describe the harbour of Saltmarch at dusk.",
    "Write a short greeting for a suspicious innkeeper.",
    "Summarise a quest to recover a stolen lantern.",
    "What does the old ferryman say about the tides?",
)
CONCURRENCY = (1, 4, 16)
BATCHES = (4, 16)


@dataclass(frozen=True)
class Row:
    engine: str
    width: int  # concurrency (vLLM) or batch size (transformers)
    tokens: int
    seconds: float
    ttft_p50_ms: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds


def chat_prompts(tokenizer: object, count: int) -> list[str]:
    render = tokenizer.apply_chat_template  # type: ignore[attr-defined]
    return [
        render([{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}], tokenize=False,
               add_generation_prompt=True)
        for i in range(count)
    ]  # fmt: skip


def transformers_rows(model_dir: Path, max_tokens: int, threads: int) -> list[Row]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(threads)

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows: list[Row] = []
    best: tuple[float, str, object] | None = None
    for dtype_name in ("float32", "bfloat16"):
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=getattr(torch, dtype_name))
        model.eval()
        row = _generate_row(model, tokenizer, 1, max_tokens, f"transformers {dtype_name} seq")
        rows.append(row)
        print(f"  {row.engine}: {row.tokens_per_s:.1f} tok/s", flush=True)
        if best is None or row.tokens_per_s > best[0]:
            best = (row.tokens_per_s, dtype_name, model)
    assert best is not None
    _, best_dtype, best_model = best
    for batch in BATCHES:
        row = _generate_row(
            best_model, tokenizer, batch, max_tokens, f"transformers {best_dtype} batch"
        )
        rows.append(row)
        print(f"  {row.engine} {batch}: {row.tokens_per_s:.1f} tok/s", flush=True)
    return rows


def _generate_row(
    model: object, tokenizer: object, batch: int, max_tokens: int, engine: str
) -> Row:
    import torch

    generate = model.generate  # type: ignore[attr-defined]
    prompts = chat_prompts(tokenizer, batch if batch > 1 else len(PROMPTS))
    groups = [prompts[i : i + batch] for i in range(0, len(prompts), batch)]
    fixed = {"do_sample": False, "pad_token_id": tokenizer.pad_token_id}  # type: ignore[attr-defined]
    with torch.inference_mode():
        warm = tokenizer(groups[0], return_tensors="pt", padding=True)  # type: ignore[operator]
        generate(**warm, max_new_tokens=2, min_new_tokens=2, **fixed)
        ttfts, tokens, seconds = [], 0, 0.0
        for group in groups:
            inputs = tokenizer(group, return_tensors="pt", padding=True)  # type: ignore[operator]
            started = time.perf_counter()
            generate(**inputs, max_new_tokens=1, min_new_tokens=1, **fixed)
            ttfts.append(time.perf_counter() - started)
            started = time.perf_counter()
            out = generate(**inputs, max_new_tokens=max_tokens, min_new_tokens=max_tokens, **fixed)
            seconds += time.perf_counter() - started
            tokens += (out.shape[1] - inputs["input_ids"].shape[1]) * len(group)
    return Row(engine, batch, tokens, seconds, statistics.median(ttfts) * 1000)


async def vllm_rows(
    base_url: str, model: str, max_tokens: int, rounds: int, label: str
) -> list[Row]:
    import httpx

    from serving.llm.client import ChatRequest, LlmClient

    rows = []
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(limits=limits) as http:
        client = LlmClient(http)

        async def one(i: int) -> tuple[int, float]:
            request = ChatRequest(
                model, [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
                max_tokens=max_tokens, temperature=0.0, extra={"ignore_eos": True},
            )  # fmt: skip
            async with client.stream_chat("bench", base_url, request) as stream:
                completion = await stream.collect()
            return completion.completion_tokens or 0, completion.ttft_s or 0.0

        async def client_loop(worker: int) -> list[tuple[int, float]]:
            return [await one(worker + r) for r in range(rounds)]

        await one(0)  # warm-up
        for concurrency in CONCURRENCY:
            started = time.perf_counter()
            results = await asyncio.gather(*(client_loop(w) for w in range(concurrency)))
            seconds = time.perf_counter() - started
            flat = [item for worker in results for item in worker]
            row = Row(
                label, concurrency, sum(t for t, _ in flat), seconds,
                statistics.median(ttft for _, ttft in flat) * 1000,
            )  # fmt: skip
            rows.append(row)
            print(f"  {label} x{concurrency}: {row.tokens_per_s:.1f} tok/s", flush=True)
    return rows


def print_table(rows: list[Row], baseline: Row, batched: dict[int, Row]) -> None:
    print()
    print(f"{'engine':<34} {'width':>5} {'tokens':>7} {'tok/s':>8} {'TTFT p50 ms':>12} "
          f"{'x seq':>7} {'x batch':>8}")  # fmt: skip
    for row in rows:
        same_width = batched.get(row.width)
        versus_batch = (
            f"{row.tokens_per_s / same_width.tokens_per_s:8.2f}" if same_width else " " * 8
        )
        print(
            f"{row.engine:<34} {row.width:>5} {row.tokens:>7} {row.tokens_per_s:>8.1f} "
            f"{row.ttft_p50_ms:>12.0f} {row.tokens_per_s / baseline.tokens_per_s:>7.2f} "
            f"{versus_batch}"
        )
    print(
        f"\nx seq: tokens/s over {baseline.engine} batch 1 ({baseline.tokens_per_s:.1f} tok/s); "
        "x batch: over transformers batched at the same width. Same run, same machine."
    )


def main(argv: list[str] | None = None) -> int:
    from infra.vllm.environment import ensure_vllm_env
    from infra.vllm.model import SMOLLM2_SERVED_NAME, ensure_smollm2
    from infra.vllm.server import VllmServer
    from infra.vllm.settings import VllmSettings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compiled", action="store_true", help="let vLLM compile (slow start)")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2, help="requests per vLLM client")
    parser.add_argument(
        "--baseline-threads",
        type=int,
        default=1,
        help="torch threads for transformers (vLLM's CPU engine computes on one thread here)",
    )
    args = parser.parse_args(argv)

    layout = VllmSettings().layout()
    ensure_vllm_env(layout.vllm_env_dir)
    model_dir = ensure_smollm2(layout.models_dir, env_dir=layout.vllm_env_dir)

    print(f"baseline: transformers generate, {args.baseline_threads} torch thread(s)", flush=True)
    rows = transformers_rows(model_dir, args.max_tokens, args.baseline_threads)
    baseline = max((r for r in rows if r.width == 1), key=lambda r: r.tokens_per_s)
    batched = {r.width: r for r in rows if r.width > 1}

    label = "vLLM " + ("compiled" if args.compiled else "enforce-eager") + " bf16 conc"
    server = VllmServer(
        model_dir, SMOLLM2_SERVED_NAME, env_dir=layout.vllm_env_dir,
        log_path=layout.logs_dir / "bench-vllm.log", enforce_eager=not args.compiled,
        name="vllm-bench-0",
    )  # fmt: skip
    started = time.perf_counter()
    server.start(timeout=900)
    print(f"vLLM ready in {time.perf_counter() - started:.1f}s", flush=True)
    try:
        rows += asyncio.run(
            vllm_rows(server.base_url, SMOLLM2_SERVED_NAME, args.max_tokens, args.rounds, label)
        )
    finally:
        server.stop()
    print_table(rows, baseline, batched)
    return 0


if __name__ == "__main__":
    sys.exit(main())
