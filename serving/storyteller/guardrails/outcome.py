"""The result of the guardrails on one output."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GuardrailOutcome:
    """`flags` are machine-readable: `code` or `code:detail` (e.g. `unknown_name:Zorbak`)."""

    flags: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.flags
