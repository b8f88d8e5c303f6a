"""The baseline consumer: plain aiokafka, msgpack unpack, the same batched PostgreSQL insert.

No validation, no dedup window, no state, no lake, no Faust. Run as its own process by the bench:
`python -m bench.ingest.baseline BOOTSTRAP DSN TOPIC EXPECTED SUMMARY.json`. Commits offsets after
each transaction; writes its figures to SUMMARY.json when EXPECTED events are stored.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import msgpack
from aiokafka import AIOKafkaConsumer

from streams.sinks.postgres import CREATE_STAGE_SQL, store_events
from streams.worker import tune_gc

_JSON = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode


async def run(bootstrap: str, dsn: str, topic: str, expected: int, summary: Path) -> None:
    conn = await asyncpg.connect(dsn)
    await conn.execute(CREATE_STAGE_SQL)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"baseline-{topic}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    await consumer.start()
    await asyncio.to_thread((summary.parent / (summary.name + ".ready")).write_text, "ready")
    stored = 0
    cpu_start = time.process_time()
    latencies: list[float] = []
    last_durable = 0.0
    try:
        while stored < expected:
            batches = await consumer.getmany(timeout_ms=200, max_records=500)
            if not batches:
                continue
            rows = []
            occurred = []
            for tp, messages in batches.items():
                for message in messages:
                    batch = msgpack.unpackb(message.value, raw=False, timestamp=3)
                    for e in batch["events"]:
                        rows.append(
                            (
                                uuid.UUID(bytes=e["event_id"]),
                                e["world_id"],
                                e["type"],
                                e["occurred_at"],
                                e.get("actor"),
                                e.get("session_id"),
                                e.get("schema_version", 1),
                                _JSON(e["payload"]),
                                tp.partition,
                                message.offset,
                            )
                        )
                        occurred.append(e["occurred_at"].timestamp())
            async with conn.transaction():
                inserted, _ = await store_events(conn, rows)
            await consumer.commit()
            last_durable = time.time()
            latencies.extend(last_durable - t for t in occurred)
            stored += len(inserted)
    finally:
        await consumer.stop()
        await conn.close()
    latencies.sort()
    await asyncio.to_thread(
        summary.write_text,
        json.dumps(
            {
                "stored": stored,
                "last_durable": last_durable,
                "p50": latencies[len(latencies) // 2],
                "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
                "cpu_s": time.process_time() - cpu_start,
            }
        ),
    )


if __name__ == "__main__":
    tune_gc()  # the same runtime setting as the worker, for a fair comparison
    bootstrap, dsn, topic, expected, summary = sys.argv[1:6]
    asyncio.run(run(bootstrap, dsn, topic, int(expected), Path(summary)))
