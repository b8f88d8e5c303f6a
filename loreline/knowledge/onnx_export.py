"""Exporting the packaged all-MiniLM-L6-v2 to ONNX once, into a cache folder.

The exported graph takes `input_ids` and `attention_mask` (int64, batch x tokens) and returns
`sentence_embedding` (float32, batch x 384): the BERT encoder, mean pooling over the tokens the
attention mask keeps, and L2 normalisation, i.e. the model's `modules.json` pipeline
(Transformer → Pooling(mean) → Normalize) in one graph. The int8 variant is the same graph with
the weight matrices quantised per output channel (`quantize_dynamic`, MatMul only).

Files live in `<cache_dir>/all-minilm-l6-v2-onnx-v<format>-<sha256 of the weights, 12 hex>/`, so
another model (or a changed export recipe) never reuses a stale file. Each file is written under a
temporary name and renamed into place, so a killed or concurrent export never leaves half a file;
when the files exist, `prepare_onnx_files` only hashes the weights (cached per process).

torch, transformers, onnx and onnxruntime are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from loreline.knowledge.embedder import EMBEDDING_DIM, MODEL_NAME, default_model_dir

log = logging.getLogger(__name__)

# Bump when the exported graph or the quantisation recipe changes: old folders are then ignored.
EXPORT_FORMAT = 1
OPSET = 17
HASH_CHARS = 12
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "sentence_embedding"
FP32_NAME = "model.fp32.onnx"
INT8_NAME = "model.int8.onnx"
# Temporary files older than this are leftovers of a killed export and are removed.
STALE_TMP_SECONDS = 3600.0
# An export must reproduce torch on a probe batch at least this closely (cosine per row).
VERIFY_MIN_COSINE = 0.99999


@dataclass(frozen=True)
class OnnxModelFiles:
    """Where the ONNX files for one model's weights live (they may not exist yet)."""

    model_dir: Path
    weights_sha256: str
    folder: Path

    @property
    def fp32(self) -> Path:
        return self.folder / FP32_NAME

    @property
    def int8(self) -> Path:
        return self.folder / INT8_NAME

    @property
    def tokenizer(self) -> Path:
        return self.model_dir / "tokenizer.json"

    def path(self, *, quantized: bool) -> Path:
        return self.int8 if quantized else self.fp32


def weights_file(model_dir: Path) -> Path:
    """The model's weights file (safetensors preferred)."""
    for name in WEIGHT_FILES:
        candidate = model_dir / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no {' or '.join(WEIGHT_FILES)} in {model_dir}")


@lru_cache(maxsize=16)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def weights_sha256(model_dir: Path) -> str:
    """sha256 of the weights file; computed once per process for an unchanged file."""
    path = weights_file(model_dir).resolve()
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def folder_name(weights_hash: str) -> str:
    slug = MODEL_NAME.lower()
    return f"{slug}-onnx-v{EXPORT_FORMAT}-{weights_hash[:HASH_CHARS]}"


def onnx_model_files(cache_dir: Path | str, model_dir: Path | str | None = None) -> OnnxModelFiles:
    """The file locations for `model_dir` (default: the packaged model) under `cache_dir`."""
    source = Path(model_dir) if model_dir is not None else default_model_dir()
    source = source.resolve()
    digest = weights_sha256(source)
    return OnnxModelFiles(
        model_dir=source,
        weights_sha256=digest,
        folder=Path(cache_dir).resolve() / folder_name(digest),
    )


def prepare_onnx_files(
    cache_dir: Path | str,
    model_dir: Path | str | None = None,
    *,
    quantized: bool = False,
) -> OnnxModelFiles:
    """Export (and, with `quantized`, quantise) the model unless already done; return the paths.

    `cache_dir` is where exports are kept, e.g. `StateLayout.models_dir` (`LORELINE_CACHE/models`).
    Idempotent: an existing file is never rewritten.
    """
    files = onnx_model_files(cache_dir, model_dir)
    if files.fp32.is_file() and (not quantized or files.int8.is_file()):
        return files
    files.folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(files.folder)
    if not files.fp32.is_file():
        started = time.perf_counter()
        log.info("exporting %s to ONNX: %s", files.model_dir, files.fp32)
        with _atomic_target(files.fp32) as tmp:
            _export_fp32(files.model_dir, tmp)
        log.info("exported %s in %.1fs", files.fp32.name, time.perf_counter() - started)
    if quantized and not files.int8.is_file():
        started = time.perf_counter()
        log.info("quantising %s to int8: %s", files.fp32.name, files.int8)
        with _atomic_target(files.int8) as tmp:
            _quantize_int8(files.fp32, tmp)
        log.info("quantised %s in %.1fs", files.int8.name, time.perf_counter() - started)
    return files


