"""POST /v1/events against the real broker: per-event outcomes, and what reaches the topic."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgpack
import pytest
from aiokafka import AIOKafkaConsumer

from infra.kafka import TopicSpec, ensure_topics
from loreline.contract import Encoding, decode_batch, encode_batch
from serving.api import create_app
from tests.serving import seed
from tests.serving.conftest import RunningApi, api_settings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
async def ingest_api(database_url: str, kafka_bootstrap: str) -> AsyncIterator[RunningApi]:
    topic = f"api-ingest-{uuid.uuid4().hex[:10]}"
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, 2)])
    settings = api_settings(database_url, kafka_bootstrap=kafka_bootstrap, ingest_topic=topic)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield RunningApi(app, settings, database_url)


async def _published(bootstrap: str, topic: str, expected: int) -> list[tuple[bytes, str]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[tuple[bytes, str]] = []
    try:
        events = 0
        while events < expected:
            batches = await consumer.getmany(timeout_ms=10_000)
            if not batches:
                break
            for items in batches.values():
                for record in items:
                    content_type = dict(record.headers)["content-type"].decode()
                    assert record.value is not None
                    records.append((record.value, content_type))
                    events += len(decode_batch(record.value, content_type).events)
    finally:
        await consumer.stop()
    return records


@pytest.mark.parametrize("encoding", [Encoding.JSON, Encoding.MSGPACK])
async def test_valid_events_are_published_and_bad_ones_reported_per_index(
    ingest_api: RunningApi, kafka_bootstrap: str, encoding: Encoding
) -> None:
    key = await ingest_api.key(["alpha", "beta"], ["ingest"])
    good = [
        seed.event("alpha", "quest.started", {"quest_id": "q1"}, actor="p1"),
        seed.event("beta", "player.moved", {"to_location": "fen"}, actor="p2"),
    ]
    items = [event.model_dump(mode="json", exclude_none=True) for event in good]
    bad_step = {**items[0], "event_id": str(uuid.uuid4()), "type": "quest.progressed",
                "payload": {"quest_id": "q1", "step": 0}}  # fmt: skip
    unknown = {**items[0], "event_id": str(uuid.uuid4()), "type": "spell.cast"}
    forbidden = {**items[0], "event_id": str(uuid.uuid4()), "world_id": "gamma"}
    batch = {"v": 1, "events": [items[0], bad_step, unknown, items[1], forbidden]}
    body = msgpack.packb(batch) if encoding is Encoding.MSGPACK else encode_batch([], Encoding.JSON)
    if encoding is Encoding.JSON:
        import json

        body = json.dumps(batch).encode()
    async with ingest_api.client(key, **{"Content-Type": encoding.value}) as http:
        response = await http.post("/v1/events", content=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["accepted"] == 2 and answer["rejected"] == 3
    outcomes = [(r["index"], r["status"], r["code"]) for r in answer["results"]]
    assert outcomes == [
        (0, "accepted", None),
        (1, "rejected", "validation"),
        (2, "rejected", "unknown_type"),
        (3, "accepted", None),
        (4, "rejected", "world_forbidden"),
    ]
    assert answer["results"][1]["field"] == "payload.step"
    records = await _published(kafka_bootstrap, ingest_api.settings.ingest_topic, 2)
    published = [e for value, ct in records for e in decode_batch(value, ct).events]
    assert sorted(str(e.event_id) for e in published) == sorted(str(e.event_id) for e in good)


async def test_undecodable_or_unlabelled_bodies_are_4xx(ingest_api: RunningApi) -> None:
    key = await ingest_api.key(["alpha"], ["ingest"])
    async with ingest_api.client(key) as http:
        no_type = await http.post("/v1/events", content=b"{}")
        xml = await http.post(
            "/v1/events", content=b"<a/>", headers={"Content-Type": "application/xml"}
        )
        broken = await http.post(
            "/v1/events", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        newer = await http.post(
            "/v1/events",
            content=b'{"v": 9, "events": []}',
            headers={"Content-Type": "application/json"},
        )
    assert no_type.status_code == 415 and xml.status_code == 415
    assert no_type.json()["error"]["code"] == "unsupported_media_type"
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "invalid_batch_decode"
    assert newer.status_code == 400
    assert newer.json()["error"]["code"] == "invalid_batch_schema_version"


async def test_read_keys_cannot_ingest(ingest_api: RunningApi) -> None:
    key = await ingest_api.key(["alpha"], ["read"])
    batch = encode_batch(
        [seed.event("alpha", "quest.started", {"quest_id": "q"}, actor="p1")], Encoding.JSON
    )
    async with ingest_api.client(key, **{"Content-Type": "application/json"}) as http:
        response = await http.post("/v1/events", content=batch)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_forbidden"


async def test_without_a_broker_ingest_is_503_and_nothing_is_lost_silently(
    api: RunningApi,
) -> None:
    key = await api.key(["alpha"], ["ingest"])
    batch = encode_batch(
        [seed.event("alpha", "quest.started", {"quest_id": "q"}, actor="p1")], Encoding.JSON
    )
    async with api.client(key, **{"Content-Type": "application/json"}) as http:
        response = await http.post("/v1/events", content=batch)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "broker_unavailable"
