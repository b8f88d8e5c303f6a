"""The `loreline` command against real servers: up, status after a broker crash, up again, down."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infra.kafka import GAME_EVENTS_TOPIC

pytestmark = pytest.mark.integration


def _loreline(home: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LORELINE_HOME": str(home), "LORELINE_CACHE": str(cache), "COLUMNS": "200"}
    env.pop("KAFKA_BOOTSTRAP", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "loreline.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def _produce(bootstrap: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(GAME_EVENTS_TOPIC, value, key=b"saltmarch")
    finally:
        await producer.stop()


async def _read_all(bootstrap: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        GAME_EVENTS_TOPIC, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=5000)
        return [record.value for records in batches.values() for record in records if record.value]
    finally:
        await consumer.stop()


def test_status_reports_a_killed_broker_and_up_brings_it_back_with_its_data(
    tmp_path: Path, repo_root: Path
) -> None:
    home, cache = tmp_path / "home", repo_root / ".loreline" / "cache"
    started = _loreline(home, cache, "up", "--only", "kafka")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        registry = json.loads((home / "run" / "components.json").read_text())
        kafka = registry["kafka"]
        bootstrap = f"127.0.0.1:{kafka['port']}"
        asyncio.run(_produce(bootstrap, b"before the crash"))

        os.kill(kafka["pid"], signal.SIGKILL)
        status = _loreline(home, cache, "status")
        assert status.returncode == 1
        kafka_row = next(line for line in status.stdout.splitlines() if "kafka" in line)
        assert "down" in kafka_row

        again = _loreline(home, cache, "up", "--only", "kafka")
        assert again.returncode == 0, again.stdout + again.stderr
        assert bootstrap in again.stdout
        assert b"before the crash" in asyncio.run(_read_all(bootstrap))
        status = _loreline(home, cache, "status")
        kafka_row = next(line for line in status.stdout.splitlines() if "kafka" in line)
        assert " up " in kafka_row
    finally:
        stopped = _loreline(home, cache, "down", "--only", "kafka")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
