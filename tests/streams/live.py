"""Running real workers against the session's Kafka and PostgreSQL (for the integration tests)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from loreline.db.databases import create_database, drop_database
from loreline.state import ComponentInfo, StateLayout
from streams.ingest.agent import EXIT_STALLED
from streams.process import consumer_lag, start_worker_process
from streams.settings import WorkerSettings


@dataclass
class LiveWorker:
    """A worker process with its own topics, consumer group, database and state home."""

    settings: WorkerSettings
    layout: StateLayout
    dsn: str
    processes: list[ComponentInfo] = field(default_factory=list)
    stall_restarts: int = 0

    @property
    def lake_dir(self) -> Path:
        return self.settings.resolved_lake_dir

    def start(self, name: str = "streams-worker") -> ComponentInfo:
        info = start_worker_process(self.layout, self.settings, name=name, wait_ready_s=180)
        self.processes.append(info)
        return info

    def stop(self, info: ComponentInfo, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
        assert info.pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(info.pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(info.pid, os.WNOHANG)
            except ChildProcessError:
                done = info.pid
            if done:
                break
            time.sleep(0.1)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(info.pid, signal.SIGKILL)
        self.processes.remove(info)

    def stop_all(self) -> None:
        for info in list(self.processes):
            self.stop(info)

    async def lag(self) -> int:
        s = self.settings
        return int((await consumer_lag(s.kafka_bootstrap, s.app_id, s.events_topic))["total_lag"])

    def restart_stalled(self) -> int:
        """Do what the worker's supervisor does in production: start again a worker that exited
        because its consumer stalled (exit code 75, streams/ingest/stall.py). Returns how many."""
        restarted = 0
        for info in list(self.processes):
            assert info.pid is not None
            try:
                pid, status = os.waitpid(info.pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if pid and os.waitstatus_to_exitcode(status) == EXIT_STALLED:
                self.processes.remove(info)
                print(f"worker {info.pid} exited as stalled; starting it again")
                self.start(info.name)
                self.stall_restarts += 1
                restarted += 1
        return restarted

    async def wait_caught_up(self, within_s: float = 180.0) -> None:
        """Until every record is processed, durable and committed (lag 0 twice in a row)."""
        deadline = time.monotonic() + within_s
        zeros = 0
        while time.monotonic() < deadline:
            await asyncio.to_thread(self.restart_stalled)
            zeros = zeros + 1 if await self.lag() == 0 else 0
            if zeros >= 2:
                return
            await asyncio.sleep(0.5)
        raise TimeoutError(f"worker still lagging by {await self.lag()} records; see {self.log()}")

    def log(self) -> Path:
        return self.layout.logs_dir / "streams-worker.log"


def new_live_worker(
    kafka_bootstrap: str, admin_dsn: str, template: str, home: Path, **overrides: object
) -> LiveWorker:
    tag = uuid.uuid4().hex[:8]
    name = f"streams_{tag}"
    dsn = create_database(admin_dsn, name, template=template)
    layout = StateLayout.under(home).ensure()
    settings = WorkerSettings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=dsn,
        home=layout.home,
        app_id=f"loreline-streams-{tag}",
        events_topic=f"game-events-{tag}",
        dlq_topic=f"game-events-{tag}.dlq",
        batch_within_s=0.2,
        commit_interval_s=0.5,
        lake_recovery_interval_s=5.0,
        session_timeout_s=10.0,
        stall_warn_s=15.0,
        stall_exit_s=45.0,
        **overrides,  # type: ignore[arg-type]
    )
    settings = settings.model_copy(update={"database_url": overrides.get("database_url", dsn)})
    return LiveWorker(settings, layout, dsn)


def drop_live_worker(worker: LiveWorker, admin_dsn: str) -> None:
    worker.stop_all()
    drop_database(admin_dsn, worker.dsn.rsplit("/", 1)[1])


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(what)


class TcpProxy:
    """A loopback TCP proxy the tests can cut (refuse and drop every connection) and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()
                self._links.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
