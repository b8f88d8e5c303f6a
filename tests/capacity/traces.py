"""Small hand-made traces and policies for the simulator tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.capacity.replica import ReplicaModel
from bench.capacity.workload import TierTrace, UseCase
from serving.llm.autoscaling.policy import TierObservation

DIALOGUE = UseCase("npc_dialogue", "gold", 0.5, 600, 60, 1.0, 1.0)

MODEL = ReplicaModel(
    name="test",
    itl_single_s=0.01,
    prefill_tokens_per_s=8_000.0,
    max_num_seqs=64,
    max_batched_tokens=2048,
    cold_start_s=90.0,
    cold_start_jitter_s=0.0,
    usd_per_gpu_hour=4.0,
)


def poisson_trace(
    rate_per_s: Callable[[np.ndarray], np.ndarray],
    duration_s: int,
    *,
    seed: int = 1,
    prompt: int = 600,
    completion: int = 60,
) -> TierTrace:
    """Poisson arrivals with a rate given per second, fixed token counts, all NPC dialogue."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rate_per_s(np.arange(duration_s, dtype=np.float64)))
    total = int(counts.sum())
    arrival = np.sort(
        np.repeat(np.arange(duration_s, dtype=np.float64), counts) + rng.random(total)
    )
    return TierTrace(
        tier="gold",
        arrival_s=arrival,
        prompt_tokens=np.full(total, prompt, dtype=np.int64),
        completion_tokens=np.full(total, completion, dtype=np.int64),
        use_case=np.zeros(total, dtype=np.int8),
        use_cases=(DIALOGUE,),
    )


class ScriptedPolicy:
    """Returns replica counts from a function of time; records what it saw."""

    def __init__(self, replicas_at: Callable[[float], int]) -> None:
        self.replicas_at = replicas_at
        self.seen: list[TierObservation] = []

    def desired_replicas(self, obs: TierObservation) -> int:
        self.seen.append(obs)
        return self.replicas_at(obs.now)
