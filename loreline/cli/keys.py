"""`loreline keys`: create and revoke API keys for the storyteller API."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from loreline.cli.settings import CliSettings
from loreline.platform.context import StackContext
from loreline.platform.parts.postgres import PostgresPart

app = typer.Typer(
    help="API keys (stored hashed; each scoped to worlds and roles).", no_args_is_help=True
)


def _dsn() -> str:
    return PostgresPart().dsn(StackContext.from_settings(CliSettings()))


@app.command("create")
def create(
    world: Annotated[list[str], typer.Option("--world", help="world id (repeatable)")],
    role: Annotated[
        list[str], typer.Option("--role", help="read, ingest or admin (repeatable)")
    ] = ["read"],  # noqa: B006 - typer reads list defaults
    label: Annotated[str | None, typer.Option(help="what the key is for")] = None,
) -> None:
    """Create a key and print it once (only its salted hash is stored)."""
    from loreline.db import create_pool
    from serving.security.keys import create_api_key

    async def run() -> str:
        pool = await create_pool(_dsn())
        try:
            return await create_api_key(pool, world, role, label=label)
        finally:
            await pool.close()

    typer.echo(asyncio.run(run()))


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="the 12 hex characters after `lk_`")],
) -> None:
    """Revoke a key; requests with it are refused from then on."""
    from loreline.db import create_pool
    from serving.security.keys import revoke_api_key

    async def run() -> bool:
        pool = await create_pool(_dsn())
        try:
            return await revoke_api_key(pool, key_id)
        finally:
            await pool.close()

    if not asyncio.run(run()):
        typer.echo(f"no key with id {key_id}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"revoked {key_id}")
