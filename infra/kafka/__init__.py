"""The local Apache Kafka broker (3.9, single-node KRaft) and Loreline's topics."""

from infra.kafka.broker import LocalKafka
from infra.kafka.errors import KafkaSetupError, KafkaStartError
from infra.kafka.jars import ensure_jars, kafka_version
from infra.kafka.topics import (
    DLQ_TOPIC,
    GAME_EVENTS_TOPIC,
    TopicSpec,
    ensure_topics,
    loreline_topics,
    wait_for_broker,
)

__all__ = [
    "DLQ_TOPIC",
    "GAME_EVENTS_TOPIC",
    "KafkaSetupError",
    "KafkaStartError",
    "LocalKafka",
    "TopicSpec",
    "ensure_jars",
    "ensure_topics",
    "kafka_version",
    "loreline_topics",
    "wait_for_broker",
]
