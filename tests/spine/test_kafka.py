"""The real Kafka broker: topic declaration, a produce/consume round trip, crash recovery."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from infra.kafka import (
    DLQ_TOPIC,
    GAME_EVENTS_TOPIC,
    KafkaSetupError,
    LocalKafka,
    TopicSpec,
    ensure_jars,
    ensure_topics,
    loreline_topics,
    wait_for_broker,
)
from infra.kafka.identity import NodeIdentity
from infra.kafka.topics import topic_partitions
from loreline.state import StateLayout
from loreline.state.ports import free_port, port_open


def unique_topic(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def read_all(bootstrap: str, topic: str, expected: int) -> list[ConsumerRecord]:
    """Every record of `topic` from the beginning, once `expected` have arrived (or 20 s pass)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(bootstrap, topic)
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 20
        while len(records) < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for batch in batches.values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


@pytest.mark.unit
def test_node_identity_is_remembered_and_port_can_be_overridden(tmp_path: Path) -> None:
    first = NodeIdentity.load_or_create(tmp_path)
    assert NodeIdentity.load_or_create(tmp_path) == first
    moved = NodeIdentity.load_or_create(tmp_path, port=first.port + 1)
    assert (moved.cluster_id, moved.controller_port) == (first.cluster_id, first.controller_port)
    assert NodeIdentity.load_or_create(tmp_path).port == first.port + 1
    assert len(first.cluster_id) == 22 and first.port != first.controller_port


@pytest.mark.unit
def test_missing_maven_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = shutil.which("java")
    assert java is not None, "the Kafka tests need java on PATH"
    only_java = tmp_path / "bin"
    only_java.mkdir()
    (only_java / "java").symlink_to(java)
    monkeypatch.setenv("PATH", str(only_java))
    with pytest.raises(KafkaSetupError, match="mvn"):
        ensure_jars(tmp_path / "libs")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(KafkaSetupError, match="java"):
        ensure_jars(tmp_path / "libs")


@pytest.mark.unit
def test_loreline_topics_name_the_event_and_dead_letter_topics() -> None:
    specs = {spec.name: spec for spec in loreline_topics(partitions=4)}
    assert set(specs) == {GAME_EVENTS_TOPIC, DLQ_TOPIC}
    assert all(s.partitions == 4 and s.replication_factor == 1 for s in specs.values())
    with pytest.raises(ValueError, match="partitions"):
        TopicSpec("bad", partitions=0)


@pytest.mark.integration
async def test_wait_for_broker_returns_for_a_live_broker_and_times_out_otherwise(
    kafka_bootstrap: str,
) -> None:
    await wait_for_broker(kafka_bootstrap, timeout=10)
    with pytest.raises(TimeoutError, match="no Kafka broker answered"):
        await wait_for_broker(f"127.0.0.1:{free_port()}", timeout=1)


@pytest.mark.integration
async def test_ensure_topics_creates_then_grows_and_never_shrinks(kafka_bootstrap: str) -> None:
    name = unique_topic("spine-topics")
    await ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=2)])
    assert await topic_partitions(kafka_bootstrap, name) == 2
    await ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=2)])  # idempotent
    assert await topic_partitions(kafka_bootstrap, name) == 2
    await ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=5)])
    assert await topic_partitions(kafka_bootstrap, name) == 5
    await ensure_topics(kafka_bootstrap, [TopicSpec(name, partitions=3)])
    assert await topic_partitions(kafka_bootstrap, name) == 5
    assert await topic_partitions(kafka_bootstrap, unique_topic("never-declared")) == 0


@pytest.mark.integration
async def test_produce_consume_round_trip_keeps_keys_values_and_headers(
    kafka_bootstrap: str,
) -> None:
    topic = unique_topic("spine-roundtrip")
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, partitions=3)])
    sent = {f"world-{i}": f"batch {i}".encode() for i in range(6)}
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in sent.items():
            await producer.send_and_wait(
                topic, value, key=key.encode(), headers=[("content-type", b"msgpack")]
            )
        again = await producer.send_and_wait(topic, b"again", key=b"world-0")
    finally:
        await producer.stop()

    records = await read_all(kafka_bootstrap, topic, expected=len(sent) + 1)
    assert len(records) == len(sent) + 1
    first_batches = {r.key.decode(): r for r in records if r.value != b"again"}
    assert {k: r.value for k, r in first_batches.items()} == sent
    assert all(r.headers == (("content-type", b"msgpack"),) for r in first_batches.values())
    assert first_batches["world-0"].partition == again.partition  # same key, same partition


@pytest.mark.integration
async def test_broker_recovers_its_topics_and_records_after_sigkill(
    state_layout: StateLayout, tmp_path: Path
) -> None:
    if os.environ.get("KAFKA_BOOTSTRAP"):
        pytest.skip("KAFKA_BOOTSTRAP points at an external broker; this test starts its own")
    broker = LocalKafka(tmp_path / "kafka", state_layout.kafka_libs_dir, heap_mb=256)
    try:
        first = broker.start()
        bootstrap = broker.bootstrap
        await ensure_topics(bootstrap, loreline_topics(partitions=3))
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(5):
                await producer.send_and_wait(GAME_EVENTS_TOPIC, f"e{i}".encode(), key=b"saltmarch")
        finally:
            await producer.stop()

        broker.kill()
        assert not broker.is_running()
        assert broker.status() is None
        assert not port_open("127.0.0.1", first.port or 0)

        again = broker.start()
        assert broker.bootstrap == bootstrap and again.port == first.port
        assert again.pid != first.pid
        assert broker.start().pid == again.pid  # already running: same process
        assert await topic_partitions(bootstrap, GAME_EVENTS_TOPIC) == 3
        assert await topic_partitions(bootstrap, DLQ_TOPIC) == 3
        records = await read_all(bootstrap, GAME_EVENTS_TOPIC, expected=5)
        assert sorted(r.value for r in records) == [f"e{i}".encode() for i in range(5)]
    finally:
        broker.stop()
    assert not broker.is_running()
