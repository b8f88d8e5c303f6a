"""Test worlds for generation: two small worlds (`alpha`, `beta`; every beta text says "beta")
plus shared `global` lore, through the real lore ingestion. (The demo world `saltmarch` is
loaded once per session by the `saltmarch_template` fixture.)"""

from __future__ import annotations

from pathlib import Path

from loreline.knowledge import Embedder
from tests.serving import seed

LORE = {
    "alpha": {
        "mill.md": """
            ---
            title: The Tide Mill of Alpha
            doc_type: location
            entities: [odile_marsh]
            ---
            # The Tide Mill

            Odile Marsh grinds barley at the tide mill when the sluice gates open at ebb.
            She trades flour for eels and distrusts anyone who arrives by the north road.
            """,
    },
    "beta": {
        "vault.md": """
            ---
            title: The Beta Cistern
            doc_type: location
            ---
            # The Beta Cistern

            The beta cistern holds the beta reservoir; its keeper hums a beta lullaby.
            """,
    },
    "global": {
        "moons.md": """
            ---
            title: The Twin Moons
            doc_type: myth
            ---
            # The Twin Moons

            Sailors everywhere swear by the twin moons, which pull the tides at dusk and dawn.
            """,
    },
}


async def seed_two_worlds(pool: object, dsn: str, embedder: Embedder, tmp_path: Path) -> None:
    for world, documents in LORE.items():
        folder = seed.write_lore(tmp_path / f"lore-{world}", documents)
        await seed.load_lore_folder(dsn, folder, world, embedder)
    for world in ("alpha", "beta"):
        await seed.insert_world_state(pool, world, world)
        await seed.insert_events(
            pool, seed.npc_greets_and_quest_starts(world, f"The sluice opens at ebb in {world}.")
        )
        await seed.insert_narrative(
            pool, embedder, world, [("s1", f"In {world}, the miller and the player argued.")]
        )
