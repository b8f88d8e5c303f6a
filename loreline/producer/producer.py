"""The batching event producer game servers (and the API's HTTP ingest gateway) publish with.

Events are grouped per world into Kafka records of the ingest topic: one record = one batch
(`encode_batch`) of up to `max_batch_events` events of one world, keyed by `world_id` (so a world
always lands on the same partition), with the encoding in the `content-type` header. A world's
buffer is sent when it is full or `linger_ms` after its first event, whichever comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from infra.kafka.topics import GAME_EVENTS_TOPIC
from loreline.contract import CONTENT_TYPE_HEADER, Encoding, Event, encode_batch

log = logging.getLogger(__name__)

DEFAULT_MAX_RECORD_BYTES = 900_000
"""Kept under Kafka's default 1 MiB message limit; a larger batch is split in two."""


class ProducerError(RuntimeError):
    """A record could not be delivered after every retry."""


@dataclass
class _Buffer:
    events: list[Event] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    done: asyncio.Future[None] | None = None  # created on demand by send(wait=True)


class EventProducer:
    """Async batching producer: `async with EventProducer(bootstrap) as p: await p.send(events)`.

    - `send(events)` buffers (returns once buffered); `send(events, wait=True)` returns once every
      record holding them is acknowledged by the broker (acks=all).
    - `flush()` sends every buffer and waits for all in-flight records; raises `ProducerError` if a
      record failed after `max_retries` retries (with exponential back-off).
    - `stop()` flushes, then closes the connection.
    """

    def __init__(
        self,
        bootstrap: str,
        encoding: Encoding | str = Encoding.MSGPACK,
        *,
        topic: str = GAME_EVENTS_TOPIC,
        max_batch_events: int = 500,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        linger_ms: float = 20.0,
        max_in_flight: int = 256,
        max_retries: int = 8,
        retry_backoff_ms: float = 100.0,
        retry_backoff_max_ms: float = 5_000.0,
        client_id: str = "loreline-producer",
        **kafka_options: Any,
    ) -> None:
        if max_batch_events < 1:
            raise ValueError("max_batch_events must be at least 1")
        self.bootstrap = bootstrap
        self.encoding = Encoding(encoding)
        self.topic = topic
        self.max_batch_events = max_batch_events
        self.max_record_bytes = max_record_bytes
        self.linger_s = linger_ms / 1000.0
        self.max_retries = max_retries
        self.retry_backoff_s = retry_backoff_ms / 1000.0
        self.retry_backoff_max_s = retry_backoff_max_ms / 1000.0
        self._headers = [(CONTENT_TYPE_HEADER, self.encoding.value.encode("ascii"))]
        options: dict[str, Any] = {
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "max_request_size": max(max_record_bytes + 65_536, 1_048_576),
            "request_timeout_ms": 30_000,
            "client_id": client_id,
        }
        options.update(kafka_options)
        self._kafka_options = options
        self._producer: AIOKafkaProducer | None = None
        self._buffers: dict[str, _Buffer] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._linger_task: asyncio.Task[None] | None = None
        self._errors: list[BaseException] = []
        self.records_sent = 0
        self.events_sent = 0

    # -- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, **self._kafka_options)
        await producer.start()
        self._producer = producer
        self._linger_task = asyncio.create_task(self._linger_loop(), name="producer-linger")

    async def stop(self) -> None:
        if self._producer is None:
            return
        try:
            await self.flush()
        finally:
            if self._linger_task is not None:
                self._linger_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._linger_task
                self._linger_task = None
            producer, self._producer = self._producer, None
            await producer.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- sending ----------------------------------------------------------------------------------

    async def send(self, events: Iterable[Event], *, wait: bool = False) -> None:
        """Buffer `events` (any worlds, any number); see the class docstring for `wait`."""
        self._raise_pending_error()
        if self._producer is None:
            raise RuntimeError("EventProducer is not started (use `async with` or await start())")
        waiters: set[asyncio.Future[None]] = set()
        for event in events:
            buffer = self._buffers.get(event.world_id)
            if buffer is None:
                buffer = self._buffers[event.world_id] = _Buffer()
            buffer.events.append(event)
            if wait:
                if buffer.done is None:
                    buffer.done = asyncio.get_running_loop().create_future()
                waiters.add(buffer.done)
            if len(buffer.events) >= self.max_batch_events:
                await self._dispatch(event.world_id)
        if waiters:
            for world_id in [w for w, b in self._buffers.items() if b.done in waiters]:
                await self._dispatch(world_id)
            await asyncio.gather(*waiters)

    async def flush(self) -> None:
        """Send every buffered event and wait until every record is acknowledged."""
        for world_id in list(self._buffers):
            await self._dispatch(world_id)
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)
        self._raise_pending_error()

    def _raise_pending_error(self) -> None:
        if self._errors:
            first, self._errors = self._errors[0], []
            raise ProducerError(f"could not deliver events to {self.topic!r}: {first}") from first

    async def _dispatch(self, world_id: str) -> None:
        buffer = self._buffers.pop(world_id, None)
        if buffer is None or not buffer.events:
            if buffer is not None and buffer.done is not None and not buffer.done.done():
                buffer.done.set_result(None)
            return
        records = self._encode(buffer.events)
        tasks = []
        for value, count in records:
            await self._slots.acquire()
            task = asyncio.create_task(
                self._deliver(world_id, value, count, report=buffer.done is None)
            )
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            tasks.append(task)
        if buffer.done is not None:
            done = buffer.done
            gathered = asyncio.gather(*tasks)

            def _resolve(fut: asyncio.Future[list[None]]) -> None:
                if done.done():
                    return
                if fut.cancelled():
                    done.cancel()
                elif fut.exception() is not None:
                    done.set_exception(ProducerError(str(fut.exception())))
                else:
                    done.set_result(None)

            gathered.add_done_callback(_resolve)

    def _encode(self, events: list[Event]) -> list[tuple[bytes, int]]:
        """Encoded records for `events`, split in halves until each fits `max_record_bytes`."""
        value = encode_batch(events, self.encoding)
        if len(value) <= self.max_record_bytes or len(events) == 1:
            return [(value, len(events))]
        middle = len(events) // 2
        return self._encode(events[:middle]) + self._encode(events[middle:])

    async def _deliver(self, world_id: str, value: bytes, count: int, *, report: bool) -> None:
        """Send one record, retrying; a final failure goes to the waiting `send(wait=True)` caller,
        or (`report`) is kept for the next `send`/`flush` to raise."""
        try:
            delay = self.retry_backoff_s
            attempt = 0
            while True:
                producer = self._producer
                if producer is None:
                    raise ProducerError("producer stopped with records in flight")
                try:
                    await producer.send_and_wait(
                        self.topic, value, key=world_id.encode(), headers=self._headers
                    )
                except KafkaError as exc:
                    attempt += 1
                    if attempt > self.max_retries:
                        log.error(
                            "gave up on a record of %d events for %s: %s", count, world_id, exc
                        )
                        if report:
                            self._errors.append(exc)
                            return
                        raise
                    log.warning(
                        "record for %s not delivered (%s); retry %d/%d in %.2fs",
                        world_id,
                        exc,
                        attempt,
                        self.max_retries,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.retry_backoff_max_s)
                else:
                    self.records_sent += 1
                    self.events_sent += count
                    return
        finally:
            self._slots.release()

    async def _linger_loop(self) -> None:
        interval = max(self.linger_s / 2, 0.001)
        while True:
            await asyncio.sleep(interval)
            if not self._buffers:
                continue
            deadline = time.monotonic() - self.linger_s
            for world_id in [w for w, b in self._buffers.items() if b.started <= deadline]:
                try:
                    await self._dispatch(world_id)
                except Exception as exc:  # keep lingering; the error surfaces on send/flush
                    log.exception("could not dispatch the buffer of %s", world_id)
                    self._errors.append(exc)
