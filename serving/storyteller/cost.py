"""The estimated cost of one inference.

    cost_usd = price_per_gpu_hour * gpus * (latency_ms / 3_600_000) / max(1, concurrent)

A replica is paid for by the GPU-hour whether it is busy or not; a request holds it for its total
latency but shares it with the other requests the replica runs at the same time (continuous
batching). `concurrent` is the larger of the requests this API process had in flight on that
replica when the call started (itself included) and the replica's own `vllm:num_requests_running`
from the router's last scrape plus one: a lower bound of the batch, so the estimate errs on the
expensive side. Idle time is not charged to anyone.
"""

from __future__ import annotations

MS_PER_HOUR = 3_600_000.0


def estimate_cost(
    price_per_gpu_hour: float, gpus: float, latency_ms: float, concurrent: int
) -> float:
    if price_per_gpu_hour < 0 or gpus < 0 or latency_ms < 0:
        raise ValueError("price, GPUs and latency must not be negative")
    share = 1.0 / max(1, concurrent)
    return price_per_gpu_hour * gpus * (latency_ms / MS_PER_HOUR) * share
