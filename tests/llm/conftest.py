"""Fixtures of the LLM tier tests; the real vLLM server fixtures live in tests/fixtures/vllm.py."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def vllm_data_dir() -> Path:
    return DATA_DIR
