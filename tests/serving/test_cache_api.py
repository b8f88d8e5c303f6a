"""The per-world cache over HTTP, on the real database."""

from __future__ import annotations

import asyncio

import pytest

from tests.serving.conftest import RunningApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_put_get_head_delete_round_trip(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        created = await http.put(
            "/v1/worlds/alpha/cache/scene:intro", json={"value": {"lines": ["hi", 2, None]}}
        )
        assert created.status_code == 201, created.text
        assert created.json()["value"] == {"lines": ["hi", 2, None]}
        assert created.json()["expires_at"] is None

        replaced = await http.put("/v1/worlds/alpha/cache/scene:intro", json={"value": "v2"})
        assert replaced.status_code == 200
        got = await http.get("/v1/worlds/alpha/cache/scene:intro")
        assert got.status_code == 200
        assert got.json() == {**replaced.json(), "value": "v2"}
        assert (await http.head("/v1/worlds/alpha/cache/scene:intro")).status_code == 200

        assert (await http.delete("/v1/worlds/alpha/cache/scene:intro")).status_code == 204
        missing = await http.get("/v1/worlds/alpha/cache/scene:intro")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "cache_miss"
        assert (await http.head("/v1/worlds/alpha/cache/scene:intro")).status_code == 404
        assert (await http.delete("/v1/worlds/alpha/cache/scene:intro")).status_code == 404


async def test_entries_expire_after_their_ttl_and_are_purged(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        put = await http.put("/v1/worlds/alpha/cache/short", json={"value": 1, "ttl_seconds": 0.3})
        assert put.status_code == 201
        assert put.json()["expires_at"] is not None
        assert (await http.get("/v1/worlds/alpha/cache/short")).status_code == 200
        await asyncio.sleep(0.5)
        assert (await http.get("/v1/worlds/alpha/cache/short")).status_code == 404
        assert (await http.head("/v1/worlds/alpha/cache/short")).status_code == 404
        # writing an expired key again counts as a new entry
        again = await http.put("/v1/worlds/alpha/cache/short", json={"value": 2})
        assert again.status_code == 201
    from serving.queries.cache import purge_expired

    async with api.pool.acquire() as conn:
        await conn.execute("UPDATE cache_entries SET expires_at = now() - interval '1 s'")
        assert await purge_expired(conn) == 1


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/v1/worlds/alpha/cache/bad%20key", {"value": 1}, "validation_error"),
        ("/v1/worlds/alpha/cache/ok", {"value": "nul\u0000inside"}, "validation_error"),
        ("/v1/worlds/alpha/cache/ok", {"value": 1, "ttl_seconds": 0}, "validation_error"),
        ("/v1/worlds/alpha/cache/ok", {"ttl_seconds": 5}, "validation_error"),
        ("/v1/worlds/Alpha/cache/ok", {"value": 1}, "validation_error"),
    ],
)
async def test_bad_cache_writes_are_422_with_a_code(
    api: RunningApi, path: str, body: dict[str, object], code: str
) -> None:
    key = await api.key(["alpha"])
    async with api.client(key) as http:
        response = await http.put(path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_lone_surrogates_and_nan_are_refused_not_500(api: RunningApi) -> None:
    key = await api.key(["alpha"])
    async with api.client(key, **{"Content-Type": "application/json"}) as http:
        surrogate = await http.put("/v1/worlds/alpha/cache/k", content=b'{"value": "\\ud800"}')
        nan = await http.put("/v1/worlds/alpha/cache/k", content=b'{"value": NaN}')
        deep = await http.put(
            "/v1/worlds/alpha/cache/k", content=b'{"value": ' + b"[" * 100 + b"]" * 100 + b"}"
        )
    assert surrogate.status_code == 422
    assert nan.status_code == 422
    assert deep.status_code == 422
