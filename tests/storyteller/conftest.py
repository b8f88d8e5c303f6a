"""Fixtures of the storyteller tests: the real API (lifespan run for real) on a fresh migrated
database, with the storyteller's resources opened the way the API lifespan opens them, and tiers
read from a tiers file whose endpoints are the real vLLM server or a closed local port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from fastapi import FastAPI

from infra.vllm.settings import DEFAULT_TIERS_FILE
from loreline.db.databases import create_database, drop_database
from loreline.knowledge import Embedder, get_embedder
from loreline.knowledge.ingest import load_default_lore
from loreline.state.ports import free_port
from serving.api import create_app
from serving.models.routes import router as models_router
from serving.storyteller.resources import StorytellerResources, open_storyteller
from serving.storyteller.routes import router as storyteller_router
from serving.storyteller.settings import StorytellerSettings
from tests.fixtures.postgres import PostgresUnderTest
from tests.serving.conftest import RunningApi, api_settings

ROUTERS = (storyteller_router, models_router)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per test process (the API shares it)."""
    model = get_embedder()
    model.load()
    return model


@pytest.fixture
def dead_endpoint() -> str:
    """A local port nothing listens on: connections are refused at once."""
    return f"http://127.0.0.1:{free_port()}"


def write_tiers_file(path: Path, endpoints: Mapping[str, Sequence[str]]) -> Path:
    """The project's local tiers file with each tier's endpoints replaced."""
    raw = yaml.safe_load(DEFAULT_TIERS_FILE.read_text())
    for name, tier in raw["tiers"].items():
        tier["endpoints"] = list(endpoints.get(name, ()))
    path.write_text(yaml.safe_dump(raw))
    return path


@dataclass
class StorytellerApi(RunningApi):
    storyteller: StorytellerResources


StartApi = Callable[..., AbstractAsyncContextManager[StorytellerApi]]


def api_starter(database_url: str, tmp_path: Path) -> StartApi:
    @asynccontextmanager
    async def start(
        endpoints: Mapping[str, Sequence[str]], **overrides: Any
    ) -> AsyncIterator[StorytellerApi]:
        tiers_file = write_tiers_file(tmp_path / "tiers.yaml", endpoints)
        settings = api_settings(database_url)
        app = create_app(settings, extra_routers=ROUTERS)
        async with app.router.lifespan_context(app):
            # what the API lifespan does once the integrator adds the storyteller lines
            storyteller = await open_storyteller(
                StorytellerSettings(tiers_file=tiers_file, **overrides)
            )
            app.state.resources.storyteller = storyteller
            try:
                yield StorytellerApi(app, settings, database_url, storyteller)
            finally:
                await storyteller.close()

    return start


@pytest.fixture
def start_api(database_url: str, embedder: Embedder, tmp_path: Path) -> StartApi:
    """`async with start_api({"gold": [...], "silver": [...]}, **settings) as api:` on a fresh
    migrated database."""
    return api_starter(database_url, tmp_path)


@pytest.fixture(scope="session")
def saltmarch_template(
    postgres: PostgresUnderTest, postgres_template: str, embedder: Embedder
) -> Iterator[str]:
    """A migrated database holding the demo world's lore, chunks, embeddings and entities,
    loaded once per session (about 40 s on two busy cores) and cloned for each test."""
    name = f"storyteller_saltmarch_{uuid.uuid4().hex[:8]}"
    url = create_database(postgres.dsn, name, template=postgres_template)
    load_default_lore(url, embedder=embedder)
    yield name
    drop_database(postgres.dsn, name)


@pytest.fixture
def start_saltmarch_api(
    postgres: PostgresUnderTest, saltmarch_template: str, tmp_path: Path
) -> Iterator[StartApi]:
    """Like `start_api`, on a fresh copy of the demo world's knowledge base."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    url = create_database(postgres.dsn, name, template=saltmarch_template)
    try:
        yield api_starter(url, tmp_path)
    finally:
        drop_database(postgres.dsn, name)


@asynccontextmanager
async def served_over_http(app: FastAPI) -> AsyncIterator[str]:
    """Serve an already started app with uvicorn on a free loopback port (httpx's in-process
    transport buffers whole responses, so streaming is only observable over a socket)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                await task  # raises what stopped it
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def inference_rows(api: RunningApi) -> list[dict[str, Any]]:
    async with api.pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM inference_log ORDER BY inference_id")
    return [dict(row) for row in rows]
