"""all-MiniLM-L6-v2 sentence embeddings on ONNX Runtime (CPU), for short latency-bound queries.

Same embeddings as `loreline.knowledge.embedder.Embedder` (sentence-transformers on torch): the
packaged model exported once to ONNX (`onnx_export.prepare_onnx_files`), tokenised with the
model's own `tokenizer.json` (truncation at 256 tokens, padding to the longest text of a batch),
mean pooling over the attention mask and L2 normalisation inside the graph. fp32 matches torch to
float rounding; `quantized=True` runs the int8 variant, faster and close (cosine ≥ 0.98 per text
on real lore, see tests/embedding). int8 activations are scaled per batch, so an int8 row moves
slightly with the texts batched beside it (cosine ~0.99 between batchings); fp32 rows do not.

```python
encoder = OnnxEncoder(StateLayout(...).models_dir, quantized=True)  # nothing loads yet
encoder.load()  # exports on first use (a few seconds), then opens the session (~0.3 s)
vectors = encoder.encode(["where is the salt road?"])  # float32 (1, 384), unit rows
```

It satisfies `serving.embedding.query_embedder.TextEncoder`. One session is shared by all
threads (ONNX Runtime's `run` is thread-safe); `intra_op_threads` caps the threads one call uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from loreline.knowledge.embedder import EMBEDDING_DIM
from loreline.knowledge.onnx_export import OUTPUT_NAME, OnnxModelFiles, prepare_onnx_files

if TYPE_CHECKING:
    from numpy.typing import NDArray

DEFAULT_MAX_SEQ_LENGTH = 256


class OnnxEncoder:
    """Batched, normalised 384-dimensional sentence embeddings with ONNX Runtime on the CPU."""

    dim = EMBEDDING_DIM

    def __init__(
        self,
        cache_dir: Path | str,
        model_dir: Path | str | None = None,
        *,
        quantized: bool = False,
        intra_op_threads: int = 1,
        batch_size: int = 64,
        max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
    ) -> None:
        """`cache_dir` keeps the exported files (e.g. `StateLayout.models_dir`); `model_dir` is
        the sentence-transformers folder (default: the packaged all-MiniLM-L6-v2)."""
        if intra_op_threads < 1:
            raise ValueError("intra_op_threads must be at least 1")
        if batch_size < 1 or max_seq_length < 3:
            raise ValueError("batch_size must be ≥ 1 and max_seq_length ≥ 3")
        self.cache_dir = Path(cache_dir)
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self.quantized = quantized
        self.intra_op_threads = intra_op_threads
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.files: OnnxModelFiles | None = None
        self.load_seconds: float | None = None
        self._session: Any = None
        self._tokenizer: Any = None
        self._pad_id = 0
        self._lock = threading.Lock()

    @classmethod
    def prepare(
        cls,
        cache_dir: Path | str,
        model_dir: Path | str | None = None,
        *,
        quantized: bool = False,
        intra_op_threads: int = 1,
        batch_size: int = 64,
        max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
    ) -> OnnxEncoder:
        """An encoder that is ready now: exports the ONNX files if needed and opens the session."""
        encoder = cls(
            cache_dir,
            model_dir,
            quantized=quantized,
            intra_op_threads=intra_op_threads,
            batch_size=batch_size,
            max_seq_length=max_seq_length,
        )
        encoder.load()
        return encoder

    @property
    def loaded(self) -> bool:
        return self._session is not None

    @property
    def onnx_path(self) -> Path | None:
        return self.files.path(quantized=self.quantized) if self.files is not None else None

    def load(self) -> None:
        """Export (first time only), then load the tokenizer and the ONNX Runtime session."""
        with self._lock:
            if self._session is not None:
                return
            started = time.perf_counter()
            files = prepare_onnx_files(self.cache_dir, self.model_dir, quantized=self.quantized)
            self._tokenizer, self._pad_id = _load_tokenizer(files.tokenizer, self.max_seq_length)
            self._session = _open_session(
                files.path(quantized=self.quantized), self.intra_op_threads
            )
            self.files = files
            self.load_seconds = time.perf_counter() - started

    def encode(self, texts: Sequence[str], *, batch_size: int | None = None) -> NDArray[np.float32]:
        """Embed `texts`; rows are L2-normalised float32 in input order, shape (len(texts), 384).

        Texts are grouped by token count before batching, so a batch pads little.
        """
        total = len(texts)
        if total == 0:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        self.load()
        if total == 1:
            token_ids = [self._tokenizer.encode(texts[0]).ids]
        else:
            token_ids = [enc.ids for enc in self._tokenizer.encode_batch(list(texts))]
        order = np.argsort(
            np.fromiter((len(ids) for ids in token_ids), dtype=np.int64, count=total), kind="stable"
        )
        size = batch_size or self.batch_size
        out = np.empty((total, EMBEDDING_DIM), dtype=np.float32)
        for start in range(0, total, size):
            rows = order[start : start + size]
            input_ids, attention_mask = self._pad([token_ids[i] for i in rows])
            vectors = self._session.run(
                [OUTPUT_NAME], {"input_ids": input_ids, "attention_mask": attention_mask}
            )[0]
            out[rows] = vectors
        return out

    def encode_one(self, text: str) -> list[float]:
        """One embedding as a plain list (e.g. for a search query)."""
        return [float(x) for x in self.encode([text])[0]]

    def _pad(self, batch: list[list[int]]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        return input_ids, attention_mask


def _load_tokenizer(path: Path, max_seq_length: int) -> tuple[Any, int]:
    """The model's fast tokenizer truncating at `max_seq_length` (special tokens included),
    without its own padding (the file pads everything to 128); returns it and the pad id."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    padding = tokenizer.padding
    pad_id = padding["pad_id"] if padding else tokenizer.token_to_id("[PAD]")
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer, int(pad_id or 0)


def _open_session(path: Path, intra_op_threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
