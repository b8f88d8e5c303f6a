"""The stack: every part `loreline up` runs, started in dependency order and stopped in reverse."""

from __future__ import annotations

import time
from collections.abc import Sequence

from loreline.platform.context import StackContext
from loreline.platform.part import Part, PartStatus
from loreline.platform.parts.api import ApiPart
from loreline.platform.parts.dagster import DagsterPart
from loreline.platform.parts.kafka import KafkaPart
from loreline.platform.parts.llm import LlmPart
from loreline.platform.parts.postgres import PostgresPart
from loreline.platform.parts.worker import WorkerPart


def default_parts() -> list[Part]:
    """Every part, in start order: storage first, then what reads and writes it."""
    return [PostgresPart(), KafkaPart(), WorkerPart(), LlmPart(), ApiPart(), DagsterPart()]


def select_parts(parts: Sequence[Part], only: Sequence[str] | None) -> list[Part]:
    if not only:
        return list(parts)
    known = {part.name for part in parts}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ValueError(
            f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}"
        )
    return [part for part in parts if part.name in only]


def start_stack(ctx: StackContext, parts: Sequence[Part]) -> float:
    """Start each part in order (adopting what already runs); return the seconds it took."""
    began = time.monotonic()
    for part in parts:
        part.start(ctx)
    return time.monotonic() - began


def stop_stack(ctx: StackContext, parts: Sequence[Part]) -> None:
    for part in reversed(parts):
        part.stop(ctx)
        ctx.console.print(f"  {part.name:<18} [yellow]stopped[/]")


def stack_status(ctx: StackContext, parts: Sequence[Part]) -> list[PartStatus]:
    rows: list[PartStatus] = []
    for part in parts:
        rows.extend(part.status(ctx))
    return rows
