"""Running the API as its own process (for `loreline up`): uvicorn with `--factory`, settings in
the environment, logs under the state folder's `logs/`, recorded as a `ComponentInfo`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from loreline.state import ComponentInfo, StateLayout
from loreline.state.ports import free_port
from serving.api.settings import ApiSettings

COMPONENT_NAME = "api"
APP_FACTORY = "serving.api.app:create_app"


def _environment(settings: ApiSettings) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_none=True).items():
        env[f"LORELINE_API_{name.upper()}"] = str(value)
    return env


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the API exited with code {process.returncode} while starting; see {log}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the API did not answer {url}/healthz within {timeout:.0f}s; see {log}")


def start_api_process(
    layout: StateLayout,
    settings: ApiSettings | str,
    bootstrap: str | None = None,
    port: int | None = None,
    *,
    host: str = "127.0.0.1",
    workers: int = 1,
    timeout: float = 180.0,
) -> ComponentInfo:
    """Start uvicorn (own process group) and wait until `/healthz` answers.

    `settings`: an `ApiSettings`, or just the database URL (then `bootstrap` is the Kafka address).
    The lifespan loads the embedder before serving, so the first start can take a while.
    """
    if isinstance(settings, str):
        settings = ApiSettings(database_url=settings, kafka_bootstrap=bootstrap)
    elif bootstrap is not None:
        settings = settings.model_copy(update={"kafka_bootstrap": bootstrap})
    if settings.cache_dir is None:  # the ONNX export is shared through the layout's cache
        settings = settings.model_copy(update={"cache_dir": str(layout.cache)})
    port = port or free_port(host)
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = layout.logs_dir / "api.log"
    command = [
        sys.executable, "-m", "uvicorn", APP_FACTORY, "--factory",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(settings),
            start_new_session=True,
        )
    url = f"http://{host}:{port}"
    try:
        _wait_healthy(url, process, timeout, log_path)
    except BaseException:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    return ComponentInfo(
        name=COMPONENT_NAME,
        pid=process.pid,
        host=host,
        port=port,
        url=url,
        log_path=str(log_path),
    )


def _gone(pid: int) -> bool:
    """True once `pid` has exited (reaping it when it is our child, so no zombie lingers)."""
    try:
        reaped, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return reaped == pid


def stop_api_process(info: ComponentInfo, timeout: float = 20.0) -> bool:
    """SIGTERM the API's process group (uvicorn shuts down gracefully), SIGKILL after `timeout`.
    Returns False when it was not running."""
    if info.pid is None or _gone(info.pid):
        return False
    try:
        os.killpg(info.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(info.pid):
            return True
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(info.pid, signal.SIGKILL)
    while not _gone(info.pid) and time.monotonic() < deadline + 5:
        time.sleep(0.1)
    return True
