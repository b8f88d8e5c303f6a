"""`StorytellerClient` against the API running as its own uvicorn process
(`serving.runtime.start_api_process`), on the real database."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from loreline.client import StorytellerClient, StorytellerError, StorytellerUnavailableError
from loreline.db.databases import create_database, drop_database
from loreline.platform.processes import pid_alive
from loreline.state import ComponentInfo, StateLayout
from loreline.state.ports import free_port
from serving.api import ApiSettings
from serving.runtime import start_api_process, stop_api_process
from tests.fixtures.postgres import PostgresUnderTest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="session"),
]


@pytest.fixture(scope="module")
def served(
    postgres: PostgresUnderTest, postgres_template: str, state_layout: StateLayout
) -> Iterator[tuple[ComponentInfo, str]]:
    name = f"client_{uuid.uuid4().hex[:12]}"
    dsn = create_database(postgres.dsn, name, template=postgres_template)
    settings = ApiSettings(database_url=dsn, kafka_bootstrap=None, key_cache_seconds=0)
    info = start_api_process(state_layout, settings, port=None)
    try:
        yield info, dsn
    finally:
        assert info.pid is not None
        stop_api_process(info)
        drop_database(postgres.dsn, name)


async def _key(dsn: str, worlds: list[str], roles: list[str]) -> str:
    from loreline.db import create_pool
    from serving.security import create_api_key

    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        return await create_api_key(pool, worlds, roles)
    finally:
        await pool.close()


async def test_runtime_reports_the_running_process(served: tuple[ComponentInfo, str]) -> None:
    info, _dsn = served
    assert info.name == "api" and info.pid is not None and pid_alive(info.pid)
    assert info.log_path is not None and await asyncio.to_thread(os.path.exists, info.log_path)
    async with httpx.AsyncClient(base_url=str(info.url)) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_every_method_round_trips(served: tuple[ComponentInfo, str]) -> None:
    from tests.serving import seed

    info, dsn = served
    key = await _key(dsn, ["alpha"], ["read", "ingest"])
    async with StorytellerClient(str(info.url), key, timeout=30, retries=1) as client:
        assert (await client.search("lighthouse keeper", world_id="alpha")).hits == []
        state = await client.state("alpha")
        assert state.world_id == "alpha" and state.source.kind == "live"
        assert (await client.history("alpha", types=["dialogue.line"], limit=5)).events == []
        assert (await client.history_search("alpha", "storm")).hits == []
        memory = await client.memory("alpha", "maud", query="salt", weights={"recency": 2.0}, k=3)
        assert memory.weights.recency == 2.0 and memory.memories == []
        assert await client.cache_get("alpha", "plot") is None
        put = await client.cache_put("alpha", "plot", {"act": 1}, ttl_seconds=60)
        assert put.value == {"act": 1} and put.expires_at is not None
        assert await client.cache_exists("alpha", "plot")
        assert (await client.cache_get("alpha", "plot")).value == {"act": 1}  # type: ignore[union-attr]
        assert await client.cache_delete("alpha", "plot") is True
        assert await client.cache_delete("alpha", "plot") is False
        with pytest.raises(StorytellerError) as forbidden:
            await client.state("beta")
        assert forbidden.value.status == 403 and forbidden.value.code == "world_forbidden"
        with pytest.raises(StorytellerUnavailableError) as unavailable:
            await client.ingest(
                [seed.event("alpha", "quest.started", {"quest_id": "q"}, actor="p")]
            )
        assert unavailable.value.code == "broker_unavailable"


async def _count(info: ComponentInfo, route: str, status: int) -> float:
    async with httpx.AsyncClient(base_url=str(info.url)) as http:
        text = (await http.get("/metrics")).text
    prefix = f'loreline_api_requests_total{{method="%s",route="{route}",status="{status}"}}'
    for line in text.splitlines():
        for method in ("GET", "POST"):
            if line.startswith(prefix % method):
                return float(line.split()[-1])
    return 0.0


async def test_retries_5xx_with_backoff_but_never_4xx(served: tuple[ComponentInfo, str]) -> None:
    from tests.serving import seed

    info, dsn = served
    key = await _key(dsn, ["alpha"], ["read", "ingest"])
    before_503 = await _count(info, "/v1/events", 503)
    before_403 = await _count(info, "/v1/worlds/{world_id}/state", 403)
    async with StorytellerClient(str(info.url), key, retries=2, backoff=0.05) as client:
        with pytest.raises(StorytellerUnavailableError):
            await client.ingest(
                [seed.event("alpha", "quest.started", {"quest_id": "q"}, actor="p")]
            )
        with pytest.raises(StorytellerError):
            await client.state("beta")
    assert await _count(info, "/v1/events", 503) - before_503 == 3  # first try + 2 retries
    assert await _count(info, "/v1/worlds/{world_id}/state", 403) - before_403 == 1


async def test_connection_errors_are_retried_then_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    async with StorytellerClient(url, "lk_x", retries=2, backoff=0.1, timeout=2) as client:
        with pytest.raises(StorytellerUnavailableError) as error:
            await client.state("alpha")
    assert error.value.code == "connection_error"
    assert time.monotonic() - started >= 0.1  # slept between attempts (jittered 0.05+0.1)
    await asyncio.sleep(0)
