"""PostgreSQL: the embedded server (or DATABASE_URL), migrated on start."""

from __future__ import annotations

from infra.postgres import EmbeddedPostgres
from loreline.db import apply_migrations
from loreline.platform.context import StackContext
from loreline.platform.part import PartStatus
from loreline.state import ComponentInfo

NAME = "postgres"


class PostgresPart:
    name = NAME

    def _server(self, ctx: StackContext) -> EmbeddedPostgres:
        return EmbeddedPostgres(ctx.layout.pg_dir, log_path=ctx.layout.logs_dir / "postgres.log")

    def start(self, ctx: StackContext) -> None:
        if ctx.settings.database_url:
            ctx.database_url = ctx.settings.database_url
            info = ComponentInfo(name=NAME, url=_redact(ctx.database_url), external=True)
        else:
            server = self._server(ctx)
            info = server.start()
            info.url = server.dsn
            ctx.database_url = server.dsn
        applied = apply_migrations(ctx.database_url)
        ctx.registry.put(info)
        note = f"{len(applied)} migration(s) applied" if applied else "schema up to date"
        ctx.console.print(f"  {'postgres':<18} [green]up[/]  {info.url}  ({note})")

    def stop(self, ctx: StackContext) -> None:
        if not ctx.settings.database_url:
            self._server(ctx).stop()
        ctx.registry.remove(NAME)

    def status(self, ctx: StackContext) -> list[PartStatus]:
        if ctx.settings.database_url:
            return [
                PartStatus(name=NAME, state="external", address=_redact(ctx.settings.database_url))
            ]
        server = self._server(ctx)
        info = server.status()
        if info is None:
            return [PartStatus(name=NAME, state="down", detail="run `loreline up`")]
        ctx.database_url = server.dsn
        return [
            PartStatus(
                name=NAME,
                state="up",
                address=f"{info.host}:{info.port}",
                version=info.version,
                pid=info.pid,
            )
        ]

    def dsn(self, ctx: StackContext) -> str:
        return ctx.settings.database_url or self._server(ctx).dsn


def _redact(dsn: str) -> str:
    """Hide a password in a DSN before printing it."""
    if "@" not in dsn or "://" not in dsn:
        return dsn
    scheme, rest = dsn.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in creds else dsn
