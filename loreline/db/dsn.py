"""PostgreSQL connection URLs (`postgresql://user@host:port/dbname?...`)."""

from __future__ import annotations

from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

_SCHEMES = ("postgresql", "postgres")


def _split(dsn: str) -> SplitResult:
    parts = urlsplit(dsn)
    if parts.scheme not in _SCHEMES:
        raise ValueError(
            f"expected a URL like postgresql://user@host:port/dbname, got {dsn!r}; "
            "write DATABASE_URL in that form"
        )
    return parts


def database_name(dsn: str) -> str:
    """The database a URL points at (empty when it names none)."""
    return unquote(_split(dsn).path.lstrip("/"))


def with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    parts = _split(dsn)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))
