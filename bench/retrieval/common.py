"""Shared by the knowledge-base benchmarks: a Postgres to run on, FairytaleQA loading, cached embeddings."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT.parent / "shared" / "data" / "fairytaleqa"
CACHE = REPO_ROOT / ".loreline" / "cache" / "bench"


@contextlib.contextmanager
def bench_database(dsn: str | None, name: str, keep: bool = False) -> Iterator[str]:
    """A fresh migrated database: on `dsn`'s server (or DATABASE_URL's), else an embedded server."""
    from loreline.db import apply_migrations
    from loreline.db.databases import create_database, drop_database

    dsn = dsn or os.environ.get("DATABASE_URL")
    server = None
    tmp = None
    if not dsn:
        from infra.postgres import EmbeddedPostgres

        tmp = tempfile.mkdtemp(prefix="loreline-bench-")
        os.chmod(tmp, 0o755)
        server = EmbeddedPostgres(
            Path(tmp) / "pg", log_path=Path(tmp) / "postgres.log", durable=False
        )
        server.start(timeout=180)
        dsn = server.dsn
    db = f"{name}_{uuid.uuid4().hex[:8]}"
    drop_database(dsn, db)
    url = create_database(dsn, db)
    apply_migrations(url)
    try:
        yield url
    finally:
        if not keep:
            drop_database(dsn, db)
        if server is not None:
            server.stop()


def world_of(story: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", story.lower()).strip("-")
    return ("ftqa-" + slug)[:64].rstrip("-_")


@dataclass
class Story:
    name: str
    world_id: str
    sections: dict[int, str]


@dataclass
class Question:
    story: str
    question: str
    gold: set[int]


def load_split(split: str, limit: int | None = None) -> tuple[list[Story], list[Question]]:
    root = DATA / split
    if not root.is_dir():
        raise SystemExit(
            f"FairytaleQA split not found at {root} (expected ../shared/data beside the repo)"
        )
    stories: list[Story] = []
    questions: list[Question] = []
    for path in sorted((root / "stories").glob("*-story.csv"))[:limit]:
        name = path.name.removesuffix("-story.csv")
        with path.open(newline="", encoding="utf-8") as fh:
            sections = {int(r["section"]): r["text"].strip() for r in csv.DictReader(fh)}
        stories.append(Story(name, world_of(name), sections))
        qpath = root / "questions" / f"{name}-questions.csv"
        with qpath.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                gold = {int(x) for x in re.findall(r"\d+", r["cor_section"])}
                if gold and r["question"].strip():
                    questions.append(Question(name, r["question"].strip(), gold))
    return stories, questions


def title_of(name: str) -> str:
    return name.replace("-", " ").title()


def section_texts(stories: list[Story]) -> tuple[list[tuple[str, int]], list[str]]:
    """(story, section) keys and the text embedded for each (title as heading, like lore chunks)."""
    keys, texts = [], []
    for s in stories:
        for number, text in sorted(s.sections.items()):
            keys.append((s.name, number))
            texts.append(f"{title_of(s.name)}\n\n{text}")
    return keys, texts


def cached_embeddings(
    texts: list[str], tag: str, embedder=None, log=print
) -> tuple[np.ndarray, float | None]:
    """Embeddings of `texts` (cached under .loreline/cache/bench by content hash); seconds if computed."""
    import time

    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{tag}-{digest}.npy"
    if path.exists():
        return np.load(path), None
    from loreline.knowledge import get_embedder

    embedder = embedder or get_embedder()
    embedder.load()
    started = time.perf_counter()
    vectors = embedder.encode(
        texts,
        progress=lambda d, t: log(f"  embedded {d}/{t} {tag}") if d % 512 == 0 or d == t else None,
    )
    seconds = time.perf_counter() - started
    np.save(path, vectors)
    return vectors, seconds
