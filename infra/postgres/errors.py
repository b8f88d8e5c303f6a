"""Errors raised while running the embedded PostgreSQL server; each message names the fix."""

from __future__ import annotations


class PostgresError(RuntimeError):
    """Base class: the embedded PostgreSQL server could not do what was asked."""


class PostgresPermissionError(PostgresError):
    """The server's system user cannot reach or own a folder it needs."""


class PostgresDataDirError(PostgresError):
    """The data folder is not usable (someone else's, not a data folder, another major version)."""


class PortInUseError(PostgresError):
    """The TCP port the server should listen on is taken by another program."""


class PostgresStartError(PostgresError):
    """initdb or pg_ctl failed, or the server did not become ready in time."""
