"""The one object the API holds for text generation: live tier metrics, routing, fallback.

    gateway = LlmGateway.create(load_tiers(settings.tiers_file), directory)
    completion = await gateway.generate(policy, GenerationRequest(messages, max_tokens=96))
    async with gateway.stream(policy, request) as stream:
        async for text in stream: ...
    await gateway.aclose()

Tier metrics are scraped at most once per `refresh_s` and shared by concurrent requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import httpx

from serving.llm.client import (
    CallTimeouts,
    ChatCompletion,
    ChatStream,
    LlmClient,
    tier_http_client,
)
from serving.llm.endpoints import EndpointDirectory
from serving.llm.metrics import MetricsScraper, TierMetrics
from serving.llm.router import GenerationRequest, TierChoice, TierRouter, generate, open_stream
from serving.llm.tier import TierConfig
from serving.llm.use_case import UseCasePolicy


class LlmGateway:
    def __init__(
        self,
        tiers: Mapping[str, TierConfig],
        directory: EndpointDirectory,
        client: LlmClient,
        scraper: MetricsScraper,
        *,
        refresh_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        owned_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.tiers = dict(tiers)
        self.directory = directory
        self.client = client
        self.scraper = scraper
        self.router = TierRouter(self.tiers)
        self.refresh_s = refresh_s
        self._clock = clock
        self._snapshot: dict[str, TierMetrics] = {}
        self._snapshot_at = float("-inf")
        self._lock = asyncio.Lock()
        self._owned_http = owned_http

    @classmethod
    def create(
        cls,
        tiers: Mapping[str, TierConfig],
        directory: EndpointDirectory | None = None,
        *,
        timeouts: CallTimeouts | None = None,
        refresh_s: float = 1.0,
    ) -> LlmGateway:
        """A gateway with its own HTTP connection pool (closed by `aclose`)."""
        http = tier_http_client()
        return cls(
            tiers,
            directory or EndpointDirectory(tiers),
            LlmClient(http, timeouts),
            MetricsScraper(http),
            refresh_s=refresh_s,
            owned_http=http,
        )

    async def aclose(self) -> None:
        if self._owned_http is not None:
            await self._owned_http.aclose()

    async def snapshot(self, *, force: bool = False) -> dict[str, TierMetrics]:
        """Every tier's live metrics, at most `refresh_s` old."""
        async with self._lock:
            if force or self._clock() - self._snapshot_at >= self.refresh_s:
                names = list(self.tiers)
                results = await asyncio.gather(
                    *(
                        self.scraper.tier_metrics(
                            name, self.directory.endpoints(name), self.tiers[name].model
                        )
                        for name in names
                    )
                )
                self._snapshot = dict(zip(names, results, strict=True))
                self._snapshot_at = self._clock()
            return dict(self._snapshot)

    async def choose(self, policy: UseCasePolicy) -> TierChoice:
        choice = self.router.choose(policy, await self.snapshot())
        if not self.directory.endpoints(choice.wanted):
            self.directory.note_unserved(choice.wanted)  # wakes a tier scaled to zero
        return choice

    async def generate(
        self,
        policy: UseCasePolicy,
        request: GenerationRequest,
        timeouts: CallTimeouts | None = None,
    ) -> ChatCompletion:
        choice = await self.choose(policy)
        return await generate(self.client, self.router, choice, request, timeouts)

    @asynccontextmanager
    async def stream(
        self,
        policy: UseCasePolicy,
        request: GenerationRequest,
        timeouts: CallTimeouts | None = None,
    ) -> AsyncIterator[ChatStream]:
        choice = await self.choose(policy)
        async with open_stream(self.client, self.router, choice, request, timeouts) as stream:
            yield stream
