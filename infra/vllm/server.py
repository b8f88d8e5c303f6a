"""One local vLLM replica: an OpenAI-compatible server process over a HF model folder.

The process runs from the separate vLLM environment (infra/vllm/environment.py) in its own process
group, so `stop()` ends the API server together with the engine and worker processes it spawns.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO

import httpx

from infra.vllm.environment import Progress, env_python
from loreline.state import ComponentInfo
from loreline.state.ports import free_port

VLLM_VERSION = "0.32.0"
PROGRESS_EVERY_S = 10.0


class VllmStartError(RuntimeError):
    """The vLLM process exited or did not become healthy; the message quotes its log."""


class VllmServer:
    """A vLLM OpenAI-compatible server for one model, started and stopped by this object."""

    def __init__(
        self,
        model_dir: Path,
        served_name: str,
        port: int | None = None,
        *,
        env_dir: Path,
        log_path: Path,
        enforce_eager: bool,
        max_model_len: int = 2048,
        kv_cache_gib: int = 1,
        name: str | None = None,
        host: str = "127.0.0.1",
        cpu_binding: str = "auto",
        dtype: str = "bfloat16",
    ) -> None:
        self.model_dir = model_dir
        self.served_name = served_name
        self.port = port
        self.env_dir = env_dir
        self.log_path = log_path
        self.enforce_eager = enforce_eager
        self.max_model_len = max_model_len
        self.kv_cache_gib = kv_cache_gib
        self.name = name or f"vllm-{served_name}-0"
        self.host = host
        # VLLM_CPU_OMP_THREADS_BIND: "auto", "nobind" or core ids such as "1" or "0-1".
        self.cpu_binding = cpu_binding
        self.dtype = dtype
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        # stop() may come from another thread while start() waits (an autoscaler cancelling).
        self._lock = threading.Lock()
        self._stop_requested = False

    @property
    def base_url(self) -> str:
        """`http://host:port` (the OpenAI routes are under `/v1`, metrics at `/metrics`)."""
        if self.port is None:
            raise RuntimeError(f"{self.name} has no port yet: call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        command = [
            str(env_python(self.env_dir)),
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model", str(self.model_dir),
            "--served-model-name", self.served_name,
            "--host", self.host,
            "--port", str(self.port),
            "--max-model-len", str(self.max_model_len),
            "--dtype", self.dtype,
        ]  # fmt: skip
        if self.enforce_eager:
            command.append("--enforce-eager")
        return command

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["VLLM_CPU_KVCACHE_SPACE"] = str(self.kv_cache_gib)
        env["VLLM_CPU_OMP_THREADS_BIND"] = self.cpu_binding
        env.setdefault("HF_HUB_OFFLINE", "1")
        env.setdefault("VLLM_NO_USAGE_STATS", "1")
        env.setdefault("DO_NOT_TRACK", "1")
        return env

    def start(self, timeout: float = 300.0, progress: Progress = print) -> ComponentInfo:
        """Start the process and wait until `/health` answers; raise `VllmStartError` if not."""
        if self.is_running():
            return self.component_info()
        self._check_inputs()
        if self.port is None:
            self.port = free_port(self.host)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        progress(f"[{self.name}] starting vLLM on {self.base_url} (log: {self.log_path})")
        with self._lock:
            if self._stop_requested:
                raise VllmStartError(f"{self.name} was cancelled before it started")
            self._log = self.log_path.open("ab")
            self._process = subprocess.Popen(
                self.command(),
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                start_new_session=True,
            )
        try:
            self._wait_healthy(started, timeout, progress)
        except BaseException:
            self.stop()
            raise
        progress(f"[{self.name}] ready in {time.monotonic() - started:.1f}s")
        return self.component_info()

    def component_info(self) -> ComponentInfo:
        return ComponentInfo(
            name=self.name,
            pid=self.pid,
            host=self.host,
            port=self.port,
            url=self.base_url,
            version=VLLM_VERSION,
            log_path=str(self.log_path),
        )

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the whole process group, then SIGKILL what is left after `timeout`."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            self._signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            # Children (engine core, worker) may outlive the leader for a moment.
            self._signal_group(process.pid, signal.SIGKILL)
        with self._lock:
            if self._log is not None and self._process is None:
                self._log.close()
                self._log = None

    def cancel(self) -> None:
        """Stop for good, also when called from another thread while `start()` is waiting."""
        with self._lock:
            self._stop_requested = True
        self.stop()

    def __enter__(self) -> VllmServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _check_inputs(self) -> None:
        if not env_python(self.env_dir).exists():
            raise VllmStartError(
                f"no vLLM environment at {self.env_dir}: run `python -m infra.vllm.environment`"
            )
        if not (self.model_dir / "config.json").is_file():
            raise VllmStartError(
                f"no model at {self.model_dir}: run `python -m infra.vllm.model` to convert it"
            )

    def _wait_healthy(self, started: float, timeout: float, progress: Progress) -> None:
        deadline = started + timeout
        next_report = started + PROGRESS_EVERY_S
        with httpx.Client(timeout=2.0) as client:
            while True:
                process = self._process
                if process is None:
                    raise VllmStartError(f"{self.name} was stopped while starting")
                code = process.poll()
                if code is not None:
                    raise VllmStartError(
                        f"{self.name} exited with code {code} while starting; "
                        f"last lines of {self.log_path}:\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.base_url}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                now = time.monotonic()
                if now > deadline:
                    raise VllmStartError(
                        f"{self.name} not healthy after {timeout:.0f}s; raise the start timeout "
                        f"(LORELINE_VLLM_START_TIMEOUT_S) or read {self.log_path}:\n"
                        f"{self.log_tail()}"
                    )
                if now >= next_report:
                    progress(f"[{self.name}] still starting ({now - started:.0f}s)")
                    next_report = now + PROGRESS_EVERY_S
                time.sleep(0.5)

    def log_tail(self, lines: int = 25) -> str:
        try:
            with self.log_path.open(errors="replace") as log:
                return "".join(deque(log, maxlen=lines))
        except OSError:
            return "(no log)"

    @staticmethod
    def _signal_group(pid: int, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signum)
