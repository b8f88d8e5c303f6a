"""The autoscaling loop of one tier: scrape every ready replica, observe, decide, act.

Each step builds a `TierObservation` from the replicas' `/metrics` (waiting and running summed;
None as soon as one ready replica does not answer, so the policy holds), asks the policy for a
replica count and hands it to the actuator. With no ready replica, the requests that found none
(counted by the gateway in the endpoint directory) stand in for the waiting queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from serving.llm.autoscaling.actuator import ReplicaActuator
from serving.llm.autoscaling.policy import ScalingPolicy, TierObservation
from serving.llm.endpoints import EndpointDirectory
from serving.llm.metrics import MetricsScraper
from serving.llm.tier import TierConfig


@dataclass(frozen=True)
class ScalingDecision:
    tier: str
    observation: TierObservation
    desired: int


class AutoscalingController:
    def __init__(
        self,
        tier: TierConfig,
        policy: ScalingPolicy,
        actuator: ReplicaActuator,
        scraper: MetricsScraper,
        directory: EndpointDirectory | None = None,
        *,
        interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_decision: Callable[[ScalingDecision], None] | None = None,
    ) -> None:
        self.tier = tier
        self.policy = policy
        self.actuator = actuator
        self.scraper = scraper
        self.directory = directory
        self.interval_s = interval_s if interval_s is not None else tier.autoscaling.interval_s
        self._clock = clock
        self._on_decision = on_decision

    async def observe(self) -> TierObservation:
        ready = self.actuator.ready_endpoints()
        starting = self.actuator.starting_count()
        waiting: float | None
        running: float | None
        if not ready:
            unserved = self.directory.take_unserved(self.tier.name) if self.directory else 0
            waiting, running = float(unserved), 0.0
        else:
            samples = await asyncio.gather(
                *(self.scraper.scrape(endpoint, self.tier.model) for endpoint in ready)
            )
            if any(s is None or s.waiting is None or s.running is None for s in samples):
                waiting = running = None
            else:
                waiting = sum(s.waiting or 0.0 for s in samples if s is not None)
                running = sum(s.running or 0.0 for s in samples if s is not None)
        return TierObservation(
            now=self._clock(),
            waiting=waiting,
            running=running,
            ready_replicas=len(ready),
            starting_replicas=starting,
        )

    async def step(self) -> ScalingDecision:
        observation = await self.observe()
        desired = max(int(self.policy.desired_replicas(observation)), 0)
        if desired != observation.ready_replicas + observation.starting_replicas:
            await self.actuator.scale_to(desired)
        decision = ScalingDecision(self.tier.name, observation, desired)
        if self._on_decision is not None:
            self._on_decision(decision)
        return decision

    async def run(self, stop: asyncio.Event) -> None:
        """Step every `interval_s` until `stop` is set."""
        while not stop.is_set():
            await self.step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)


async def run_controllers(
    controllers: Sequence[AutoscalingController], stop: asyncio.Event
) -> None:
    """One loop per tier, side by side, until `stop` is set."""
    await asyncio.gather(*(controller.run(stop) for controller in controllers))
