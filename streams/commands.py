"""`loreline streams ...`: the Typer sub-app the `loreline` command mounts.

    worker                     run a streams worker in the foreground
    replay PATH [--speed X]    replay a recorded session (JSONL events, CRD3 episode/folder)
    simulate --players N --minutes M [--seed S] [--fast] [--output FILE]
    lag                        consumer lag of the worker group on the ingest topic

Servers: `KAFKA_BOOTSTRAP` / `DATABASE_URL` when set, otherwise those `loreline up` started
(read from the state folder's component registry).
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from loreline.contract import Encoding
from loreline.producer import EventProducer
from loreline.state import ComponentRegistry, StateLayout
from streams.process import consumer_lag
from streams.replay import replay, replay_path, write_jsonl
from streams.settings import WorkerSettings
from streams.simulator import Simulator

app = typer.Typer(
    help="Live event ingestion: worker, replay, simulator, lag.", no_args_is_help=True
)
console = Console()


def resolve_settings(**overrides: object) -> WorkerSettings:
    """Settings from the environment, filling servers in from the running stack's registry."""
    settings = WorkerSettings(**overrides)  # type: ignore[arg-type]
    registry = ComponentRegistry(StateLayout.under(settings.home).registry_path)
    update: dict[str, object] = {}
    if "KAFKA_BOOTSTRAP" not in os.environ:
        kafka = registry.get("kafka")
        if kafka is not None and kafka.port:
            update["kafka_bootstrap"] = f"{kafka.host}:{kafka.port}"
    if not settings.database_url:
        pg = registry.get("postgres")
        if pg is not None and pg.url and not pg.external:
            from infra.postgres import EmbeddedPostgres  # only for the embedded server's URL

            update["database_url"] = EmbeddedPostgres(StateLayout.under(settings.home).pg_dir).dsn
    return settings.model_copy(update=update) if update else settings


@app.command()
def worker(
    partitions: Annotated[int | None, typer.Option(help="ingest topic partitions")] = None,
) -> None:
    """Run a streams worker in the foreground (Ctrl-C stops it cleanly)."""
    from streams.worker import run

    overrides = {} if partitions is None else {"partitions": partitions}
    run(resolve_settings(**overrides))


@app.command("replay")
def replay_command(
    path: Annotated[Path, typer.Argument(help="JSONL of events, a CRD3 episode file, or a folder")],
    speed: Annotated[float, typer.Option(help="x recorded pace; 0 = as fast as possible")] = 0.0,
    encoding: Annotated[str, typer.Option(help="msgpack or json")] = "msgpack",
) -> None:
    """Replay a recorded session into the ingest topic."""
    settings = resolve_settings()
    wire = Encoding.JSON if encoding.lower() == "json" else Encoding.MSGPACK

    def progress(n: int) -> None:
        if n % 10_000 == 0:
            console.print(f"  {n} events sent")

    stats, load = asyncio.run(
        replay_path(
            path,
            settings.kafka_bootstrap,
            speed=speed,
            encoding=wire,
            topic=settings.events_topic,
            on_progress=progress,
        )
    )
    console.print(
        f"replayed {stats.events} events from {load.files} file(s) in {stats.seconds:.1f}s "
        f"({stats.rate:,.0f}/s) to {settings.events_topic}; skipped lines: {load.skipped_lines}"
    )


@app.command()
def simulate(
    players: Annotated[int, typer.Option(help="simultaneous players")] = 20,
    minutes: Annotated[float, typer.Option(help="minutes of play")] = 5.0,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same play)")] = 0,
    fast: Annotated[bool, typer.Option(help="do not pace to the wall clock")] = False,
    output: Annotated[
        Path | None, typer.Option(help="write JSONL here instead of publishing")
    ] = None,
) -> None:
    """Seeded live play in the demo world, published as it happens (or recorded to JSONL)."""
    sim = Simulator(players, seed=seed, start=datetime.now(UTC))
    events = sim.events(minutes * 60)
    if output is not None:
        count = write_jsonl(events, output)
        console.print(f"wrote {count} events to {output}")
        return
    settings = resolve_settings()

    async def run() -> int:
        async with EventProducer(settings.kafka_bootstrap, topic=settings.events_topic) as producer:
            stats = await replay(events, producer, speed=0.0 if fast else 1.0)
        return stats.events

    console.print(f"simulating {players} players for {minutes:g} min (seed {seed}) ...")
    count = asyncio.run(run())
    console.print(f"published {count} events to {settings.events_topic}")


@app.command()
def lag(
    group: Annotated[
        str | None, typer.Option(help="consumer group (default: the worker's)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Consumer lag of the worker group on the ingest topic, per partition."""
    settings = resolve_settings()
    result = asyncio.run(
        consumer_lag(settings.kafka_bootstrap, group or settings.app_id, settings.events_topic)
    )
    if as_json:
        console.print_json(json.dumps(result))
        return
    table = Table(title=f"{result['group']} on {result['topic']}: lag {result['total_lag']}")
    for column in ("partition", "committed", "end", "lag"):
        table.add_column(column, justify="right")
    for partition, row in result["partitions"].items():
        table.add_row(str(partition), str(row["committed"]), str(row["end"]), str(row["lag"]))
    console.print(table)
