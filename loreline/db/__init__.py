"""Database access shared by every deployable: schema migrations, connection pools, databases."""

from loreline.db.migrations import (
    MigrationChecksumError,
    MigrationError,
    apply_migrations,
    apply_migrations_async,
)
from loreline.db.pool import create_pool

__all__ = [
    "MigrationChecksumError",
    "MigrationError",
    "apply_migrations",
    "apply_migrations_async",
    "create_pool",
]
