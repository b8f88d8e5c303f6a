"""The two policies ours is compared with, written against the same `ScalingPolicy` interface.

- `StaticPolicy`: a fixed replica count (provisioned for the day's peak).
- `WaitingThresholdPolicy`: the rule the vLLM production stack documents for KEDA (scale on
  `vllm:num_requests_waiting` with threshold 5, polling every 15 s, minReplicaCount 1), applied
  the way KEDA hands it to a Kubernetes HPA with default behaviour: desired = ceil(total / 5),
  a 10 % tolerance, scale-up limited to max(+100 %, +4 pods) per 15 s, scale-down stabilised
  over 300 s, and no change while the metric is missing. Sources in docs/capacity.md.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from serving.llm.autoscaling.policy import TierObservation


class StaticPolicy:
    """Always the same number of replicas."""

    def __init__(self, replicas: int) -> None:
        self.replicas = replicas

    def desired_replicas(self, obs: TierObservation) -> int:
        return self.replicas


@dataclass(frozen=True)
class HpaBehaviour:
    """Kubernetes HPA defaults (autoscaling/v2) and KEDA's activation for scale to zero."""

    tolerance: float = 0.1
    scale_up_percent: float = 100.0
    scale_up_pods: int = 4
    scale_up_period_s: float = 15.0
    scale_down_window_s: float = 300.0
    keda_cooldown_s: float = 360.0  # only used for 1 -> 0 when min_replicas == 0


class WaitingThresholdPolicy:
    """KEDA's Prometheus trigger on waiting requests (AverageValue target) through an HPA."""

    def __init__(
        self,
        *,
        target_waiting_per_replica: float = 5.0,
        min_replicas: int = 1,
        max_replicas: int,
        behaviour: HpaBehaviour | None = None,
    ) -> None:
        self.target = target_waiting_per_replica
        self.min_replicas = min_replicas
        self.max_replicas = max_replicas
        self.behaviour = behaviour or HpaBehaviour()
        self._recommendations: deque[tuple[float, int]] = deque()
        self._last_active_s: float | None = None

    def desired_replicas(self, obs: TierObservation) -> int:
        current = obs.ready_replicas + obs.starting_replicas
        if obs.waiting is None:
            return current  # KEDA cannot read the metric: the HPA keeps the current scale
        waiting = obs.waiting
        if waiting > 0 or self._last_active_s is None:
            self._last_active_s = obs.now
        if current == 0:
            # KEDA activates (0 -> 1) on any waiting request; the HPA takes over from 1.
            return 1 if waiting > 0 else 0
        ratio = waiting / (self.target * current)
        raw = current if abs(ratio - 1.0) <= self.behaviour.tolerance else self._ceil(waiting)
        raw = min(max(raw, max(self.min_replicas, 1)), self.max_replicas)
        desired = self._stabilised(obs.now, raw, current)
        if self.min_replicas == 0 and desired <= 1 and waiting == 0:
            idle_for = obs.now - (self._last_active_s or obs.now)
            if idle_for >= self.behaviour.keda_cooldown_s:
                return 0
        return desired

    def _ceil(self, waiting: float) -> int:
        return math.ceil(waiting / self.target - 1e-9)

    def _stabilised(self, now: float, raw: int, current: int) -> int:
        b = self.behaviour
        self._recommendations.append((now, raw))
        while self._recommendations and self._recommendations[0][0] < now - b.scale_down_window_s:
            self._recommendations.popleft()
        if raw > current:
            limit = max(
                math.floor(current * (1 + b.scale_up_percent / 100.0)), current + b.scale_up_pods
            )
            return min(raw, limit)
        # Scale down only to the highest recommendation of the window.
        return min(current, max(r for _, r in self._recommendations))
