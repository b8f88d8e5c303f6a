"""An embedded PostgreSQL 18 + pgvector server on one data folder, listening on loopback TCP and a
unix socket.

Layout around a data folder `DIR` (e.g. `.loreline/pg`):
- `DIR/`: the cluster, made once by initdb (UTF8, superuser role `loreline`, trust on loopback and
  the socket only). `DIR/loreline.conf` is rewritten at each start and remembers the port.
- `DIR-socket/`: the unix socket `.s.PGSQL.PORT` and the start/stop lock. When that path is too long
  for a unix socket, a short folder in the system temp folder is used instead.
- the log: `log_path`, by default `DIR/../logs/postgres.log` (the state folder's `logs/`).

As root, PostgreSQL runs as the system user `loreline-pg` (see `system_user`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from infra.postgres.binaries import PostgresBinaries
from infra.postgres.errors import (
    PortInUseError,
    PostgresDataDirError,
    PostgresError,
    PostgresStartError,
)
from infra.postgres.postmaster import PID_FILE, PostmasterStatus
from infra.postgres.server_config import (
    INCLUDE_LINE,
    ServerConfig,
    hba_rules,
    remembered_port,
)
from infra.postgres.system_user import (
    RunAs,
    check_binaries_usable,
    ensure_reachable,
    temp_root,
)
from loreline.db.databases import ensure_database
from loreline.db.dsn import with_database
from loreline.state import ComponentInfo
from loreline.state.ports import free_port, wait_for_port

log = logging.getLogger(__name__)

SUPERUSER = "loreline"
DATABASE = "loreline"
_UNIX_PATH_MAX = 107  # sun_path is 108 bytes on Linux, including the terminating NUL
_SOCKET_NAME_LEN = len("/.s.PGSQL.65535")


class EmbeddedPostgres:
    """One PostgreSQL server for one data folder. Nothing happens until `start()`."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        *,
        durable: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = host
        self.requested_port = port
        self.log_path = (log_path or self.data_dir.parent / "logs" / "postgres.log").resolve()
        self.durable = durable
        self._port: int | None = port
        self._binaries: PostgresBinaries | None = None

    def __repr__(self) -> str:
        return f"EmbeddedPostgres(data_dir={self.data_dir}, host={self.host}, port={self._port})"

    # ---- addresses -------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        preferred = self.data_dir.parent / f"{self.data_dir.name}-socket"
        if len(str(preferred).encode()) + _SOCKET_NAME_LEN <= _UNIX_PATH_MAX:
            return preferred
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return temp_root() / f"loreline-pg-{digest}"

    @property
    def port(self) -> int:
        if self._port is None:
            running = PostmasterStatus.read(self.data_dir)
            self._port = (running.port if running else None) or remembered_port(self.data_dir)
        if self._port is None:
            raise PostgresError(f"no port known yet for {self.data_dir}; call start() first")
        return self._port

    @property
    def dsn(self) -> str:
        """Superuser URL of the `loreline` database over loopback TCP."""
        host = "127.0.0.1" if self.host in ("", "*", "0.0.0.0") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"postgresql://{SUPERUSER}@{host}:{self.port}/{DATABASE}"

    @property
    def socket_dsn(self) -> str:
        """Superuser URL of the `loreline` database over the unix socket."""
        folder = quote(str(self.socket_dir), safe="/")
        return f"postgresql://{SUPERUSER}@/{DATABASE}?host={folder}&port={self.port}"

    def version(self) -> str:
        """PostgreSQL version of the binaries, e.g. `18.6`."""
        return self._bins().version

    # ---- state -----------------------------------------------------------------------------

    def _running(self) -> PostmasterStatus | None:
        status = PostmasterStatus.read(self.data_dir)
        if status is None or not status.process_alive():
            return None
        return status

    def is_running(self) -> bool:
        return self._running() is not None

    def status(self) -> ComponentInfo | None:
        running = self._running()
        if running is None:
            return None
        if running.port is not None:
            self._port = running.port
        return ComponentInfo(
            name="postgres",
            pid=running.pid,
            host=self.host,
            port=running.port,
            url=self.dsn,
            version=self.version(),
            log_path=str(self.log_path),
            started_at=running.started_at or datetime.now(UTC),
        )

    # ---- start / stop ----------------------------------------------------------------------

    def start(self, timeout: float = 60) -> ComponentInfo:
        """Initialise once, start, wait until it accepts connections, create database `loreline`.

        Idempotent: when a server already runs on this data folder, returns its info.
        """
        deadline = time.monotonic() + timeout
        binaries = self._bins()
        user = RunAs.for_postgres()
        with self._lock():
            running = self._running()
            if running is None:
                began = time.monotonic()
                self._prepare_folders(user, binaries)
                if not (self.data_dir / "PG_VERSION").exists():
                    self._initdb(user, binaries, deadline)
                self._check_data_dir(user, binaries)
                self._start_server(user, binaries, deadline)
                log.info("PostgreSQL ready on %s in %.1fs", self.dsn, time.monotonic() - began)
            elif self.requested_port is not None and running.port != self.requested_port:
                raise PortInUseError(
                    f"PostgreSQL already runs on {self.data_dir} with port {running.port}, not "
                    f"{self.requested_port}; stop() it first to move it to the new port"
                )
            else:
                self._port = running.port
                wait_for_port(self.host, self.port, self._remaining(deadline), "postgres")
            ensure_database(with_database(self.dsn, "postgres"), DATABASE)
        info = self.status()
        if info is None:
            raise PostgresStartError(
                f"PostgreSQL on {self.data_dir} stopped right after starting; see {self.log_path}"
            )
        return info

    def stop(self, timeout: float = 30) -> None:
        """Stop the server (`pg_ctl stop -m fast`); a no-op when it is not running."""
        user = RunAs.for_postgres()
        with self._lock():
            running = self._running()
            if running is None:
                return
            pg_ctl = str(self._bins().tool("pg_ctl"))
            wait = str(max(1, int(timeout)))
            args = ["-D", str(self.data_dir), "-w", "-t", wait, "-s", "stop"]
            rc, out = self._run(user, [pg_ctl, *args, "-m", "fast"], timeout + 5)
            if rc != 0 and running.process_alive():
                log.warning("fast shutdown of PostgreSQL did not finish (%s); forcing it", out)
                rc, out = self._run(user, [pg_ctl, *args, "-m", "immediate"], timeout + 5)
            gone_by = time.monotonic() + 5
            while running.process_alive() and time.monotonic() < gone_by:
                time.sleep(0.05)
            if running.process_alive():
                raise PostgresError(
                    f"PostgreSQL (pid {running.pid}) did not stop: {out.strip()}; "
                    f"end it with `kill -INT {running.pid}`"
                )
            log.info("PostgreSQL on %s stopped", self.data_dir)

    # ---- steps -----------------------------------------------------------------------------

    def _bins(self) -> PostgresBinaries:
        if self._binaries is None:
            self._binaries = PostgresBinaries.from_wheel()
        return self._binaries

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start/stop on this data folder across processes."""
        folder = self.socket_dir
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _remaining(self, deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise PostgresStartError(
                f"PostgreSQL on {self.data_dir} was not ready in time; see {self.log_path}, or "
                "start again with a larger timeout"
            )
        return left

    def _prepare_folders(self, user: RunAs, binaries: PostgresBinaries) -> None:
        data = self.data_dir
        if data.exists():
            if not data.is_dir():
                raise PostgresDataDirError(f"{data} is a file, not a folder; move it away")
            initialised = (data / "PG_VERSION").exists()
            if not initialised and any(data.iterdir()):
                raise PostgresDataDirError(
                    f"{data} is not empty and is not a PostgreSQL data folder; empty it, move it "
                    "away, or choose another data folder"
                )
            owner = data.stat().st_uid
            if owner != user.uid and (initialised or not user.switch):
                raise PostgresDataDirError(
                    f"data folder {data} belongs to uid {owner}, but PostgreSQL runs as "
                    f"{user.name!r} (uid {user.uid}); run `chown -R {user.name}: {data}` as root, "
                    "or choose another data folder"
                )
        else:
            data.mkdir(parents=True)
        user.chown(data)
        data.chmod(0o700)

        sockets = self.socket_dir
        sockets.mkdir(parents=True, exist_ok=True)
        user.chown(sockets)
        sockets.chmod(0o755)

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch(exist_ok=True)
        user.chown(self.log_path)

        for path in (data, sockets, self.log_path):
            ensure_reachable(path, user)
        check_binaries_usable(binaries.bin_dir, user)

    def _initdb(self, user: RunAs, binaries: PostgresBinaries, deadline: float) -> None:
        log.info("initialising a PostgreSQL %s data folder in %s", binaries.version, self.data_dir)
        cmd = [
            str(binaries.tool("initdb")),
            "-D",
            str(self.data_dir),
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--auth-local=trust",
            "--auth-host=trust",
            "--no-instructions",
        ]
        if not self.durable:
            cmd.append("--no-sync")
        rc, out = self._run(user, cmd, self._remaining(deadline))
        if rc != 0:
            raise PostgresStartError(
                f"initdb failed for {self.data_dir} (exit {rc}):\n{out.strip()}\n"
                "Fix the cause above (disk space, permissions) and start again"
            )
        self._write_owned(self.data_dir / "pg_hba.conf", hba_rules(), user)
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write(f"\n{INCLUDE_LINE}\n")

    def _check_data_dir(self, user: RunAs, binaries: PostgresBinaries) -> None:
        made_by = (self.data_dir / "PG_VERSION").read_text().strip()
        if made_by != str(binaries.major):
            raise PostgresDataDirError(
                f"{self.data_dir} was made by PostgreSQL {made_by}, these binaries are "
                f"{binaries.version}; dump it with PostgreSQL {made_by}'s pg_dump and restore it, "
                "or move the folder away to start with an empty database"
            )

    def _start_server(self, user: RunAs, binaries: PostgresBinaries, deadline: float) -> None:
        port = self.requested_port or remembered_port(self.data_dir) or free_port(self.host)
        self._check_port_free(port)
        config = ServerConfig(self.host, port, self.socket_dir, durable=self.durable)
        self._write_owned(self.data_dir / "loreline.conf", config.render(), user)
        (self.data_dir / PID_FILE).unlink(missing_ok=True)  # stale: no live server owns it
        self._port = port
        wait = str(max(1, int(self._remaining(deadline))))
        cmd = [str(binaries.tool("pg_ctl")), "-D", str(self.data_dir), "-l", str(self.log_path)]
        cmd += ["-w", "-t", wait, "-s", "start"]
        log.info("starting PostgreSQL on %s:%d (log: %s)", self.host, port, self.log_path)
        rc, out = self._run(user, cmd, self._remaining(deadline) + 5)
        if rc != 0:
            raise PostgresStartError(
                f"PostgreSQL did not start on {self.data_dir} (pg_ctl exit {rc}): {out.strip()}\n"
                f"last lines of {self.log_path}:\n{self._log_tail()}\n"
                "Fix the cause above and start again"
            )
        wait_for_port(self.host, port, self._remaining(deadline), "postgres")

    def _check_port_free(self, port: int) -> None:
        for family, kind, proto, _, address in socket.getaddrinfo(
            self.host or "127.0.0.1", port, type=socket.SOCK_STREAM
        ):
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(address)
                except OSError as exc:
                    remembered = remembered_port(self.data_dir)
                    hint = (
                        f" (this data folder remembers port {remembered} from its last start)"
                        if remembered == port
                        else ""
                    )
                    raise PortInUseError(
                        f"port {port} on {self.host} is in use by another program{hint}: {exc}; "
                        "stop that program, or start with another port "
                        "(EmbeddedPostgres(..., port=N), which the data folder then remembers)"
                    ) from exc

    def _run(self, user: RunAs, cmd: list[str], timeout: float) -> tuple[int, str]:
        """Run a PostgreSQL tool as `user`; output goes through a file so a daemonised child that
        inherits it can never block us."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "LC_ALL": "C", "TZ": "UTC"}
        with tempfile.TemporaryFile("w+") as output:
            try:
                result = user.run(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd="/",
                    timeout=timeout,
                    start_new_session=True,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise PostgresStartError(
                    f"`{Path(cmd[0]).name}` did not finish within {timeout:.0f}s; see "
                    f"{self.log_path}, or try again with a larger timeout"
                ) from exc
            output.seek(0)
            return result.returncode, output.read()

    def _write_owned(self, path: Path, text: str, user: RunAs) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        tmp.chmod(0o600)
        user.chown(tmp)
        os.replace(tmp, path)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(cannot read the log: {exc})"
