"""A two-world data set (alpha, beta) plus global lore, seeded through the real write paths where
the project has them. Every beta id and text carries "beta" so a leak is easy to spot."""

from __future__ import annotations

from pathlib import Path

from loreline.knowledge import Embedder
from tests.serving import seed
from tests.serving.conftest import RunningApi

LORE = {
    "alpha": {
        "lighthouse.md": """
            ---
            title: The Lighthouse at Alpha Point
            doc_type: location
            entities: [wren_alder]
            ---
            # The Lighthouse at Alpha Point

            ## The keeper
            Wren Alder keeps the lamp burning through the winter storms and counts the ships.

            ## The lamp
            The great lamp burns whale oil and can be seen from the far side of the bay.
            """,
        "market.md": """
            ---
            title: Alpha Market Prices
            doc_type: economy
            ---
            # Market

            Salt sells for four silver a sack at the alpha quay; fish for two.
            """,
    },
    "beta": {
        "vault.md": """
            ---
            title: The Beta Vault
            doc_type: location
            ---
            # The Beta Vault

            The beta vault code is crimson otter, and only the beta steward knows it.
            The lighthouse of beta burns blue.
            """,
    },
    "global": {
        "tides.md": """
            ---
            title: The Tide Gods
            doc_type: myth
            ---
            # The Tide Gods

            Every coastal folk honours the tide gods, who pull the sea twice a day.
            """,
    },
}


async def seed_worlds(api: RunningApi, embedder: Embedder, tmp_path: Path) -> None:
    for world, documents in LORE.items():
        folder = seed.write_lore(tmp_path / f"lore-{world}", documents)
        await seed.load_lore_folder(api.dsn, folder, world, embedder)
    for world in ("alpha", "beta"):
        await seed.insert_world_state(api.pool, world, world)
        await seed.insert_snapshot(api.pool, world, "2024-02-27", world)
        await seed.insert_events(
            api.pool,
            seed.npc_greets_and_quest_starts(
                world, f"Welcome to {world}, traveller; mind the lighthouse stairs."
            ),
        )
        await seed.insert_narrative(
            api.pool,
            embedder,
            world,
            [("s1", f"In {world}, the keeper and the player climbed the lighthouse at dusk.")],
        )
