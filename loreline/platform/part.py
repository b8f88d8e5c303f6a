"""The shape of one part of the stack (PostgreSQL, Kafka, the worker, the API, Dagster, LLM tiers)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from loreline.platform.context import StackContext


class PartStatus(BaseModel):
    name: str
    state: str  # "up", "down", "external", "degraded"
    address: str | None = None
    version: str | None = None
    pid: int | None = None
    detail: str | None = None


class Part(Protocol):
    name: str

    def start(self, ctx: StackContext) -> None:
        """Start (or adopt an already running instance) and record it in ctx and the registry."""

    def stop(self, ctx: StackContext) -> None:
        """Stop what `start` started; a no-op when it is not running."""

    def status(self, ctx: StackContext) -> list[PartStatus]:
        """One row per component this part runs."""