@contextmanager
def _atomic_target(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it onto `final` if the block succeeds."""
    tmp = final.with_name(f".{final.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise RuntimeError(f"export produced no file at {tmp}")
        os.replace(tmp, final)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _remove_stale_tmp(folder: Path) -> None:
    now = time.time()
    for leftover in folder.glob(".*.tmp"):
        with suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_TMP_SECONDS:
                leftover.unlink()
                log.info("removed leftover %s", leftover)


def _export_fp32(model_dir: Path, target: Path) -> None:
    import torch

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel

    # Eager attention traces to plain ONNX ops; it computes what the SDPA kernel does.
    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    encoder.eval()
    module = _pooled_module(torch, encoder)
    # Padded example batch; the batch and token axes stay dynamic.
    example_ids = torch.tensor(
        [[101, 7592, 2088, 102, 0, 0], [101, 1037, 2146, 2830, 6251, 102]], dtype=torch.int64
    )
    example_mask = (example_ids != 0).to(torch.int64)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation and tracer notes
        torch.onnx.export(
            module,
            (example_ids, example_mask),
            str(target),
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                OUTPUT_NAME: {0: "batch"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    _verify_export(torch, module, target)


def _pooled_module(torch: Any, encoder: Any) -> Any:
    """encoder → mean over unmasked tokens → L2 normalisation (sentence-transformers' pipeline)."""

    class PooledEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            tokens = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            summed = (tokens * mask).sum(dim=1)
            counts = mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(summed / counts, p=2, dim=1)

    return PooledEncoder().eval()


def _verify_export(torch: Any, module: Any, path: Path) -> None:
    """Run the file on a batch of another shape than the trace's and compare with torch."""
    import onnxruntime as ort

    rng = np.random.default_rng(7)
    lengths = [3, 17, 9]
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int64)
    for row, length in enumerate(lengths):
        ids[row, 0] = 101
        ids[row, 1 : length - 1] = rng.integers(1000, 29000, size=length - 2)
        ids[row, length - 1] = 102
    mask = (ids != 0).astype(np.int64)
    with torch.no_grad():
        expected = module(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask})[0]
    if got.shape != (len(lengths), EMBEDDING_DIM):
        raise RuntimeError(f"ONNX export gives shape {got.shape}, expected (3, {EMBEDDING_DIM})")
    cosine = float(np.min(np.sum(got * expected, axis=1)))
    if cosine < VERIFY_MIN_COSINE:
        raise RuntimeError(f"ONNX export differs from torch (min cosine {cosine:.6f})")


def _quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8: weights per output channel, activations quantised at run time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only MatMul with a constant weight is quantised; per-tensor scales lose too much here
    # (cosine to fp32 fell to ~0.91 on real text, per-channel keeps it above 0.98).
    with _quiet_quantizer():
        quantize_dynamic(
            source,
            target,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


class _QuietQuantizer(logging.Filter):
    """Drops the quantiser's per-tensor notes and its pre-processing hint (root logger only)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return False
        return "pre-processing before quantization" not in record.getMessage()


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """`quantize_dynamic` logs through the root logger: a note per tensor it skips, and a
    `logging.warning` advising pre-processing, which would also install a root handler
    (basicConfig) in a process without one. Its pre-processing changes nothing for this model
    (same cosine, same speed), so drop those records and leave the root logger as it was."""
    root = logging.getLogger()
    hint_filter = _QuietQuantizer()
    placeholder = logging.NullHandler() if not root.handlers else None
    root.addFilter(hint_filter)
    if placeholder is not None:
        root.addHandler(placeholder)
    try:
        yield
    finally:
        root.removeFilter(hint_filter)
        if placeholder is not None:
            root.removeHandler(placeholder)
