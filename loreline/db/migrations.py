"""Ordered SQL schema migrations, applied at start-up and recorded in `schema_migrations`.

Files live in `loreline/db/migrations/NNNN_name.sql` (numbering by owner: 00xx spine, 01xx streams,
02xx assets, 03xx serving, 04xx LLM tiers). Each file runs in one transaction together with the row
that records it, so a failing file leaves nothing half-applied and earlier files stay applied. A
PostgreSQL advisory lock makes concurrent starters take turns. Applied files are immutable: if one
changes, `apply_migrations` refuses and says what to do.

The folder `migrations/` has no `__init__.py` on purpose: it holds SQL only, and this module keeps
the import name `loreline.db.migrations`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9][a-z0-9_]*)\.sql$")
# pg_advisory_lock key: the ASCII bytes of "Loreline" read as a signed 64-bit integer.
ADVISORY_LOCK_KEY = int.from_bytes(b"Loreline", "big", signed=True)

_CREATE_TABLE = b"""
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(RuntimeError):
    """A migration file is malformed or failed to apply."""


class MigrationChecksumError(MigrationError):
    """A migration that was already applied has been edited since."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path
    sql: bytes

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql).hexdigest()


def load_migrations(directory: Path | None = None) -> list[Migration]:
    """All migration files in `directory` (default: the package's), ordered by version."""
    folder = directory or MIGRATIONS_DIR
    if not folder.is_dir():
        raise MigrationError(f"migration folder {folder} does not exist")
    found: dict[str, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"migration file {path.name!r} is misnamed; name it NNNN_lowercase_name.sql "
                "(four digits in your owner's range, e.g. 0101_events.sql)"
            )
        version = match.group("version")
        if version in found:
            raise MigrationError(
                f"migrations {found[version].path.name!r} and {path.name!r} share version "
                f"{version}; renumber the newer one to the next free number in your range"
            )
        # CRLF -> LF so a checkout on another platform keeps the same checksum
        text = path.read_bytes().replace(b"\r\n", b"\n")
        found[version] = Migration(version, match.group("name"), path, text)
    return [found[v] for v in sorted(found)]


def apply_migrations(dsn: str, *, directory: Path | None = None) -> list[str]:
    """Apply every pending migration to the database at `dsn`, in version order.

    Returns the labels (e.g. `0001_spine`) applied by this call; `[]` when up to date.
    """
    migrations = load_migrations(directory)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
        _take_lock(conn)
        try:
            conn.execute(_CREATE_TABLE)
            rows = conn.execute("SELECT version, name, checksum FROM schema_migrations").fetchall()
            applied = {version: (name, checksum) for version, name, checksum in rows}
            _refuse_edited(migrations, applied)
            pending = [m for m in migrations if m.version not in applied]
            unknown = sorted(set(applied) - {m.version for m in migrations})
            if unknown:
                log.warning(
                    "database has migrations this code does not know: %s (newer code applied "
                    "them); continuing",
                    ", ".join(unknown),
                )
            done: list[str] = []
            for index, migration in enumerate(pending, start=1):
                _apply_one(conn, migration, index, len(pending))
                done.append(migration.label)
            return done
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


async def apply_migrations_async(dsn: str, *, directory: Path | None = None) -> list[str]:
    """`apply_migrations` for async callers (runs in a worker thread)."""
    return await asyncio.to_thread(apply_migrations, dsn, directory=directory)


def _take_lock(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_KEY,)).fetchone()
    if row is not None and row[0]:
        return
    log.info("another process is applying migrations; waiting for it to finish")
    conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))


def _refuse_edited(migrations: list[Migration], applied: dict[str, tuple[str, str]]) -> None:
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is None or recorded[1] == migration.checksum:
            continue
        raise MigrationChecksumError(
            f"migration {migration.path.name} was changed after it was applied to this database "
            f"(recorded checksum {recorded[1][:12]}, file now {migration.checksum[:12]}). Applied "
            "migrations must not change: undo the edit and put the change in a new file with the "
            "next number in your range; on a throwaway dev database you may instead drop and "
            "recreate the database"
        )


def _apply_one(conn: psycopg.Connection, migration: Migration, index: int, total: int) -> None:
    began = time.monotonic()
    log.info("applying migration %d/%d: %s", index, total, migration.path.name)
    try:
        with conn.transaction():
            conn.execute(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        raise MigrationError(
            f"migration {migration.path.name} failed and was rolled back (earlier migrations "
            f"stay applied): {exc}. Fix the file and apply again"
        ) from exc
    log.info("applied %s in %.2fs", migration.path.name, time.monotonic() - began)
