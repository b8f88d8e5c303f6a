"""Retrieval quality on real data: FairytaleQA (val), a few stories, one world per story."""

from __future__ import annotations

import pytest

from bench.retrieval.common import load_split, section_texts
from bench.retrieval.fairytaleqa import evaluate, store_sections

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

STORIES = 5


async def test_per_world_hybrid_recall_at_5(database_url: str, embedder, shared_data_dir) -> None:
    assert (shared_data_dir / "fairytaleqa" / "val").is_dir()
    stories, questions = load_split("val", STORIES)
    _, texts = section_texts(stories)
    svecs = embedder.encode(texts)
    qvecs = embedder.encode([q.question for q in questions])
    store_sections(database_url, stories, svecs, as_global=False)
    results = await evaluate(database_url, stories, questions, qvecs, scopes=("world",))
    hybrid = results["world/hybrid"]
    assert hybrid["questions"] == len(questions) > 100
    assert hybrid["recall@5"] >= 0.80, results
    assert hybrid["recall@10"] >= hybrid["recall@5"] >= hybrid["recall@1"]
    assert hybrid["recall@5"] >= results["world/vector"]["recall@5"] - 0.02, results
