"""`loreline`: up, down, status, doctor, demo — and the sub-commands other domains contribute."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from loreline.cli import keys
from loreline.cli.doctor import run_checks
from loreline.cli.settings import CliSettings
from loreline.platform.context import StackContext
from loreline.platform.stack import (
    default_parts,
    select_parts,
    stack_status,
    start_stack,
    stop_stack,
)

app = typer.Typer(
    name="loreline",
    help="Loreline: live game events in, a world the storyteller can remember and query out.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(keys.app, name="keys")


def _mount_streams() -> None:
    """The streams domain's commands: all under `loreline streams`, the two a game team uses most
    (`replay`, `simulate`) also at the top level."""
    from streams import commands

    app.add_typer(commands.app, name="streams")
    app.command("replay")(commands.replay_command)
    app.command("simulate")(commands.simulate)


_mount_streams()

Only = Annotated[
    list[str] | None,
    typer.Option("--only", help="start/stop only these parts (repeatable), e.g. --only postgres"),
]


def _context() -> StackContext:
    return StackContext.from_settings(CliSettings())


@app.command()
def up(only: Only = None) -> None:
    """Start everything on the embedded defaults (adopting what already runs) and say where it listens."""
    ctx = _context()
    parts = select_parts(default_parts(), only)
    ctx.console.print(f"[bold]loreline up[/] (state in {ctx.layout.home})")
    seconds = start_stack(ctx, parts)
    ctx.console.print(
        f"[bold green]ready[/] in {seconds:.1f}s — `loreline status` to check, `loreline down` to stop"
    )


@app.command()
def down(only: Only = None) -> None:
    """Stop what `loreline up` started (external servers are left alone)."""
    ctx = _context()
    stop_stack(ctx, select_parts(default_parts(), only))


@app.command()
def status() -> None:
    """Each component: up/down, address, version, pid. Exits 1 when something is down."""
    ctx = _context()
    rows = stack_status(ctx, default_parts())
    table = Table("component", "state", "address", "version", "pid", "detail")
    colours = {"up": "green", "external": "cyan", "degraded": "yellow", "down": "red"}
    for row in rows:
        colour = colours.get(row.state, "white")
        table.add_row(
            row.name,
            f"[{colour}]{row.state}[/]",
            row.address or "",
            row.version or "",
            str(row.pid or ""),
            row.detail or "",
        )
    ctx.console.print(table)
    if any(row.state == "down" for row in rows):
        raise typer.Exit(code=1)


@app.command()
def doctor() -> None:
    """Check Java, Maven, disk and ports, and say how to fix what is missing."""
    settings = CliSettings()
    ports = [p for p in (settings.api_port, settings.dagster_port) if p]
    checks = run_checks(settings.loreline_home, ports)
    console = Console()
    for check in checks:
        mark = "[green]ok[/]  " if check.ok else "[red]FAIL[/]"
        console.print(f"{mark} {check.name:<32} {check.detail}")
        if check.fix:
            console.print(f"       fix: {check.fix}")
    if not all(check.ok for check in checks if not check.name.startswith("chromium")):
        raise typer.Exit(code=1)


@app.command()
def demo(
    players: Annotated[int, typer.Option(help="simulated players")] = 12,
    minutes: Annotated[float, typer.Option(help="game minutes of play")] = 10.0,
    seed: Annotated[int, typer.Option(help="simulation seed")] = 7,
) -> None:
    """The main job end to end: start everything, load the lore, play, store, query."""
    from loreline.cli.demo import DemoOptions, run_demo

    run_demo(_context(), DemoOptions(players=players, minutes=minutes, seed=seed))
