"""The Saltmarch lore documents: Markdown files with YAML front matter in `lore/`.

Each document starts with a front matter block (`title`, `doc_type`, `world_id`, `entities`, `tags`)
between `---` lines; the body uses `##`/`###` headings. The folder holds only the documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from loreline.demo_world.catalog import SLUG_PATTERN

DocType = Literal[
    "overview",
    "history",
    "faction",
    "character",
    "location",
    "religion",
    "magic",
    "economy",
    "quest",
    "bestiary",
    "culture",
]

FRONT_MATTER_FENCE = "---"


class LoreFrontMatter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1)]
    doc_type: DocType
    world_id: Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
    entities: tuple[Annotated[str, StringConstraints(pattern=SLUG_PATTERN)], ...] = ()
    tags: tuple[str, ...] = Field(default=())


class LoreDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: Path
    meta: LoreFrontMatter
    body: str

    @property
    def word_count(self) -> int:
        return len(self.body.split())


def lore_dir() -> Path:
    """The folder holding the Saltmarch lore documents."""
    return Path(__file__).resolve().parent / "lore"


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    """Split a document into its front matter mapping and its Markdown body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ValueError("document does not start with a '---' front matter block")
    for index in range(1, len(lines)):
        if lines[index].strip() == FRONT_MATTER_FENCE:
            meta = yaml.safe_load("".join(lines[1:index])) or {}
            if not isinstance(meta, dict):
                raise ValueError("front matter is not a mapping")
            return meta, "".join(lines[index + 1 :])
    raise ValueError("front matter block is not closed with '---'")


def read_lore_document(path: Path) -> LoreDocument:
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
    return LoreDocument(path=path, meta=LoreFrontMatter.model_validate(meta), body=body)


def load_lore_documents(folder: Path | None = None) -> list[LoreDocument]:
    """Every `*.md` document in `folder` (default: the packaged lore), sorted by file name."""
    root = folder if folder is not None else lore_dir()
    return [read_lore_document(path) for path in sorted(root.glob("*.md"))]
