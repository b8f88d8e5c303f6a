"""Publishing validated events to the ingest topic through `loreline.producer.EventProducer`.

The producer starts on first use, not with the app: the query endpoints keep working while Kafka is
down, and ingest answers 503 (`broker_unavailable`) until the broker is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka.errors import KafkaError

from loreline.contract import Encoding, Event
from loreline.producer import EventProducer, ProducerError

log = logging.getLogger(__name__)


class BrokerUnavailableError(RuntimeError):
    """No broker configured, or it could not take the events."""


class EventPublisher:
    def __init__(
        self, bootstrap: str | None, *, topic: str, encoding: Encoding, timeout: float = 15.0
    ) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.encoding = encoding
        self.timeout = timeout
        self._producer: EventProducer | None = None
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return self.bootstrap is not None

    async def publish(self, events: Sequence[Event]) -> None:
        """Send `events` and wait until the broker acknowledged every record (acks=all)."""
        if not events:
            return
        producer = await self._started()
        try:
            async with asyncio.timeout(self.timeout):
                await producer.send(events, wait=True)
        except (ProducerError, KafkaError, OSError, TimeoutError) as exc:
            log.warning("publishing %d events failed: %s", len(events), exc)
            await self._reset()
            raise BrokerUnavailableError(f"the broker did not take the events: {exc}") from exc

    async def close(self) -> None:
        await self._reset()

    async def _started(self) -> EventProducer:
        if self.bootstrap is None:
            raise BrokerUnavailableError("ingest is not configured (no KAFKA_BOOTSTRAP)")
        async with self._lock:
            if self._producer is None:
                producer = EventProducer(
                    self.bootstrap,
                    self.encoding,
                    topic=self.topic,
                    linger_ms=2.0,
                    max_retries=3,
                    client_id="loreline-api",
                )
                try:
                    async with asyncio.timeout(self.timeout):
                        await producer.start()
                except (KafkaError, OSError, TimeoutError) as exc:
                    await _quietly_stop(producer)
                    raise BrokerUnavailableError(f"cannot reach the broker: {exc}") from exc
                self._producer = producer
            return self._producer

    async def _reset(self) -> None:
        async with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            await _quietly_stop(producer)


async def _quietly_stop(producer: EventProducer) -> None:
    try:
        async with asyncio.timeout(10):
            await producer.stop()
    except Exception as exc:  # closing a broken producer must not mask the original error
        log.info("producer stop failed: %s", exc)
