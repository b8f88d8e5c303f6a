"""Which replicas each tier has right now.

Static endpoints come from the tiers file; local replicas are added and removed at run time by the
autoscaler's actuator (or read from the component registry that `loreline up` writes, where a
replica of tier T is the component `vllm-T-N`). The directory also counts requests that found a
tier with no replica, the only demand signal a tier scaled to zero has.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from loreline.state import ComponentInfo
from serving.llm.tier import TierConfig

REPLICA_COMPONENT = re.compile(r"^vllm-(?P<tier>[a-z][a-z0-9_]*)-(?P<index>\d+)$")


def replica_component_name(tier: str, index: int) -> str:
    return f"vllm-{tier}-{index}"


class EndpointDirectory:
    def __init__(self, tiers: Mapping[str, TierConfig]) -> None:
        self._endpoints: dict[str, list[str]] = {
            name: list(config.endpoints) for name, config in tiers.items()
        }
        self._unserved: Counter[str] = Counter()

    @classmethod
    def from_components(
        cls, tiers: Mapping[str, TierConfig], components: Mapping[str, ComponentInfo]
    ) -> EndpointDirectory:
        """Static endpoints plus every running `vllm-TIER-N` component of the registry."""
        directory = cls(tiers)
        for name, info in sorted(components.items()):
            match = REPLICA_COMPONENT.match(name)
            if match and match["tier"] in tiers and info.url and info.process_alive():
                directory.add(match["tier"], info.url)
        return directory

    def tiers(self) -> tuple[str, ...]:
        return tuple(self._endpoints)

    def endpoints(self, tier: str) -> tuple[str, ...]:
        return tuple(self._endpoints.get(tier, ()))

    def add(self, tier: str, endpoint: str) -> None:
        endpoint = endpoint.rstrip("/")
        endpoints = self._endpoints.setdefault(tier, [])
        if endpoint not in endpoints:
            endpoints.append(endpoint)

    def remove(self, tier: str, endpoint: str) -> None:
        endpoint = endpoint.rstrip("/")
        endpoints = self._endpoints.get(tier, [])
        if endpoint in endpoints:
            endpoints.remove(endpoint)

    def note_unserved(self, tier: str) -> None:
        """A request wanted this tier and found no replica."""
        self._unserved[tier] += 1

    def take_unserved(self, tier: str) -> int:
        """Requests that found no replica since the last call (then reset)."""
        return self._unserved.pop(tier, 0)
