"""Fixtures for the ONNX embedding tests: real texts, the torch reference, the ONNX encoders.

The exports go to the session's model cache (`state_layout.models_dir`), so they are made once
and reused by later sessions; tests that need a fresh export use a temporary folder.
"""

from __future__ import annotations

import csv
from itertools import zip_longest
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from loreline.knowledge import Embedder, get_embedder
from loreline.knowledge.onnx_encoder import OnnxEncoder
from loreline.state import StateLayout


def _round_robin(groups: list[list[str]], count: int) -> list[str]:
    picked: list[str] = []
    for row in zip_longest(*groups):
        picked.extend(text for text in row if text)
        if len(picked) >= count:
            break
    return picked[:count]


def load_real_texts(data_dir: Path, sections: int = 100, questions: int = 100) -> list[str]:
    """Story sections (lore-sized passages) and reader questions (query-sized) from FairytaleQA's
    validation split, taken round-robin across its stories."""
    split = data_dir / "fairytaleqa" / "val"
    story_texts: list[list[str]] = []
    question_texts: list[list[str]] = []
    for path in sorted((split / "stories").glob("*-story.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            story_texts.append([row["text"].strip() for row in csv.DictReader(handle)])
    for path in sorted((split / "questions").glob("*-questions.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            question_texts.append([row["question"].strip() for row in csv.DictReader(handle)])
    texts = _round_robin(story_texts, sections) + _round_robin(question_texts, questions)
    if len(texts) != sections + questions:
        raise RuntimeError(f"expected {sections + questions} texts in {split}, got {len(texts)}")
    return texts


@pytest.fixture(scope="session")
def onnx_cache(state_layout: StateLayout) -> Path:
    return state_layout.models_dir


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    model = get_embedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def fp32_encoder(onnx_cache: Path) -> OnnxEncoder:
    return OnnxEncoder.prepare(onnx_cache, quantized=False)


@pytest.fixture(scope="session")
def int8_encoder(onnx_cache: Path) -> OnnxEncoder:
    return OnnxEncoder.prepare(onnx_cache, quantized=True)


@pytest.fixture(scope="session")
def real_texts(shared_data_dir: Path) -> list[str]:
    return load_real_texts(shared_data_dir)


@pytest.fixture(scope="session")
def torch_vectors(torch_embedder: Embedder, real_texts: list[str]) -> npt.NDArray[np.float32]:
    return torch_embedder.encode(real_texts)
