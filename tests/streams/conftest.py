"""Shared helpers for the streams tests (fixtures are in tests/fixtures and here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loreline.contract import Event
from streams.simulator import simulate

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sim_events() -> list[Event]:
    """Ten minutes of seeded play by 30 players (every event type occurs)."""
    return simulate(30, 600, seed=7, start=START)
