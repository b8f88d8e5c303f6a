"""How one storyteller use case picks a tier (a row of the `model_registry` table).

- `pinned`: only `tier`; no fallback.
- `preferred`: `tier` first among the tiers expected to meet the latency objective, the others as
  fallback.
- `cheapest`: the cheapest tier expected to meet the latency objective first.
`order` optionally ranks tiers before price (e.g. ("gold", "silver")); `ttft_objective_ms`
replaces each tier's own objective when set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TierSelection = Literal["pinned", "preferred", "cheapest"]


@dataclass(frozen=True)
class UseCasePolicy:
    use_case: str
    selection: TierSelection = "cheapest"
    tier: str | None = None
    ttft_objective_ms: float | None = None
    order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.selection in ("pinned", "preferred") and not self.tier:
            raise ValueError(f"use case {self.use_case!r}: a {self.selection} policy needs a tier")
        if self.selection == "cheapest" and self.tier is not None:
            raise ValueError(
                f"use case {self.use_case!r}: 'cheapest' picks the tier itself; "
                "drop `tier` or use 'preferred'"
            )
        if self.ttft_objective_ms is not None and self.ttft_objective_ms <= 0:
            raise ValueError(f"use case {self.use_case!r}: ttft_objective_ms must be positive")
