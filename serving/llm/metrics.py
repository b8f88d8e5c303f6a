"""Live load of vLLM replicas, read from their Prometheus `/metrics` text.

What the router and the autoscaler need from each replica:
- `vllm:num_requests_waiting` and `vllm:num_requests_running` (gauges: the queue depth);
- `vllm:time_to_first_token_seconds` (histogram): p50/p95 estimated over the requests that got
  their first token between an older scrape and this one (a window, default 30 s).
A metric a server does not expose, or a scrape that fails, is `None`, never zero.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

WAITING = "vllm:num_requests_waiting"
RUNNING = "vllm:num_requests_running"
TTFT = "vllm:time_to_first_token_seconds"
GENERATION_TOKENS = "vllm:generation_tokens"


@dataclass(frozen=True)
class Histogram:
    """A cumulative Prometheus histogram: (upper bound, count of observations <= bound)."""

    buckets: tuple[tuple[float, float], ...]
    count: float
    total: float

    def since(self, earlier: Histogram | None) -> Histogram:
        """The observations made after `earlier`; all of them if the server restarted."""
        if earlier is None or earlier.count > self.count:
            return self
        before = dict(earlier.buckets)
        return Histogram(
            buckets=tuple((le, count - before.get(le, 0.0)) for le, count in self.buckets),
            count=self.count - earlier.count,
            total=self.total - earlier.total,
        )

    def quantile(self, q: float) -> float | None:
        """Estimate like PromQL's histogram_quantile: linear within the bucket; None if empty."""
        if self.count <= 0 or not self.buckets:
            return None
        rank = q * self.count
        lower, below = 0.0, 0.0
        for upper, cumulative in self.buckets:
            if cumulative >= rank:
                if math.isinf(upper):
                    return lower  # beyond the last finite bound: the best we can say
                span = cumulative - below
                return lower + (upper - lower) * ((rank - below) / span if span > 0 else 1.0)
            lower, below = upper, cumulative
        return lower

    @staticmethod
    def merge(histograms: Iterable[Histogram]) -> Histogram | None:
        merged: dict[float, float] = {}
        count = total = 0.0
        seen = False
        for histogram in histograms:
            seen = True
            count += histogram.count
            total += histogram.total
            for le, value in histogram.buckets:
                merged[le] = merged.get(le, 0.0) + value
        if not seen:
            return None
        return Histogram(tuple(sorted(merged.items())), count, total)


@dataclass(frozen=True)
class MetricsSample:
    """One scrape of one replica."""

    endpoint: str
    scraped_at: float
    waiting: float | None
    running: float | None
    ttft: Histogram | None
    generation_tokens: float | None


