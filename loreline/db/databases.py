"""Create, clone and drop whole databases on a server (needs a role with CREATEDB)."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from loreline.db.dsn import with_database

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(
            f"database name {name!r} is not allowed; use lowercase letters, digits and _ "
            "(at most 63, not starting with a digit)"
        )
    return name


def _admin(admin_dsn: str) -> psycopg.Connection:
    return psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10)


def database_exists(admin_dsn: str, name: str) -> bool:
    with _admin(admin_dsn) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def create_database(admin_dsn: str, name: str, *, template: str | None = None) -> str:
    """Create database `name` (a copy of `template` if given) and return its URL."""
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_checked(name)))
    if template is not None:
        query = sql.SQL("{} TEMPLATE {}").format(query, sql.Identifier(_checked(template)))
    with _admin(admin_dsn) as conn:
        conn.execute(query)
    return with_database(admin_dsn, name)


def ensure_database(admin_dsn: str, name: str) -> bool:
    """Create database `name` if it is missing; True if it was created now."""
    if database_exists(admin_dsn, name):
        return False
    try:
        create_database(admin_dsn, name)
    except psycopg.errors.DuplicateDatabase:
        return False  # a concurrent starter made it first
    return True


def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database `name` if it exists, closing any sessions still connected to it."""
    query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(_checked(name))
    )
    with _admin(admin_dsn) as conn:
        conn.execute(query)
