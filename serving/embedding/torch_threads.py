"""Limiting torch's intra-op threads for query embedding (one short text at a time gains
nothing from more threads, and on a small machine they fight the database and the other worker)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from serving.embedding.query_embedder import TextEncoder


class ThreadLimitedEncoder:
    """Wraps an encoder; sets `torch.set_num_threads(threads)` before its first encode."""

    def __init__(self, encoder: TextEncoder, threads: int | None) -> None:
        self._encoder = encoder
        self._threads = threads
        self._applied = threads is None

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not self._applied:
            import torch

            torch.set_num_threads(self._threads or 1)
            self._applied = True
        return self._encoder.encode(texts)
