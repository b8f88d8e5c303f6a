"""The batching producer against the real broker: one world per record, keyed, both encodings."""

from __future__ import annotations

import collections
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from infra.kafka.topics import TopicSpec, ensure_topics
from loreline.contract import CONTENT_TYPE_HEADER, Encoding, Event, decode_batch
from loreline.producer import EventProducer
from streams.simulator import simulate

from .conftest import START

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("encoding", [Encoding.MSGPACK, Encoding.JSON])
async def test_records_hold_one_world_each_keyed_by_it(kafka_bootstrap: str, encoding) -> None:
    topic = f"producer-{uuid.uuid4().hex[:8]}"
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, 3)])
    events = [
        e for w in ("w-a", "w-b", "w-c") for e in simulate(5, 120, seed=1, start=START, world_id=w)
    ]
    async with EventProducer(kafka_bootstrap, encoding, topic=topic, max_batch_events=40) as p:
        await p.send(events[:10], wait=True)  # acknowledged when it returns
        assert p.records_sent >= 1
        await p.send(events[10:])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    received: list[Event] = []
    try:
        while len(received) < len(events):
            for messages in (await consumer.getmany(timeout_ms=2000)).values():
                for m in messages:
                    batch = decode_batch(m.value, dict(m.headers)[CONTENT_TYPE_HEADER])
                    assert batch.ok and 1 <= len(batch.events) <= 40
                    assert {e.world_id for e in batch.events} == {m.key.decode()}
                    received.extend(batch.events)
    finally:
        await consumer.stop()
    assert collections.Counter(e.event_id for e in received) == collections.Counter(
        e.event_id for e in events
    )
    # one world's events keep their order (same key, same partition)
    for world in ("w-a", "w-b", "w-c"):
        mine = [e for e in received if e.world_id == world]
        assert mine == [e for e in events if e.world_id == world]