def parse_vllm_metrics(
    text: str, *, endpoint: str = "", scraped_at: float = 0.0, model: str | None = None
) -> MetricsSample:
    """Parse a `/metrics` body; series of other models are ignored when `model` is given."""
    gauges: dict[str, float] = {}
    buckets: dict[float, float] = {}
    ttft_count: float | None = None
    ttft_sum = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if model is not None and sample.labels.get("model_name", model) != model:
                continue
            name = sample.name
            if name in (WAITING, RUNNING, f"{GENERATION_TOKENS}_total"):
                gauges[name] = gauges.get(name, 0.0) + sample.value
            elif name == f"{TTFT}_bucket":
                le = float(sample.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + sample.value
            elif name == f"{TTFT}_count":
                ttft_count = (ttft_count or 0.0) + sample.value
            elif name == f"{TTFT}_sum":
                ttft_sum += sample.value
    ttft = (
        Histogram(tuple(sorted(buckets.items())), ttft_count, ttft_sum)
        if buckets and ttft_count is not None
        else None
    )
    return MetricsSample(
        endpoint=endpoint,
        scraped_at=scraped_at,
        waiting=gauges.get(WAITING),
        running=gauges.get(RUNNING),
        ttft=ttft,
        generation_tokens=gauges.get(f"{GENERATION_TOKENS}_total"),
    )


@dataclass(frozen=True)
class EndpointMetrics:
    """One replica's live load; `reachable=False` when its scrape failed."""

    endpoint: str
    reachable: bool
    waiting: float | None
    running: float | None

    @property
    def load(self) -> float | None:
        if self.waiting is None or self.running is None:
            return None
        return self.waiting + self.running


@dataclass(frozen=True)
class TierMetrics:
    """A tier's live state: its replicas' loads and its recent time to first token."""

    tier: str
    sampled_at: float
    endpoints: tuple[EndpointMetrics, ...]
    ttft_p50_s: float | None
    ttft_p95_s: float | None
    ttft_requests: float  # first tokens counted in the window the estimates come from

    @property
    def ready_endpoints(self) -> tuple[EndpointMetrics, ...]:
        return tuple(e for e in self.endpoints if e.reachable and e.load is not None)

    @property
    def ready_replicas(self) -> int:
        return len(self.ready_endpoints)

    @property
    def waiting(self) -> float | None:
        ready = self.ready_endpoints
        return sum(e.waiting or 0.0 for e in ready) if ready else None

    @property
    def running(self) -> float | None:
        ready = self.ready_endpoints
        return sum(e.running or 0.0 for e in ready) if ready else None

    @property
    def load_per_replica(self) -> float | None:
        """(waiting + running) per ready replica; None when no replica reports."""
        ready = self.ready_endpoints
        if not ready:
            return None
        return sum(e.load or 0.0 for e in ready) / len(ready)

    @property
    def complete(self) -> bool:
        """Every listed replica answered with both queue gauges."""
        return bool(self.endpoints) and len(self.ready_endpoints) == len(self.endpoints)


class MetricsScraper:
    """Scrapes replicas and keeps a short history per replica for the TTFT window."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout_s: float = 2.0,
        ttft_window_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self.timeout_s = timeout_s
        self.ttft_window_s = ttft_window_s
        self._clock = clock
        self._history: dict[str, deque[MetricsSample]] = {}

    async def scrape(self, endpoint: str, model: str | None = None) -> MetricsSample | None:
        """One replica's metrics now, or None if it did not answer."""
        try:
            response = await self._http.get(f"{endpoint}/metrics", timeout=self.timeout_s)
            response.raise_for_status()
            sample = parse_vllm_metrics(
                response.text, endpoint=endpoint, scraped_at=self._clock(), model=model
            )
        except (httpx.HTTPError, ValueError):
            return None  # unreachable, or not a Prometheus text body
        self.record(sample)
        return sample

    def record(self, sample: MetricsSample) -> None:
        history = self._history.setdefault(sample.endpoint, deque())
        history.append(sample)
        # Keep one sample at least `ttft_window_s` old as the base of the window.
        while len(history) > 2 and history[1].scraped_at <= sample.scraped_at - self.ttft_window_s:
            history.popleft()

    def forget(self, endpoint: str) -> None:
        self._history.pop(endpoint, None)

    def recent_ttft(self, endpoints: Iterable[str]) -> Histogram | None:
        """First tokens counted over the window on these replicas (None: no data at all)."""
        deltas = []
        for endpoint in endpoints:
            history = self._history.get(endpoint)
            if not history or len(history) < 2 or history[-1].ttft is None:
                continue  # no window yet, or the server does not expose the histogram
            latest, base = history[-1], history[0]
            assert latest.ttft is not None
            deltas.append(latest.ttft.since(base.ttft))
        return Histogram.merge(deltas)

    async def tier_metrics(
        self, tier: str, endpoints: Sequence[str], model: str | None = None
    ) -> TierMetrics:
        samples = await asyncio.gather(*(self.scrape(e, model) for e in endpoints))
        return self.summarise(tier, endpoints, samples)

    def summarise(
        self, tier: str, endpoints: Sequence[str], samples: Sequence[MetricsSample | None]
    ) -> TierMetrics:
        """A tier's metrics from its replicas' latest samples (None: that scrape failed)."""
        loads = tuple(
            EndpointMetrics(endpoint, True, sample.waiting, sample.running)
            if sample is not None
            else EndpointMetrics(endpoint, False, None, None)
            for endpoint, sample in zip(endpoints, samples, strict=True)
        )
        ttft = self.recent_ttft(e.endpoint for e in loads if e.reachable)
        return TierMetrics(
            tier=tier,
            sampled_at=self._clock(),
            endpoints=loads,
            ttft_p50_s=ttft.quantile(0.5) if ttft else None,
            ttft_p95_s=ttft.quantile(0.95) if ttft else None,
            ttft_requests=ttft.count if ttft else 0.0,
        )
