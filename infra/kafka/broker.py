"""A real Apache Kafka broker (single node, KRaft) that Loreline starts and stops itself.

`LocalKafka` keeps everything under one data folder: `node.json` (cluster id and ports),
`config/` (written on every start), `data/` (the log dirs), `logs/broker.log` and `broker.pid`.
The process runs detached in its own session, so it outlives the Python process that started it
until `stop()` (or `loreline down`) ends it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from infra.kafka.class_archive import class_archive_flags, ensure_class_archive
from infra.kafka.errors import KafkaStartError
from infra.kafka.identity import NodeIdentity
from infra.kafka.jars import ensure_jars, find_java, kafka_version
from infra.kafka.jvm import BROKER_MAIN, format_storage_once, java_command
from infra.kafka.server_config import HOST, log4j_properties, server_properties
from infra.kafka.topics import broker_answers
from loreline.state.components import ComponentInfo
from loreline.state.ports import port_open

T = TypeVar("T")

COMPONENT_NAME = "kafka"


class LocalKafka:
    """One Kafka broker+controller on loopback, its state in `data_dir`, its jars in `libs_dir`."""

    def __init__(
        self, data_dir: Path, libs_dir: Path, port: int | None = None, heap_mb: int = 384
    ) -> None:
        if heap_mb < 128:
            raise ValueError(f"heap_mb={heap_mb} is too small for a Kafka broker; use 128 or more")
        self.data_dir = data_dir.resolve()
        self.libs_dir = libs_dir.resolve()
        self.requested_port = port
        self.heap_mb = heap_mb
        self._process: subprocess.Popen[bytes] | None = None
        self._identity: NodeIdentity | None = None

    # -- paths -------------------------------------------------------------------------------
    @property
    def config_dir(self) -> Path:
        return self.data_dir / "config"

    @property
    def server_properties_path(self) -> Path:
        return self.config_dir / "server.properties"

    @property
    def log_dirs(self) -> Path:
        return self.data_dir / "data"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "broker.log"

    @property
    def pid_path(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def identity(self) -> NodeIdentity:
        if self._identity is None:
            self._identity = NodeIdentity.load_or_create(self.data_dir, self.requested_port)
        return self._identity

    @property
    def port(self) -> int:
        return self.identity.port

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 90) -> ComponentInfo:
        """Start the broker (formatting its storage the first time); return once it answers."""
        if self.is_running():
            self._wait_until_ready(time.monotonic() + timeout)
            return self._info()
        identity = self.identity
        for what, port in (("client", identity.port), ("controller", identity.controller_port)):
            if port_open(HOST, port):
                raise KafkaStartError(
                    f"Kafka's {what} port {port} (kept in {self.data_dir / 'node.json'}) is taken "
                    "by another process: stop that process, or pass another port"
                )
        java = find_java()
        jars = ensure_jars(self.libs_dir)
        ensure_class_archive(java, jars)
        self._write_config()
        format_storage_once(java, jars, self.config_dir, self.log_dirs, identity.cluster_id)
        self._launch(java, jars)
        self._wait_until_ready(time.monotonic() + timeout)
        return self._info()

    def stop(self, timeout: float = 30) -> None:
        """Shut down cleanly (SIGTERM), then SIGKILL if it has not exited within `timeout`."""
        pid = self._running_pid()
        if pid is None:
            self._forget_process()
            return
        self._signal_group(pid, signal.SIGTERM)
        if not self._wait_for_exit(pid, timeout):
            self._signal_group(pid, signal.SIGKILL)
            self._wait_for_exit(pid, 10)
        self._forget_process()

    def kill(self) -> None:
        """SIGKILL the broker at once, as a crash would (tests use it to check recovery)."""
        pid = self._running_pid()
        if pid is None:
            return
        self._signal_group(pid, signal.SIGKILL)
        self._wait_for_exit(pid, 10)
        self._forget_process()

    def is_running(self) -> bool:
        return self._running_pid() is not None

    def status(self) -> ComponentInfo | None:
        """The running broker's info, or None when it is not running."""
        return self._info() if self.is_running() else None

    # -- steps of start ----------------------------------------------------------------------
    def _write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.log_dirs.mkdir(parents=True, exist_ok=True)
        self.server_properties_path.write_text(server_properties(self.identity, self.log_dirs))
        (self.config_dir / "log4j.properties").write_text(log4j_properties())

    def _launch(self, java: str, jars: Path) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.exists():
            self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
        command = java_command(
            java,
            jars,
            BROKER_MAIN,
            [str(self.server_properties_path)],
            heap_mb=self.heap_mb,
            config_dir=self.config_dir,
            logs_dir=self.log_path.parent,
            extra_flags=class_archive_flags(java, jars),
        )
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        self.pid_path.write_text(f"{self._process.pid}\n")

    def _wait_until_ready(self, deadline: float) -> None:
        while True:
            pid = self._running_pid()
            if pid is None:
                raise KafkaStartError(
                    f"the Kafka broker exited during start-up; see {self.log_path}:\n"
                    f"{self._log_tail()}"
                )
            if port_open(HOST, self.port) and _run_blocking(broker_answers(self.bootstrap)):
                return
            if time.monotonic() > deadline:
                raise KafkaStartError(
                    f"the Kafka broker (pid {pid}) did not answer on {self.bootstrap} in time; "
                    f"it is left running: see {self.log_path}, then stop() it.\n{self._log_tail()}"
                )
            time.sleep(0.2)

    # -- the process -------------------------------------------------------------------------
    def _running_pid(self) -> int | None:
        if self._process is not None:
            if self._process.poll() is None:
                return self._process.pid
            self._process = None  # exited (and now reaped)
            return None
        try:
            pid = int(self.pid_path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_our_broker(pid, self.server_properties_path) else None

    def _wait_for_exit(self, pid: int, timeout: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _is_our_broker(pid, self.server_properties_path):
                return True
            time.sleep(0.1)
        return False

    @staticmethod
    def _signal_group(pid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, sig)  # started with start_new_session: its pid is its group id

    def _forget_process(self) -> None:
        self._process = None
        self.pid_path.unlink(missing_ok=True)

    def _info(self) -> ComponentInfo:
        return ComponentInfo(
            name=COMPONENT_NAME,
            pid=self._running_pid(),
            host=HOST,
            port=self.port,
            url=f"PLAINTEXT://{self.bootstrap}",
            version=kafka_version(),
            log_path=str(self.log_path),
        )

    def _log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log written)"


def _is_our_broker(pid: int, server_properties_path: Path) -> bool:
    """True when `pid` is alive and is a Kafka broker started with this server.properties."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    server_file = str(server_properties_path).encode()
    if sys.platform.startswith("linux"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        # a zombie has an empty command line; pid reuse gives another command line
        return BROKER_MAIN.encode() in args and server_file in args
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when an event loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
