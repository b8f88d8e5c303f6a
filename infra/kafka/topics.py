"""Loreline's Kafka topics and how they are declared: create what is missing, grow what is short."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.errors import KafkaError, for_code

GAME_EVENTS_TOPIC = "game-events"
DLQ_TOPIC = "game-events.dlq"

_TOPIC_ALREADY_EXISTS = 36


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int = 1
    config: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ValueError(f"topic {self.name!r}: partitions must be at least 1")
        if self.replication_factor < 1:
            raise ValueError(f"topic {self.name!r}: replication_factor must be at least 1")


def loreline_topics(partitions: int = 6) -> list[TopicSpec]:
    """The topics Loreline declares itself (Faust declares its own changelog topics)."""
    return [
        TopicSpec(GAME_EVENTS_TOPIC, partitions),
        TopicSpec(DLQ_TOPIC, partitions),
    ]


async def ensure_topics(bootstrap: str, specs: list[TopicSpec]) -> None:
    """Create missing topics and add partitions where a topic has fewer than asked. Idempotent.

    Existing topics keep their configuration and never lose partitions (Kafka cannot shrink one).
    """
    if not specs:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        existing = await _partition_counts(admin, [spec.name for spec in specs])
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.config)
                    for s in missing
                ]
            )
            for entry in response.topic_errors:
                name, code = entry[0], entry[1]
                if code and code != _TOPIC_ALREADY_EXISTS:
                    message = entry[2] if len(entry) > 2 else ""
                    raise for_code(code)(f"could not create topic {name!r}: {message}")
        short = {
            spec.name: NewPartitions(spec.partitions)
            for spec in specs
            if spec.name in existing and existing[spec.name] < spec.partitions
        }
        if short:
            await admin.create_partitions(short)
        await _wait_for_partitions(admin, specs)
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, topic: str) -> int:
    """How many partitions `topic` has (0 when it does not exist)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        return (await _partition_counts(admin, [topic])).get(topic, 0)
    finally:
        await admin.close()


async def broker_answers(bootstrap: str, within: float = 5.0) -> bool:
    """One attempt: does a broker at `bootstrap` answer a metadata request and list itself?"""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(within * 1000))
    try:
        async with asyncio.timeout(within):
            await admin.start()
            cluster = await admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await admin.close()


async def wait_for_broker(bootstrap: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    """Wait until a broker at `bootstrap` answers metadata requests, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if await broker_answers(bootstrap, within=max(1.0, min(5.0, remaining))):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"no Kafka broker answered at {bootstrap} within {timeout:.0f}s: start one "
                "(`loreline up`) or fix KAFKA_BOOTSTRAP"
            )
        await asyncio.sleep(0.2)


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partitions per existing topic, counting only partitions that have a leader (usable)."""
    topics = await admin.describe_topics(names)
    counts = {
        t["topic"]: sum(1 for p in t["partitions"] if p["leader"] >= 0)
        for t in topics
        if t["error_code"] == 0 and t["partitions"]
    }
    return {name: count for name, count in counts.items() if count}


async def _wait_for_partitions(
    admin: AIOKafkaAdminClient, specs: list[TopicSpec], within: float = 30.0
) -> None:
    """Metadata catches up with creation a moment later; return once every topic is complete."""
    deadline = time.monotonic() + within
    while True:
        counts = await _partition_counts(admin, [spec.name for spec in specs])
        lagging = [s.name for s in specs if counts.get(s.name, 0) < s.partitions]
        if not lagging:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"topics {lagging} did not reach their partition counts in time")
        await asyncio.sleep(0.1)
