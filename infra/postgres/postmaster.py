"""What a running server says about itself in `DATA_DIR/postmaster.pid`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PID_FILE = "postmaster.pid"


@dataclass(frozen=True)
class PostmasterStatus:
    """postmaster.pid: pid, data dir, start time, port, socket dir, listen address, ..., status."""

    pid: int
    data_dir: Path
    started_at: datetime | None
    port: int | None
    socket_dir: Path | None
    listen_address: str | None
    status: str | None  # "starting", "ready", "stopping" (missing while the file is being written)

    @classmethod
    def parse(cls, text: str) -> PostmasterStatus | None:
        lines = [line.strip() for line in text.splitlines()]
        if not lines or not lines[0].lstrip("-").isdigit():
            return None

        def line(index: int) -> str:
            return lines[index] if len(lines) > index else ""

        started = line(2)
        port = line(3)
        return cls(
            pid=abs(int(lines[0])),
            data_dir=Path(line(1)),
            started_at=datetime.fromtimestamp(int(started), UTC) if started.isdigit() else None,
            port=int(port) if port.isdigit() else None,
            socket_dir=Path(line(4)) if line(4) else None,
            listen_address=line(5).split()[0] if line(5) else None,
            status=line(7) or None,
        )

    @classmethod
    def read(cls, data_dir: Path) -> PostmasterStatus | None:
        try:
            return cls.parse((data_dir / PID_FILE).read_text())
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None

    def process_alive(self) -> bool:
        """True if the pid is alive and (where /proc tells us) is a postgres process."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        exe = Path(f"/proc/{self.pid}/exe")
        try:
            return os.readlink(exe).split(" (deleted)")[0].endswith("/postgres")
        except FileNotFoundError:
            return False
        except OSError:
            return True  # no /proc or not allowed to look: trust kill(0)
