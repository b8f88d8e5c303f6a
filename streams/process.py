"""What `loreline up` / `status` call: run a worker as a detached process, measure consumer lag."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from infra.kafka.topics import GAME_EVENTS_TOPIC
from loreline.state import ComponentInfo, StateLayout
from streams.ingest.agent import ready_file
from streams.settings import DEFAULT_APP_ID, WorkerSettings

WORKER_COMPONENT = "streams-worker"


class WorkerStartError(RuntimeError):
    pass


def start_worker_process(
    layout: StateLayout,
    settings: WorkerSettings,
    *,
    name: str = WORKER_COMPONENT,
    wait_ready_s: float = 180.0,
) -> ComponentInfo:
    """Start `python -m streams.worker` detached (own session), logging to `logs/<name>.log`.

    Waits until the worker has joined its consumer group (it writes `run/streams-worker.<pid>.ready`
    after its first rebalance), so events published afterwards are consumed. Raises
    `WorkerStartError` with the log's tail if the process exits or does not get ready in time.
    Stop it with SIGTERM to its process group (Faust shuts down cleanly and commits offsets).
    """
    layout.ensure()
    log_path = layout.logs_dir / f"{name}.log"
    env = {**os.environ, **settings.model_copy(update={"home": layout.home}).to_env()}
    env.setdefault("PYTHONUNBUFFERED", "1")
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streams.worker"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    ready = ready_file(layout, process.pid)
    deadline = time.monotonic() + wait_ready_s
    while not ready.exists():
        if process.poll() is not None:
            raise WorkerStartError(
                f"streams worker exited with code {process.returncode}:\n{_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise WorkerStartError(
                f"streams worker (pid {process.pid}) not ready after {wait_ready_s:.0f}s; "
                f"it keeps running, see {log_path}:\n{_tail(log_path)}"
            )
        time.sleep(0.2)
    return ComponentInfo(
        name=name,
        pid=process.pid,
        version=f"faust-streaming {faust.__version__}",
        log_path=str(log_path),
    )


def _tail(path: os.PathLike[str] | str, lines: int = 30) -> str:
    try:
        with open(path, "rb") as handle:
            return b"".join(handle.readlines()[-lines:]).decode("utf-8", "replace")
    except OSError:
        return ""


async def consumer_lag(
    bootstrap: str, group: str = DEFAULT_APP_ID, topic: str = GAME_EVENTS_TOPIC
) -> dict[str, Any]:
    """Committed offset, end offset and lag per partition of `topic` for consumer group `group`.

    `{"group", "topic", "total_lag", "partitions": {p: {"committed", "end", "lag"}}}`; a partition
    the group never committed counts its whole length as lag (committed = None).
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        await admin.start()
        await consumer.start()
        described = await admin.describe_topics([topic])
        parts = sorted(
            p["partition"] for t in described if t["topic"] == topic for p in t["partitions"]
        )
        tps = [TopicPartition(topic, p) for p in parts]
        committed = await admin.list_consumer_group_offsets(group, partitions=tps)
        ends = await consumer.end_offsets(tps) if tps else {}
        begins = await consumer.beginning_offsets(tps) if tps else {}
    finally:
        await asyncio.gather(admin.close(), consumer.stop(), return_exceptions=True)
    partitions: dict[int, dict[str, int | None]] = {}
    for tp in tps:
        meta = committed.get(tp)
        offset = meta.offset if meta is not None and meta.offset >= 0 else None
        end = ends.get(tp, 0)
        start = offset if offset is not None else begins.get(tp, 0)
        partitions[tp.partition] = {"committed": offset, "end": end, "lag": max(0, end - start)}
    return {
        "group": group,
        "topic": topic,
        "total_lag": sum(int(p["lag"] or 0) for p in partitions.values()),
        "partitions": partitions,
    }
