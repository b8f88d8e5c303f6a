"""The configuration Loreline writes into a data folder: tuning, listen address, port, auth.

`postgresql.conf` (made by initdb) includes `loreline.conf`, which is rewritten at every start. The
port in it is how a data folder remembers its port across restarts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

LORELINE_CONF = "loreline.conf"
INCLUDE_LINE = f"include_if_exists = '{LORELINE_CONF}'"

_PORT_LINE = re.compile(r"^\s*port\s*=\s*(\d+)\s*(?:#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    socket_dir: Path
    durable: bool = True  # False (tests): no fsync, much faster CREATE DATABASE and commits

    def render(self) -> str:
        lines = [
            "# Written by Loreline at every start (infra/postgres); edits here are overwritten.",
            "# Put your own settings in postgresql.auto.conf (ALTER SYSTEM), which wins.",
            f"listen_addresses = '{self.host}'",
            f"port = {self.port}",
            f"unix_socket_directories = '{_quote(str(self.socket_dir))}'",
            # a 2-core dev box running tests, Dagster and the API side by side
            "max_connections = 200",
            "shared_buffers = 256MB",
            "work_mem = 16MB",
            "maintenance_work_mem = 256MB",  # HNSW index builds
            "effective_cache_size = 4GB",
            "max_worker_processes = 4",
            "max_parallel_workers = 2",
            "max_parallel_workers_per_gather = 1",
            "max_parallel_maintenance_workers = 1",
            "max_wal_size = 1GB",
            "checkpoint_timeout = 15min",
            "jit = off",
            "huge_pages = off",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "logging_collector = off",
            "log_line_prefix = '%m [%p] %q%u@%d '",
            "log_min_duration_statement = 2000",
        ]
        if not self.durable:
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        return "\n".join(lines) + "\n"


def remembered_port(data_dir: Path) -> int | None:
    """The port written at the last start of this data folder, if any."""
    try:
        text = (data_dir / LORELINE_CONF).read_text()
    except FileNotFoundError:
        return None
    match = _PORT_LINE.search(text)
    return int(match.group(1)) if match else None


def hba_rules() -> str:
    """Trust on the unix socket and on loopback only; nothing else may connect."""
    return (
        "# Written by Loreline: trust on the local socket and loopback, nothing else.\n"
        "# TYPE  DATABASE  USER  ADDRESS        METHOD\n"
        "local   all       all                  trust\n"
        "host    all       all   127.0.0.1/32   trust\n"
        "host    all       all   ::1/128        trust\n"
        "local   replication all                trust\n"
        "host    replication all 127.0.0.1/32   trust\n"
    )


def _quote(value: str) -> str:
    return value.replace("'", "''")
