"""Embedding query texts inside the API process without blocking the event loop.

One worker task owns the model: requests queue up while it encodes, and the next encode takes every
waiting text at once (up to `max_batch`), so concurrent requests share a forward pass instead of
queueing one by one. Encoding runs on one dedicated thread. Query embeddings are kept in an LRU of
`cache_size` entries (storyteller prompts repeat).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]


class TextEncoder(Protocol):
    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]: ...


class QueryEmbedder:
    def __init__(
        self, encoder: TextEncoder, *, cache_size: int = 2048, max_batch: int = 32
    ) -> None:
        self._encoder = encoder
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[str, asyncio.Future[Vector]]] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0
        self.cache_hits = 0

    async def start(self, *, warm: bool = True) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="query-embedder")
        if warm:
            await self.embed_texts(["warm up"])

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._queue.empty():
            _text, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(RuntimeError("embedder stopped"))
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def embed(self, text: str) -> Vector:
        """One normalised 384-float embedding; cached, batched with concurrent callers."""
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            self.cache_hits += 1
            return cached
        if self._worker is None:
            raise RuntimeError("QueryEmbedder is not started")
        future: asyncio.Future[Vector] = asyncio.get_running_loop().create_future()
        await self._queue.put((text, future))
        vector = await future
        self._remember(text, vector)
        return vector

    async def embed_texts(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Many texts in one call (e.g. memories to index); not cached, runs on the model thread."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._encoder.encode, list(texts))

    def _remember(self, text: str, vector: Vector) -> None:
        if self._cache_size <= 0:
            return
        self._cache[text] = vector
        self._cache.move_to_end(text)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            texts = list(dict.fromkeys(text for text, _future in batch))
            try:
                vectors = await loop.run_in_executor(self._executor, self._encoder.encode, texts)
            except Exception as exc:  # deliver the failure to every waiting request
                for _text, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            by_text = {text: vectors[index] for index, text in enumerate(texts)}
            for text, future in batch:
                if not future.done():
                    future.set_result(by_text[text])
