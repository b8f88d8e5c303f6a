"""Ingest benchmark: end-to-end throughput and latency of the streams worker vs a plain consumer.

    .venv/bin/python -m bench.ingest --events 200000 [--workers 1] [--worlds 12]

Publishes N events (every type, from the demo-world simulator over `--worlds` worlds, msgpack,
batched records of up to 500 events of one world) to a broker it starts (or KAFKA_BOOTSTRAP; the
database likewise, or DATABASE_URL), twice, each time to fresh topics and a fresh database:

1. the streams worker (`--workers` Faust processes): decode + validate, dedup, live state in
   Faust tables, Postgres (events + world_state_*) and the Parquet lake, offsets after durability;
2. the baseline: one plain aiokafka process, msgpack unpack, the same COPY + INSERT ... ON CONFLICT
   into `events` — no validation, no state, no lake.

Throughput = N / (first publish -> last event durable: in Postgres AND the lake for the worker, in
Postgres for the baseline). Latency = occurred_at (stamped at publish) -> durable, p50 and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiokafka.partitioner import DefaultPartitioner

from loreline.contract import Event
from loreline.db import apply_migrations
from loreline.db.databases import create_database, drop_database
from loreline.producer import EventProducer
from loreline.state import StateLayout
from streams.process import start_worker_process
from streams.settings import WorkerSettings
from streams.simulator import Simulator
from streams.worker import worker_topics

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Figures:
    name: str
    events: int
    seconds: float
    p50: float
    p99: float
    cpu_s: float  # CPU time of the consuming process(es), independent of other load

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def spread_world_ids(worlds: int, partitions: int) -> list[str]:
    """World ids that the producer's key partitioner spreads evenly over the partitions."""
    partitioner = DefaultPartitioner()
    ids = list(range(partitions))
    per_partition = -(-worlds // partitions)
    chosen: dict[int, list[str]] = {p: [] for p in ids}
    for n in itertools.count():
        name = f"bench-{n}"
        slot = chosen[partitioner(name.encode(), ids, ids)]
        if len(slot) < per_partition:
            slot.append(name)
        if sum(map(len, chosen.values())) >= worlds:
            return sorted(w for slot in chosen.values() for w in slot)[:worlds]
    raise AssertionError("unreachable")


def template_events(count: int, worlds: int, partitions: int = 6) -> list[Event]:
    """Simulated play spread over `worlds` worlds (re-stamped and re-identified at publish)."""
    per_world = max(1, min(count, 60_000) // worlds)
    events: list[Event] = []
    for n, world_id in enumerate(spread_world_ids(worlds, partitions)):
        sim = Simulator(60, seed=n, start=datetime(2026, 1, 1, tzinfo=UTC), world_id=world_id)
        events.extend(itertools.islice(sim.events(24 * 3600), per_world))
    events.sort(key=lambda e: e.occurred_at)  # the worlds play at the same time
    return events


async def publish(bootstrap: str, topic: str, template: list[Event], count: int) -> float:
    """Publish `count` events cycling through `template`; returns the time of the first send."""
    first = 0.0
    async with EventProducer(bootstrap, topic=topic, max_batch_events=500, linger_ms=50) as p:
        sent = 0
        while sent < count:
            now = datetime.now(UTC)
            size = min(5000, count - sent)
            start = sent % len(template)
            chunk = [
                e.model_copy(update={"event_id": uuid.uuid4(), "occurred_at": now})
                for e in (template[start : start + size] or template[:size])
            ]
            if not first:
                first = time.time()
            await p.send(chunk)
            sent += len(chunk)
            await asyncio.sleep(0)
    return first


async def wait_worker_durable(dsn: str, count: int, within_s: float) -> tuple[float, float, float]:
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + within_s
        while True:
            stored = await conn.fetchval("SELECT count(*) FROM events")
            in_lake = await conn.fetchval(
                "SELECT coalesce(sum(events), 0) FROM events_lake_batches WHERE written_at IS NOT NULL"
            )
            if stored >= count and in_lake >= count:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"worker stored {stored}/{count} ({in_lake} in the lake)")
            await asyncio.sleep(0.25)
        last = await conn.fetchval(
            "SELECT extract(epoch FROM max(written_at)) FROM events_lake_batches"
        )
        p50, p99 = await conn.fetchval(
            "SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY "
            "extract(epoch FROM b.written_at - e.occurred_at)) FROM events e "
            "JOIN events_lake_batches b ON b.src_partition = e.src_partition "
            "AND e.src_offset BETWEEN b.first_offset AND b.last_offset"
        )
        return float(last), float(p50), float(p99)
    finally:
        await conn.close()


def fresh_database(admin_dsn: str, name: str) -> str:
    drop_database(admin_dsn, name)
    dsn = create_database(admin_dsn, name)
    apply_migrations(dsn)
    return dsn


async def run_worker_path(
    args: argparse.Namespace, bootstrap: str, admin_dsn: str, home: Path, template: list[Event]
) -> Figures:
    tag = uuid.uuid4().hex[:8]
    dsn = fresh_database(admin_dsn, f"bench_streams_{tag}")
    layout = StateLayout.under(home / f"streams-{tag}").ensure()
    settings = WorkerSettings(
        kafka_bootstrap=bootstrap,
        database_url=dsn,
        home=layout.home,
        app_id=f"bench-streams-{tag}",
        events_topic=f"bench-events-{tag}",
        dlq_topic=f"bench-events-{tag}.dlq",
        partitions=args.partitions,
    )
    from infra.kafka.topics import ensure_topics

    await ensure_topics(bootstrap, worker_topics(settings))
    workers = [
        await asyncio.to_thread(start_worker_process, layout, settings, name=f"streams-worker-{n}")
        for n in range(args.workers)
    ]
    await asyncio.sleep(3)  # let the group settle on all members before the clock starts
    pids = [info.pid for info in workers if info.pid is not None]
    cpu_before = sum(process_cpu_s(pid) for pid in pids)
    try:
        first = await publish(bootstrap, settings.events_topic, template, args.events)
        last, p50, p99 = await wait_worker_durable(dsn, args.events, args.timeout)
        cpu = sum(process_cpu_s(pid) for pid in pids) - cpu_before
    finally:
        for pid in pids:
            os.killpg(pid, 15)
    await asyncio.sleep(2)  # the workers log their final figures as they stop
    for log in sorted(layout.logs_dir.glob("streams-worker-*.log")):
        lines = [line for line in log.read_text().splitlines() if "ingest:" in line]
        if lines:
            print(f"  {log.name}: {lines[-1].split('ingest:', 1)[1].strip()}")
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            shutil.copy(log, args.logs / log.name)
    return Figures(f"streams worker x{args.workers}", args.events, last - first, p50, p99, cpu)


def process_cpu_s(pid: int) -> float:
    """user + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_baseline(
    args: argparse.Namespace, bootstrap: str, admin_dsn: str, home: Path, template: list[Event]
) -> Figures:
    tag = uuid.uuid4().hex[:8]
    dsn = fresh_database(admin_dsn, f"bench_baseline_{tag}")
    topic = f"bench-baseline-{tag}"
    from infra.kafka.topics import TopicSpec, ensure_topics

    await ensure_topics(bootstrap, [TopicSpec(topic, args.partitions)])
    summary = home / f"baseline-{tag}.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.ingest.baseline",
        bootstrap,
        dsn,
        topic,
        str(args.events),
        str(summary),
        cwd=REPO,
    )
    ready = home / (summary.name + ".ready")
    try:
        while not await asyncio.to_thread(ready.exists):
            if process.returncode is not None:
                raise RuntimeError("baseline consumer exited")
            await asyncio.sleep(0.1)
        await asyncio.sleep(3)
        first = await publish(bootstrap, topic, template, args.events)
        deadline = time.monotonic() + args.timeout
        while not await asyncio.to_thread(summary.exists):
            if process.returncode is not None:
                raise RuntimeError("baseline consumer exited early")
            if time.monotonic() > deadline:
                raise TimeoutError("baseline did not finish")
            await asyncio.sleep(0.25)
        result = json.loads(await asyncio.to_thread(summary.read_text))
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    return Figures(
        "baseline (aiokafka + COPY)",
        result["stored"],
        result["last_durable"] - first,
        result["p50"],
        result["p99"],
        result["cpu_s"],
    )


def servers(stack: ExitStack, home: Path) -> tuple[str, str]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP")
    admin_dsn = os.environ.get("DATABASE_URL")
    layout = StateLayout.under(home, cache=REPO / ".loreline" / "cache").ensure()
    if not admin_dsn:
        from infra.postgres import EmbeddedPostgres

        pg = EmbeddedPostgres(
            layout.pg_dir, log_path=layout.logs_dir / "postgres.log", durable=True
        )
        pg.start(timeout=120)
        stack.callback(pg.stop)
        admin_dsn = pg.dsn
    if not bootstrap:
        from infra.kafka import LocalKafka

        kafka = LocalKafka(layout.kafka_dir, layout.kafka_libs_dir)
        kafka.start()
        stack.callback(kafka.stop)
        bootstrap = kafka.bootstrap
    return bootstrap, admin_dsn


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=1, help="streams worker processes")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--worlds", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--only", choices=("worker", "baseline"), default=None)
    parser.add_argument("--logs", type=Path, default=None, help="keep the worker logs here")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-", ignore_cleanup_errors=True) as tmp,
        ExitStack() as stack,  # servers stop before their folder is removed
    ):
        home = Path(tmp)
        os.chmod(home, 0o755)  # the embedded server runs as an unprivileged user
        print(f"starting servers under {home} ...", flush=True)
        bootstrap, admin_dsn = servers(stack, home)
        print("generating events ...", flush=True)
        template = template_events(args.events, args.worlds, args.partitions)
        results: list[Figures] = []
        if args.only in (None, "worker"):
            print(f"worker path: {args.events} events ...", flush=True)
            results.append(asyncio.run(run_worker_path(args, bootstrap, admin_dsn, home, template)))
        if args.only in (None, "baseline"):
            print(f"baseline: {args.events} events ...", flush=True)
            results.append(asyncio.run(run_baseline(args, bootstrap, admin_dsn, home, template)))
        print(f"\nload average (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} cores")
        print(
            f"{'path':28} {'events':>7} {'seconds':>8} {'events/s':>9} {'p50 ms':>7} "
            f"{'p99 ms':>7} {'CPU us/event':>12}"
        )
        for r in results:
            print(
                f"{r.name:28} {r.events:7d} {r.seconds:8.2f} {r.rate:9,.0f} "
                f"{r.p50 * 1000:7.0f} {r.p99 * 1000:7.0f} {r.cpu_s / r.events * 1e6:12.1f}"
            )
        if len(results) == 2:
            print(
                f"\nratio worker / baseline: {results[0].rate / results[1].rate:.2f}x "
                f"(targets: >= 0.5x and >= 10,000 events/s)"
            )


if __name__ == "__main__":
    main()
