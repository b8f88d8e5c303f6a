"""Start Dagster for `loreline up`: the webserver (UI) and the daemon (schedules, sensors, queue).

    from pipelines.runtime import start_dagster, stop_dagster
    components = start_dagster(layout, dsn)          # -> [ComponentInfo webserver, daemon]
    ...
    stop_dagster(components)

Both run from the repo's `workspace.yaml` with DAGSTER_HOME = layout.dagster_home (its
`dagster.yaml` is written first: storage in the same Postgres), logs in layout.logs_dir, each in its
own process group (stop with `loreline.platform.processes.stop_process_group(pid)`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from loreline.state import ComponentInfo, StateLayout
from loreline.state.ports import free_port
from pipelines.instance import write_dagster_yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = REPO_ROOT / "workspace.yaml"
WEBSERVER = "dagster-webserver"
DAEMON = "dagster-daemon"


def dagster_env(
    layout: StateLayout, dsn: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment of the Dagster processes (and of the runs they launch)."""
    env = dict(os.environ)
    env.update(
        {
            "DAGSTER_HOME": str(layout.dagster_home),
            "DATABASE_URL": dsn,
            "LORELINE_HOME": str(layout.home),
            "LORELINE_LAKE_DIR": env.get("LORELINE_LAKE_DIR") or str(layout.lake_dir),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "DAGSTER_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p),
        }
    )
    env.update(extra or {})
    return env


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def _version() -> str | None:
    try:
        from dagster.version import __version__

        return str(__version__)
    except Exception:
        return None


def _spawn(cmd: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            cmd,
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log.close()


def wait_for_webserver(url: str, proc: subprocess.Popen[Any] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=2) as resp:
                if resp.status == 200:
                    return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.5)
    raise TimeoutError(f"dagster-webserver did not answer on {url} within {timeout:.0f}s ({last})")


def start_dagster(
    layout: StateLayout,
    dsn: str,
    port: int | None = None,
    *,
    daemon: bool = True,
    host: str = "127.0.0.1",
    timeout: float = 180.0,
    extra_env: dict[str, str] | None = None,
) -> list[ComponentInfo]:
    """Start dagster-webserver (and dagster-daemon) on the repo workspace; wait until the UI answers.

    Writes `<dagster_home>/dagster.yaml` first. Returns one ComponentInfo per process (the caller
    records them in the component registry).
    """
    layout.dagster_home.mkdir(parents=True, exist_ok=True)
    layout.logs_dir.mkdir(parents=True, exist_ok=True)
    write_dagster_yaml(layout, dsn)
    env = dagster_env(layout, dsn, extra_env)
    port = port or free_port(host)
    url = f"http://{host}:{port}"
    version = _version()
    infos: list[ComponentInfo] = []
    web_log = layout.logs_dir / "dagster-webserver.log"
    web = _spawn([_bin(WEBSERVER), "-h", host, "-p", str(port), "-w", str(WORKSPACE)], env, web_log)
    try:
        wait_for_webserver(url, web, timeout)
    except Exception:
        _terminate(web.pid)
        raise
    infos.append(
        ComponentInfo(
            name=WEBSERVER,
            pid=web.pid,
            host=host,
            port=port,
            url=url,
            version=version,
            log_path=str(web_log),
        )
    )
    if daemon:
        daemon_log = layout.logs_dir / "dagster-daemon.log"
        proc = _spawn([_bin(DAEMON), "run", "-w", str(WORKSPACE)], env, daemon_log)
        time.sleep(0.5)
        if proc.poll() is not None:
            _terminate(web.pid)
            raise RuntimeError(
                f"dagster-daemon exited at once (code {proc.returncode}); see {daemon_log}"
            )
        infos.append(
            ComponentInfo(
                name=DAEMON, pid=proc.pid, host=host, version=version, log_path=str(daemon_log)
            )
        )
    return infos


def _terminate(pid: int) -> None:
    from loreline.platform.processes import stop_process_group

    stop_process_group(pid, timeout=20)


def stop_dagster(components: list[ComponentInfo]) -> None:
    """Stop what `start_dagster` started (each process group: SIGTERM, then SIGKILL)."""
    for info in reversed(components):
        if info.pid is not None:
            _terminate(info.pid)


def materialize_lore_job(layout: StateLayout, dsn: str) -> bool:
    """Run `lore_job` in this process on the instance in layout.dagster_home, so the run and its
    materialisations show in the UI. The plain-Python equivalent is
    `loreline.knowledge.ingest.load_default_lore(dsn)`."""
    from dagster import DagsterInstance, materialize

    from assets import ALL_ASSETS, ALL_CHECKS
    from assets.resources import (
        EmbedderResource,
        LakeResource,
        LoreSourceResource,
        PostgresResource,
    )

    write_dagster_yaml(layout, dsn)
    resources = {
        "postgres": PostgresResource(dsn=dsn),
        "lake_store": LakeResource(lake_dir=str(layout.lake_dir)),
        "lore_source": LoreSourceResource(
            lore_dir=os.environ.get("LORE_DIR", ""), world_id=os.environ.get("LORE_WORLD_ID", "")
        ),
        "embedder": EmbedderResource(),
    }
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(layout.dagster_home)
    try:
        with DagsterInstance.get() as instance:
            result = materialize(
                [*ALL_ASSETS, *ALL_CHECKS],
                resources=resources,
                instance=instance,
                selection=["lore_documents", "lore_chunks", "lore_embeddings", "entities"],
            )
        return bool(result.success)
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = old
