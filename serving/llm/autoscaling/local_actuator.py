"""Replicas as real local vLLM processes (`infra.vllm.server.VllmServer`), at most two here.

A new replica starts in a worker thread (tens of seconds on two cores); once healthy it joins the
tier in the endpoint directory (so the router sees it) and the component registry (so
`loreline status`/`down` see it). Removing one takes it out of the directory first, lets its
in-flight requests finish (up to `drain_timeout_s`), then stops its process group. Endpoints
adopted at construction (e.g. the replica `loreline up` started) count as ready and are never
stopped by this actuator.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from infra.vllm.server import VllmServer
from loreline.state import ComponentRegistry
from serving.llm.endpoints import EndpointDirectory, replica_component_name
from serving.llm.metrics import parse_vllm_metrics
from serving.llm.tier import TierConfig

LOCAL_MAX_REPLICAS = 2  # two cores, ~3.5 GB of memory per replica


@dataclass
class LocalReplicaSettings:
    model_dir: Path
    env_dir: Path
    logs_dir: Path
    enforce_eager: bool = True
    max_model_len: int = 2048
    kv_cache_gib: int = 1
    start_timeout_s: float = 300.0
    drain_timeout_s: float = 30.0


@dataclass
class _Replica:
    index: int
    server: VllmServer
    task: asyncio.Task[None] | None = None
    ready: bool = False
    stopping: bool = field(default=False)


class LocalActuator:
    def __init__(
        self,
        tier: TierConfig,
        settings: LocalReplicaSettings,
        directory: EndpointDirectory,
        *,
        registry: ComponentRegistry | None = None,
        adopt: Sequence[str] = (),
        max_replicas: int = LOCAL_MAX_REPLICAS,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.tier = tier
        self.settings = settings
        self.directory = directory
        self.registry = registry
        self.adopted = tuple(endpoint.rstrip("/") for endpoint in adopt)
        self.max_replicas = max_replicas
        self.progress = progress
        self._replicas: list[_Replica] = []
        self._background: set[asyncio.Task[None]] = set()
        self.start_failures: list[str] = []
        for endpoint in self.adopted:
            directory.add(tier.name, endpoint)

    def ready_endpoints(self) -> tuple[str, ...]:
        local = tuple(r.server.base_url for r in self._replicas if r.ready and not r.stopping)
        return self.adopted + local

    def starting_count(self) -> int:
        return sum(1 for r in self._replicas if not r.ready and not r.stopping)

    async def scale_to(self, replicas: int) -> None:
        wanted = min(max(replicas, 0), self.max_replicas)
        active = [r for r in self._replicas if not r.stopping]
        total = len(self.adopted) + len(active)
        for _ in range(wanted - total):
            self._start_one()
        surplus = total - wanted
        # Starting replicas go first, then the newest ready ones; adopted ones stay.
        for replica in sorted(active, key=lambda r: (r.ready, -r.index)):
            if surplus <= 0:
                break
            self._stop_one(replica)
            surplus -= 1

    async def aclose(self) -> None:
        for replica in list(self._replicas):
            if not replica.stopping:
                self._stop_one(replica, drain=False)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _next_index(self) -> int:
        used = {r.index for r in self._replicas}
        index = len(self.adopted)
        while index in used:
            index += 1
        return index

    def _start_one(self) -> None:
        index = self._next_index()
        name = replica_component_name(self.tier.name, index)
        s = self.settings
        server = VllmServer(
            s.model_dir,
            self.tier.model,
            env_dir=s.env_dir,
            log_path=s.logs_dir / f"{name}.log",
            enforce_eager=s.enforce_eager,
            max_model_len=s.max_model_len,
            kv_cache_gib=s.kv_cache_gib,
            name=name,
            cpu_binding=str(index % (os.cpu_count() or 1)),
        )
        replica = _Replica(index, server)
        self._replicas.append(replica)
        replica.task = self._spawn(self._bring_up(replica))

    async def _bring_up(self, replica: _Replica) -> None:
        try:
            info = await asyncio.to_thread(
                replica.server.start, self.settings.start_timeout_s, self.progress
            )
        except Exception as error:
            if not replica.stopping:
                self.start_failures.append(f"{replica.server.name}: {error}")
                self.progress(f"[autoscaler] {replica.server.name} failed to start: {error}")
            self._forget(replica)
            await asyncio.to_thread(replica.server.stop)
            return
        if replica.stopping:
            return
        replica.ready = True
        self.directory.add(self.tier.name, replica.server.base_url)
        if self.registry is not None:
            self.registry.put(info)
        self.progress(f"[autoscaler] {self.tier.name}: {replica.server.name} ready")

    def _stop_one(self, replica: _Replica, *, drain: bool = True) -> None:
        replica.stopping = True
        if replica.ready:
            self.directory.remove(self.tier.name, replica.server.base_url)
        self._spawn(self._take_down(replica, drain=drain and replica.ready))

    async def _take_down(self, replica: _Replica, *, drain: bool) -> None:
        if drain:
            await self._drain(replica.server.base_url)
        await asyncio.to_thread(replica.server.cancel)
        if replica.task is not None and not replica.task.done():
            await asyncio.gather(replica.task, return_exceptions=True)
        if self.registry is not None:
            self.registry.remove(replica.server.name)
        self._forget(replica)
        self.progress(f"[autoscaler] {self.tier.name}: {replica.server.name} stopped")

    async def _drain(self, endpoint: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.drain_timeout_s
        async with httpx.AsyncClient(timeout=2.0) as http:
            while loop.time() < deadline:
                try:
                    sample = parse_vllm_metrics((await http.get(f"{endpoint}/metrics")).text)
                except httpx.HTTPError:
                    return
                if not (sample.waiting or 0) and not (sample.running or 0):
                    return
                await asyncio.sleep(0.5)

    def _forget(self, replica: _Replica) -> None:
        if replica in self._replicas:
            self._replicas.remove(replica)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task
