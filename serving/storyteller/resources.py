"""What the storyteller needs while the API runs, opened once in the API's lifespan:

    storyteller = await open_storyteller(StorytellerSettings())
    ...
    await storyteller.close()

The tiers come from the tiers file; their endpoints from that file and from the component
registry of `loreline up` (replicas named `vllm-<tier>-<n>`), unless a gateway or an endpoint
directory is passed in (tests, or an API that already holds an `LlmGateway`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.vllm.settings import VllmSettings
from loreline.demo_world import load_demo_world
from loreline.state.components import ComponentRegistry
from serving.llm.client import CallTimeouts
from serving.llm.endpoints import EndpointDirectory
from serving.llm.gateway import LlmGateway
from serving.llm.tier import TierConfig, load_tiers
from serving.storyteller.guardrails.blocklist import Blocklist
from serving.storyteller.guardrails.lore_check import load_common_words
from serving.storyteller.settings import StorytellerSettings
from serving.storyteller.token_count import TokenCounter, load_counter

DEMO_WORLD = "saltmarch"


@dataclass
class StorytellerResources:
    settings: StorytellerSettings
    gateway: LlmGateway
    counter: TokenCounter
    blocklist: Blocklist
    common_words: frozenset[str]
    catalogues: Mapping[str, Mapping[str, str]]  # extra entity names per world id
    timeouts: CallTimeouts
    owns_gateway: bool = True
    in_flight: Counter[str] = field(default_factory=Counter)  # requests per endpoint
    _background: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def tiers(self) -> Mapping[str, TierConfig]:
        return self.gateway.tiers

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` (e.g. the log row of a cancelled stream) without awaiting it."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        if self._background:
            with contextlib.suppress(Exception):
                await asyncio.wait(self._background, timeout=5.0)
        if self.owns_gateway:
            await self.gateway.aclose()


def default_tokenizer_file(tiers: Mapping[str, TierConfig]) -> Path | None:
    """`tokenizer.json` of the first tier's model in the local model cache, when it is there."""
    models_dir = VllmSettings().layout().models_dir
    for tier in tiers.values():
        candidate = models_dir / tier.model / "tokenizer.json"
        if candidate.is_file():
            return candidate
    return None


def local_directory(tiers: Mapping[str, TierConfig]) -> EndpointDirectory:
    """Static endpoints of the tiers file plus the running replicas `loreline up` recorded."""
    registry = ComponentRegistry(VllmSettings().layout().registry_path)
    return EndpointDirectory.from_components(tiers, registry.load())


async def open_storyteller(
    settings: StorytellerSettings | None = None,
    *,
    gateway: LlmGateway | None = None,
    directory: EndpointDirectory | None = None,
) -> StorytellerResources:
    settings = settings or StorytellerSettings()
    timeouts = CallTimeouts(
        connect_s=settings.connect_timeout_s,
        first_token_s=settings.first_token_timeout_s,
        total_s=settings.total_timeout_s,
    )
    owns_gateway = gateway is None
    if gateway is None:
        tiers = load_tiers(settings.tiers_file)
        gateway = LlmGateway.create(
            tiers,
            directory or local_directory(tiers),
            timeouts=timeouts,
            refresh_s=settings.metrics_refresh_s,
        )
    tokenizer = settings.tokenizer_file or default_tokenizer_file(gateway.tiers)
    counter = await asyncio.to_thread(load_counter, tokenizer)
    demo = await asyncio.to_thread(load_demo_world)
    return StorytellerResources(
        settings=settings,
        gateway=gateway,
        counter=counter,
        blocklist=Blocklist.from_file(settings.blocklist_file),
        common_words=load_common_words(settings.common_words_file),
        catalogues={DEMO_WORLD: demo.entity_names()},
        timeouts=timeouts,
        owns_gateway=owns_gateway,
    )
