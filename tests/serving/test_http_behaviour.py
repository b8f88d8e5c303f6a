"""Cross-cutting HTTP behaviour: error bodies, body size limit, health, readiness, metrics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from serving.api import create_app
from tests.serving.conftest import RunningApi, api_settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_bodies_over_the_limit_are_413_declared_or_streamed(api: RunningApi) -> None:
    key = await api.key(["alpha"], ["read", "ingest"])
    big = b'{"value": "' + b"x" * (1_048_576 + 10) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    async with api.client(key, **{"Content-Type": "application/json"}) as http:
        declared = await http.put("/v1/worlds/alpha/cache/big", content=big)
        streamed = await http.put("/v1/worlds/alpha/cache/big", content=chunks())
        events = await http.post("/v1/events", content=chunks())
    for response in (declared, streamed, events):
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"


async def test_unknown_routes_and_methods_use_the_error_body(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        missing = await http.get("/v1/nothing-here")
        wrong_method = await http.patch("/v1/worlds/alpha/state")
        bad_json = await http.post(
            "/v1/kb/search", content=b"{oops", headers={"Content-Type": "application/json"}
        )
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert bad_json.status_code == 422
    assert "Traceback" not in bad_json.text


async def test_health_readiness_and_metrics(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client() as anonymous, api.client(key) as http:
        assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
        ready = await anonymous.get("/readyz")
        await http.get("/v1/worlds/alpha/state")
        await http.get("/v1/worlds/beta/state")
        metrics = (await anonymous.get("/metrics")).text
    assert ready.status_code == 503  # no broker configured for this app
    assert ready.json()["checks"]["database"] == {"ok": True, "detail": None}
    assert ready.json()["checks"]["broker"]["ok"] is False
    line = (
        'loreline_api_requests_total{method="GET",route="/v1/worlds/{world_id}/state",'
        'status="200"} 1.0'
    )
    assert line in metrics
    assert 'route="/v1/worlds/{world_id}/state",status="403"' in metrics
    assert (
        'loreline_api_request_duration_seconds_bucket{le="0.05",method="GET",'
        'route="/v1/worlds/{world_id}/state"}' in metrics
    )


@pytest.fixture
async def api_with_broker(database_url: str, kafka_bootstrap: str) -> AsyncIterator[RunningApi]:
    settings = api_settings(
        database_url, kafka_bootstrap=kafka_bootstrap, ingest_topic=f"t-{uuid.uuid4().hex[:8]}"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield RunningApi(app, settings, database_url)


async def test_ready_when_database_and_broker_answer(api_with_broker: RunningApi) -> None:
    async with api_with_broker.client() as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready"


async def test_openapi_documents_every_endpoint_with_bearer_auth(api: RunningApi) -> None:
    async with api.client() as http:
        schema = (await http.get("/openapi.json")).json()
        docs = await http.get("/docs")
    assert docs.status_code == 200
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    expected = {
        ("post", "/v1/kb/search"),
        ("get", "/v1/worlds/{world_id}/state"),
        ("get", "/v1/worlds/{world_id}/history"),
        ("post", "/v1/worlds/{world_id}/history/search"),
        ("get", "/v1/worlds/{world_id}/npcs/{npc_id}/memory"),
        ("get", "/v1/worlds/{world_id}/cache/{key}"),
        ("put", "/v1/worlds/{world_id}/cache/{key}"),
        ("head", "/v1/worlds/{world_id}/cache/{key}"),
        ("delete", "/v1/worlds/{world_id}/cache/{key}"),
        ("post", "/v1/events"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    }
    present = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert expected <= present
