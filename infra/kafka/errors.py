"""What can go wrong when Loreline sets up or runs its local Kafka broker."""

from __future__ import annotations


class KafkaSetupError(RuntimeError):
    """A tool the broker needs (java, mvn) is missing, or its jars could not be resolved."""


class KafkaStartError(RuntimeError):
    """The broker process did not come up, or came up but never answered."""
