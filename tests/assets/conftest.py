"""Fixtures for the assets/knowledge tests: one embedder per session, one knowledge base per session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loreline.db.databases import create_database, drop_database
from loreline.knowledge import Embedder, get_embedder

OTHER_WORLD_LORE = {
    "harbour.md": """---
title: The Glass Harbour
doc_type: location
world_id: glassport
entities: [glass_harbour]
---
# The Glass Harbour

## Lighthouse of Verrin
The lighthouse of Verrin burns blue fire fed by powdered sea-glass. Its keeper, Old Anselm,
counts the ships that pass and writes their names in a ledger of tin.

## Salt and tolls
Ships that enter the Glass Harbour pay a toll in salt, weighed on the brass scales of the
harbour-master. Smugglers hide eels in the salt barrels.
""",
}

GLOBAL_LORE = {
    "cosmology.md": """---
title: The Nine Tides
doc_type: religion
---
# The Nine Tides

## The First Tide
Every world in the compact believes the sea was sung into being by nine tides. The first tide
carried memory; whoever drinks from it remembers the names of the drowned.

## The Last Tide
The ninth tide has not yet come. Priests in every world say it will bring the ending of salt.
""",
}


def write_docs(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The model, loaded once for the whole session (shared with the assets via get_embedder)."""
    model = get_embedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def kb_dsn(postgres, postgres_template, embedder, tmp_path_factory) -> Iterator[str]:
    """A database with the knowledge base built once: the demo world's lore (saltmarch), a second
    world's lore (glassport) and global lore. Read-only for the tests that use it."""
    from loreline.knowledge.ingest import load_default_lore, load_lore

    name = f"kb_{uuid.uuid4().hex[:12]}"
    dsn = create_database(postgres.dsn, name, template=postgres_template)
    root = tmp_path_factory.mktemp("kb-lore")
    load_default_lore(dsn, embedder=embedder)
    load_lore(dsn, write_docs(root / "glassport", OTHER_WORLD_LORE), embedder=embedder)
    load_lore(dsn, write_docs(root / "global", GLOBAL_LORE), "global", embedder=embedder)
    try:
        yield dsn
    finally:
        drop_database(postgres.dsn, name)
