"""Session fixtures for the real local vLLM tier.

- `vllm_assets` (session): the vLLM environment and the converted SmolLM2 folder in the shared
  cache. The first run builds both: about 1.5 min for the environment when uv's cache already
  holds torch (plus the download of ~6.5 GB when it does not), ~45 s of bytecode compilation and
  ~1.5 min of model conversion; later runs find the marker files and take well under a second.
- `vllm_server` (session): one `VllmServer` with --enforce-eager on a free port (about 1 min on two
  cores, mostly Python imports in vLLM's three processes), stopped at the end; or the server at
  `LORELINE_VLLM_URL` when that is set (its served model is read from /v1/models).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from infra.vllm.environment import ensure_vllm_env
from infra.vllm.model import ensure_smollm2
from infra.vllm.server import VllmServer
from loreline.state import StateLayout

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class VllmAssets:
    env_dir: Path
    model_dir: Path
    logs_dir: Path


@dataclass(frozen=True)
class LiveVllm:
    base_url: str  # http://host:port
    model: str  # the served model name
    server: VllmServer | None  # None when LORELINE_VLLM_URL points at an external server


@pytest.fixture(scope="session")
def vllm_data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def vllm_assets(state_layout: StateLayout) -> VllmAssets:
    ensure_vllm_env(state_layout.vllm_env_dir)
    model_dir = ensure_smollm2(state_layout.models_dir, env_dir=state_layout.vllm_env_dir)
    return VllmAssets(state_layout.vllm_env_dir, model_dir, state_layout.logs_dir)


@pytest.fixture(scope="session")
def vllm_server(request: pytest.FixtureRequest) -> Iterator[LiveVllm]:
    external = os.environ.get("LORELINE_VLLM_URL")
    if external:
        base_url = external.rstrip("/").removesuffix("/v1")
        models = httpx.get(f"{base_url}/v1/models", timeout=10).json()["data"]
        yield LiveVllm(base_url, models[0]["id"], None)
        return
    assets: VllmAssets = request.getfixturevalue("vllm_assets")
    server = VllmServer(
        assets.model_dir,
        "smollm2-135m-instruct",
        env_dir=assets.env_dir,
        log_path=assets.logs_dir / "vllm-test-0.log",
        enforce_eager=True,
        name="vllm-test-0",
    )
    server.start(timeout=600)
    try:
        yield LiveVllm(server.base_url, server.served_name, server)
    finally:
        server.stop()
