"""`loreline demo`: the main job end to end on the embedded defaults.

Starts the stack, loads the demo world's lore into the knowledge base (a Dagster run, visible in the
UI), plays a short seeded session of the demo world through Kafka and the streams worker, waits until
every event is durable, then asks the API what the storyteller would ask.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from rich.console import Console
from rich.markup import escape

from loreline.contract import Event
from loreline.platform.context import StackContext
from loreline.platform.stack import default_parts, start_stack
from loreline.producer import EventProducer

DEMO_WORLD = "saltmarch"


@dataclass(frozen=True)
class DemoOptions:
    players: int = 12
    minutes: float = 10.0
    seed: int = 7
    durable_timeout_s: float = 180.0


def run_demo(ctx: StackContext, options: DemoOptions) -> None:
    console = ctx.console
    began = time.monotonic()
    console.rule("[bold]1. start the stack")
    start_stack(ctx, default_parts())
    assert ctx.database_url and ctx.kafka_bootstrap

    console.rule("[bold]2. build the knowledge base from the demo world's lore (Dagster)")
    from pipelines.runtime import materialize_lore_job

    t0 = time.monotonic()
    if not materialize_lore_job(ctx.layout, ctx.database_url):
        raise RuntimeError(
            "the lore job failed; open the Dagster UI (see above) for the run's logs"
        )
    console.print(
        f"  lore documents, chunks, embeddings, entities materialised in {time.monotonic() - t0:.1f}s"
    )

    console.rule(f"[bold]3. play {options.minutes:g} game minutes with {options.players} players")
    from streams.simulator.sim import simulate

    events = simulate(
        options.players, options.minutes * 60, seed=options.seed, start=datetime.now(UTC)
    )
    kinds = Counter(event.type.value for event in events)
    console.print(
        f"  {len(events)} events: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    )
    asyncio.run(_publish(ctx.kafka_bootstrap, events))
    stored = asyncio.run(
        _wait_durable(ctx.database_url, events, options.durable_timeout_s, console)
    )
    console.print(f"  all {stored} events durable in PostgreSQL and the lake")

    console.rule("[bold]4. ask what the storyteller would ask (HTTP API)")
    asyncio.run(_ask(ctx, events))
    console.rule(f"[bold green]demo finished in {time.monotonic() - began:.0f}s")
    console.print(
        "  the stack keeps running: `loreline status`, the Dagster UI and API docs above; "
        "`loreline down` stops it"
    )


async def _publish(bootstrap: str, events: list[Event]) -> None:
    async with EventProducer(bootstrap) as producer:
        await producer.send(events)
        await producer.flush()


async def _wait_durable(dsn: str, events: list[Event], wait_s: float, console: Console) -> int:
    ids = [event.event_id for event in events]
    deadline = time.monotonic() + wait_s
    conn = await asyncpg.connect(dsn)
    last = -1
    try:
        while True:
            count = await conn.fetchval(
                "SELECT count(*) FROM events WHERE event_id = ANY($1::uuid[])", ids
            )
            if count == len(ids):
                return int(count)
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {count} of {len(ids)} events are in PostgreSQL after {wait_s:.0f}s; "
                    "check `loreline status` (consumer lag) and logs/streams-worker.log"
                )
            if count != last:
                console.print(f"  waiting for the worker: {count}/{len(ids)} stored")
                last = count
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def _ask(ctx: StackContext, events: list[Event]) -> None:
    from loreline.client import StorytellerClient
    from loreline.db import create_pool
    from serving.security.keys import create_api_key

    assert ctx.database_url
    api_url = ctx.extras["api_url"]
    pool = await create_pool(ctx.database_url)
    try:
        key = await create_api_key(pool, [DEMO_WORLD], ["read"], label="loreline demo")
    finally:
        await pool.close()
    console = ctx.console
    npc = next(
        (e.payload.npc_id for e in events if hasattr(e.payload, "npc_id")),
        None,
    )
    async with StorytellerClient(api_url, key) as client:
        hits = await client.search("Who controls the salt trade?", world_id=DEMO_WORLD, k=3)
        console.print("[bold]knowledge search[/] 'Who controls the salt trade?'")
        for hit in hits.hits:
            heading = " / ".join(hit.heading_path)
            console.print(escape(f"  [{hit.citation_id}] {hit.document.title} > {heading}"))
        state = await client.state(DEMO_WORLD)
        console.print(
            f"[bold]world state[/] {len(state.players)} players, {len(state.quests)} quests, "
            f"weather {state.weather.condition if state.weather else 'unknown'}"
        )
        if npc:
            memory = await client.memory(
                DEMO_WORLD, npc, query="what did the travellers want?", k=3
            )
            console.print(f"[bold]memory of {npc}[/]")
            for item in memory.memories:
                console.print(escape(f"  {item.scores.total:.2f}  {item.text[:100]}"))
    await _generate(api_url, key, npc, console)


async def _generate(api_url: str, key: str, npc: str | None, console: Console) -> None:
    """One storyteller line through the tier router and the local vLLM."""
    import httpx

    body = {
        "world_id": DEMO_WORLD,
        "use_case": "npc_dialogue",
        "situation": "A traveller asks for news of the salt road.",
        "npc_id": npc,
    }
    async with httpx.AsyncClient(base_url=api_url, timeout=180) as http:
        response = await http.post(
            "/v1/storyteller/generate", json=body, headers={"Authorization": f"Bearer {key}"}
        )
    if response.status_code != 200:
        console.print(
            f"[yellow]generation unavailable ({response.status_code}): {response.text[:300]}"
        )
        return
    result = response.json()
    console.print(
        f"[bold]generated[/] ({result['tier']} tier, {len(result['citations'])} citations)"
    )
    console.print(escape(f"  {result['text'].strip()[:400]}"))
