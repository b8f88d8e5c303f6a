"""What one GPU replica of a tier can do: a vLLM server with continuous batching on one GPU.

The figures and their sources are in docs/capacity.md. In short:
- single-sequence inter-token latency: gold = the seed's ~9 ms/token; silver = derived from the
  memory bandwidth of an A10G-class GPU for a 3B-parameter bf16 model;
- how inter-token latency grows with the batch: fitted to a published vLLM concurrency sweep of
  Llama-3.1-8B on one A100 (8 concurrent sequences gave 6.6x the single-sequence throughput);
- prefill throughput: derived from the GPU's bf16 tensor peak at 40 % utilisation;
- cold start with a cached image, weights and compile cache: ~82 s measured for Llama-3.1-8B by
  Tensorfuse, plus ~8 s of scheduling and readiness probing;
- price per GPU-hour and --max-num-seqs: the production tiers file (bench/capacity/production.py).
"""

from __future__ import annotations

from dataclasses import dataclass

# From the A100 sweep: throughput(8) / throughput(1) = 6.6, so ITL(8) / ITL(1) = 8 / 6.6.
BATCH_SLOPE = (8.0 / 6.6 - 1.0) / 7.0


@dataclass(frozen=True)
class GpuPerformance:
    """What the GPU and model of a tier can do (the price and batch cap come from the tier)."""

    itl_single_s: float  # inter-token latency with one sequence in the batch
    prefill_tokens_per_s: float  # prompt tokens per second when the GPU does only prefill
    max_batched_tokens: int  # vLLM --max-num-batched-tokens: token budget of one step
    cold_start_s: float  # scale-up decision to ready (image and weights cached on the node)
    cold_start_jitter_s: float  # +- uniform spread of the cold start


@dataclass(frozen=True)
class ReplicaModel:
    """Throughput, latency and cost of one replica; all times in seconds."""

    name: str
    itl_single_s: float
    prefill_tokens_per_s: float
    max_num_seqs: int  # vLLM --max-num-seqs: sequences decoded together at most
    max_batched_tokens: int
    cold_start_s: float
    cold_start_jitter_s: float
    usd_per_gpu_hour: float
    batch_slope: float = BATCH_SLOPE

    @classmethod
    def of(
        cls, name: str, gpu: GpuPerformance, *, usd_per_gpu_hour: float, max_num_seqs: int
    ) -> ReplicaModel:
        return cls(
            name=name,
            itl_single_s=gpu.itl_single_s,
            prefill_tokens_per_s=gpu.prefill_tokens_per_s,
            max_num_seqs=max_num_seqs,
            max_batched_tokens=gpu.max_batched_tokens,
            cold_start_s=gpu.cold_start_s,
            cold_start_jitter_s=gpu.cold_start_jitter_s,
            usd_per_gpu_hour=usd_per_gpu_hour,
        )

    def itl_s(self, batch: float) -> float:
        """Inter-token latency of each sequence when `batch` sequences decode together."""
        return self.itl_single_s * (1.0 + self.batch_slope * max(batch - 1.0, 0.0))

    def decode_tokens_per_s(self, batch: float) -> float:
        """Aggregate decode throughput of one replica at a given batch size."""
        return batch / self.itl_s(batch) if batch > 0 else 0.0

    def prefill_share_max(self, batch: float) -> float:
        """The largest share of GPU time chunked prefill takes while prompts are waiting.

        Each engine step decodes one token per running sequence and fills the rest of its token
        budget with prompt chunks; the step then lasts ITL(batch) + chunk / prefill rate.
        """
        chunk = max(self.max_batched_tokens - batch, 0.0)
        chunk_time = chunk / self.prefill_tokens_per_s
        return chunk_time / (self.itl_s(batch) + chunk_time)


# gold: an 8B-class model in bf16 on one A100; silver: a 3B-class model in bf16 on one A10G.
GPU_PERFORMANCE: dict[str, GpuPerformance] = {
    "gold": GpuPerformance(
        itl_single_s=0.009,
        prefill_tokens_per_s=8_000.0,
        max_batched_tokens=2048,
        cold_start_s=90.0,
        cold_start_jitter_s=15.0,
    ),
    "silver": GpuPerformance(
        itl_single_s=0.014,
        prefill_tokens_per_s=8_000.0,
        max_batched_tokens=2048,
        cold_start_s=90.0,
        cold_start_jitter_s=15.0,
    ),
}
