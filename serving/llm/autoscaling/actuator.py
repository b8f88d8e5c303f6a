"""What the controller drives: something that adds and removes a tier's replicas."""

from __future__ import annotations

from typing import Protocol


class ReplicaActuator(Protocol):
    def ready_endpoints(self) -> tuple[str, ...]:
        """Base URLs of the replicas that serve requests now."""
        ...

    def starting_count(self) -> int:
        """Replicas asked for that are not ready yet."""
        ...

    async def scale_to(self, replicas: int) -> None:
        """Begin moving to `replicas` (ready + starting); return without waiting for starts."""
        ...

    async def aclose(self) -> None:
        """Stop every replica this actuator started."""
        ...
