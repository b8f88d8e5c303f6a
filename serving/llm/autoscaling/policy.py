"""How many replicas a tier should have, from its queue depth (vLLM's waiting + running requests).

`QueueDepthPolicy` rules, in order:
- metrics missing (a replica's scrape failed): hold the current count (never scale down blind),
  topped up to `min_replicas` unless the tier rests at zero;
- target = ceil((waiting + running) / target_per_replica), at least `min_replicas`, at most
  `max_replicas`;
- scale-to-zero tiers go to 0 once idle (no waiting or running request) for `idle_before_zero_s`,
  and wake to 1 when demand shows up (the controller reports requests that found no replica as
  waiting);
- scale up at once, at most +max(`min_step_up`, `max_step_up_ratio` x current) per decision, and
  not at all while replicas are still starting (they count as capacity: no cascade);
- scale down only to the highest target seen over the last `scale_down_window_s`.

Other policies (e.g. the baselines of the capacity simulation) implement `ScalingPolicy`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from serving.llm.tier import TierConfig


@dataclass(frozen=True)
class TierObservation:
    """What the controller saw of one tier at time `now` (seconds, any monotonic origin)."""

    now: float
    waiting: float | None  # None: metrics missing
    running: float | None
    ready_replicas: int
    starting_replicas: int


class ScalingPolicy(Protocol):
    def desired_replicas(self, obs: TierObservation) -> int: ...


@dataclass(frozen=True)
class AutoscalerConfig:
    target_per_replica: float  # waiting + running requests one replica should carry
    min_replicas: int = 1
    max_replicas: int = 1
    max_step_up_ratio: float = 1.0  # +100 % of the current count per decision at most
    min_step_up: int = 1  # ... but always at least this many
    scale_down_window_s: float = 300.0
    scale_to_zero: bool = False
    idle_before_zero_s: float = 900.0

    def __post_init__(self) -> None:
        if self.target_per_replica <= 0:
            raise ValueError("target_per_replica must be positive")
        if self.min_replicas < 1:
            raise ValueError(
                "min_replicas must be at least 1; set scale_to_zero=True to allow zero replicas "
                "after the idle window"
            )
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"max_replicas ({self.max_replicas}) < min_replicas")
        if self.max_step_up_ratio <= 0 or self.min_step_up < 1:
            raise ValueError("max_step_up_ratio must be positive and min_step_up at least 1")

    @classmethod
    def for_tier(cls, tier: TierConfig) -> AutoscalerConfig:
        scaling = tier.autoscaling
        return cls(
            target_per_replica=scaling.target_per_replica,
            min_replicas=tier.replicas.min,
            max_replicas=tier.replicas.max,
            max_step_up_ratio=scaling.max_step_up_ratio,
            scale_down_window_s=scaling.scale_down_window_s,
            scale_to_zero=tier.scale_to_zero,
            idle_before_zero_s=scaling.idle_before_zero_s,
        )


class QueueDepthPolicy:
    """Stateful (it remembers recent targets and the last busy moment): one per tier."""

    def __init__(self, config: AutoscalerConfig) -> None:
        self.config = config
        self._targets: deque[tuple[float, int]] = deque()
        self._last_busy: float | None = None

    def desired_replicas(self, obs: TierObservation) -> int:
        config = self.config
        current = obs.ready_replicas + obs.starting_replicas
        if not self._targets:
            self._targets.append((obs.now, current))  # no scale-down before one window
        resting_at_zero = config.scale_to_zero and current == 0

        if obs.waiting is None or obs.running is None:
            held = current if resting_at_zero else max(current, config.min_replicas)
            held = min(held, max(current, config.max_replicas))
            self._remember(obs.now, held)
            return held

        load = max(obs.waiting, 0.0) + max(obs.running, 0.0)
        if load > 0 or self._last_busy is None:
            self._last_busy = obs.now
        if config.scale_to_zero and load == 0:
            idle_for = obs.now - self._last_busy
            if resting_at_zero or idle_for >= config.idle_before_zero_s:
                self._remember(obs.now, 0)
                return 0

        target = math.ceil(load / config.target_per_replica - 1e-9)
        target = min(max(target, config.min_replicas), config.max_replicas)
        self._remember(obs.now, target)

        if target > current:
            if obs.starting_replicas > 0:
                return current  # what is starting already counts; look again once it is ready
            step = max(config.min_step_up, math.ceil(current * config.max_step_up_ratio))
            return min(target, current + step)
        if target == current:
            return current
        highest_recent = max(t for _, t in self._targets)
        return min(current, max(highest_recent, target))

    def _remember(self, now: float, target: int) -> None:
        self._targets.append((now, target))
        horizon = now - self.config.scale_down_window_s
        while self._targets and self._targets[0][0] < horizon:
            self._targets.popleft()
