"""API keys: authentication, roles, revocation and the admin endpoints."""

from __future__ import annotations

import pytest

from serving.security import create_api_key, list_api_keys, revoke_api_key
from tests.serving.conftest import RunningApi

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_requests_without_a_valid_key_are_401(api: RunningApi) -> None:
    good = await api.key(["alpha"])
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    async with api.client() as http:
        missing = await http.get("/v1/worlds/alpha/state")
        wrong = await http.get(
            "/v1/worlds/alpha/state", headers={"Authorization": f"Bearer {tampered}"}
        )
        garbage = await http.get(
            "/v1/worlds/alpha/state", headers={"Authorization": "Bearer lk_nonsense"}
        )
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["www-authenticate"] == "Bearer"
    for response in (wrong, garbage):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"


async def test_keys_are_stored_hashed_and_revocation_takes_effect(api: RunningApi) -> None:
    token = await create_api_key(api.pool, ["alpha"], ["read"], label="storyteller")
    key_id = token[3:15]
    async with api.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM api_keys WHERE key_id = $1", key_id)
    secret = token[16:]
    assert secret.encode() not in bytes(row["secret_hash"])
    assert len(bytes(row["secret_hash"])) == 32 and len(bytes(row["salt"])) == 16
    assert [k.key_id for k in await list_api_keys(api.pool, ["alpha"])] == [key_id]

    async with api.client(token) as http:
        assert (await http.get("/v1/worlds/alpha/state")).status_code == 200
        assert await revoke_api_key(api.pool, key_id) is True
        revoked = await http.get("/v1/worlds/alpha/state")
    assert revoked.status_code == 401
    assert await revoke_api_key(api.pool, "000000000000") is False


async def test_roles_are_enforced(api: RunningApi) -> None:
    ingest_only = await api.key(["alpha"], ["ingest"])
    async with api.client(ingest_only) as http:
        response = await http.get("/v1/worlds/alpha/state")
        admin = await http.get("/v1/admin/keys")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_forbidden"
    assert admin.status_code == 403


async def test_admin_creates_lists_and_revokes_keys_within_its_worlds(api: RunningApi) -> None:
    admin = await api.key(["alpha", "beta"], ["admin"])
    other = await api.key(["gamma"], ["read"])
    async with api.client(admin) as http:
        created = await http.post(
            "/v1/admin/keys", json={"worlds": ["alpha"], "roles": ["read", "ingest"], "label": "gm"}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["api_key"].startswith("lk_") and body["worlds"] == ["alpha"]
        outside = await http.post("/v1/admin/keys", json={"worlds": ["gamma"], "roles": ["read"]})
        assert outside.status_code == 403
        assert outside.json()["error"]["code"] == "world_forbidden"

        listed = (await http.get("/v1/admin/keys")).json()["keys"]
        listed_ids = {k["key_id"] for k in listed}
        assert body["key_id"] in listed_ids
        assert other[3:15] not in listed_ids  # a key of another world stays invisible
        assert all("api_key" not in k and "secret_hash" not in k for k in listed)

        assert (await http.delete(f"/v1/admin/keys/{other[3:15]}")).status_code == 404
        assert (await http.delete(f"/v1/admin/keys/{body['key_id']}")).status_code == 204
    async with api.client(body["api_key"]) as http:
        assert (await http.get("/v1/worlds/alpha/state")).status_code == 401
