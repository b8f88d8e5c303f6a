"""Fixtures of the API tests: the real app (its lifespan run for real) on a fresh migrated
database per test, httpx clients talking to it in-process, and API keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from loreline.knowledge import Embedder, get_embedder
from serving.api import ApiSettings, create_app
from serving.security import create_api_key


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2, loaded once per test process (the API shares it)."""
    model = get_embedder()
    model.load()
    return model


@dataclass
class RunningApi:
    app: FastAPI
    settings: ApiSettings
    dsn: str

    @property
    def pool(self) -> Any:
        return self.app.state.resources.pool

    def client(self, api_key: str | None = None, **headers: str) -> httpx.AsyncClient:
        if api_key is not None:
            headers["Authorization"] = f"Bearer {api_key}"
        transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers)

    async def key(self, worlds: list[str], roles: list[str] | None = None) -> str:
        return await create_api_key(self.pool, worlds, roles or ["read"])


def api_settings(database_url: str, **overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap": None,
        "torch_threads": None,
        "key_cache_seconds": 0.0,
        "pool_min_size": 1,
        "pool_max_size": 4,
    }
    values.update(overrides)
    return ApiSettings(**values)


@pytest.fixture
async def api(database_url: str, embedder: Embedder) -> AsyncIterator[RunningApi]:
    settings = api_settings(database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield RunningApi(app, settings, database_url)
