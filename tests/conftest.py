"""Test session wiring: fixtures that start each real component once per session live in tests/fixtures/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loreline.state import StateLayout

pytest_plugins = ["tests.fixtures.postgres", "tests.fixtures.kafka", "tests.fixtures.vllm"]

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The real data sets beside the project (`../shared/data`)."""
    path = REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.fail(
            f"shared data not found at {path}; it must sit beside the project as shared/data"
        )
    return path


@pytest.fixture(scope="session")
def state_layout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateLayout]:
    """A temporary state home for the session; the expensive cache (jars, vLLM env, models) is shared."""
    home = tmp_path_factory.mktemp("loreline-home")
    home.chmod(0o755)
    yield StateLayout.under(home, cache=REPO_ROOT / ".loreline" / "cache").ensure()
