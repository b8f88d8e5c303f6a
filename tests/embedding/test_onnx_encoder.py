"""OnnxEncoder behaviour: shapes, order, normalisation, agreement with torch on the demo lore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from loreline.knowledge import Embedder
from loreline.knowledge.onnx_encoder import OnnxEncoder

pytestmark = pytest.mark.unit

DEMO_LORE = Path(__file__).resolve().parents[2] / "loreline" / "demo_world" / "lore"


def demo_paragraphs(count: int) -> list[str]:
    """Body paragraphs (no front matter, no headings) of the demo world's lore."""
    paragraphs: list[str] = []
    for path in sorted(DEMO_LORE.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        paragraphs += [p.strip() for p in body.split("\n\n") if p.strip() and p[0] != "#"]
    return paragraphs[:count]


def test_import_loads_no_runtime() -> None:
    code = (
        "import sys, loreline.knowledge.onnx_encoder, loreline.knowledge.onnx_export;"
        "print(sorted(m for m in ('torch', 'onnxruntime', 'onnx', 'tokenizers', 'transformers')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_nothing_loads_before_first_use(onnx_cache: Path) -> None:
    encoder = OnnxEncoder(onnx_cache, quantized=True)
    assert not encoder.loaded and encoder.onnx_path is None
    assert encoder.encode([]).shape == (0, 384)
    assert not encoder.loaded  # an empty call needs no model


@pytest.mark.parametrize("quantized", [False, True])
def test_empty_input(onnx_cache: Path, quantized: bool) -> None:
    encoder = OnnxEncoder.prepare(onnx_cache, quantized=quantized)
    out = encoder.encode([])
    assert out.shape == (0, 384) and out.dtype == np.float32


def test_rejects_bad_options(onnx_cache: Path) -> None:
    with pytest.raises(ValueError):
        OnnxEncoder(onnx_cache, intra_op_threads=0)
    with pytest.raises(ValueError):
        OnnxEncoder(onnx_cache, batch_size=0)


TEXTS = [  # lengths deliberately unsorted, a repeat, an over-long text (truncated at 256 tokens)
    "the Brine Compact",
    demo_paragraphs(1)[0],
    "salt",
    "Who keeps the lanterns on the Road Choir, and what do they sing at dusk?",
    "salt",
    "reed " * 600,
]


@pytest.mark.parametrize("quantized", [False, True])
def test_rows_in_input_order_and_normalised(onnx_cache: Path, quantized: bool) -> None:
    encoder = OnnxEncoder.prepare(onnx_cache, quantized=quantized)
    together = encoder.encode(TEXTS)
    assert together.shape == (len(TEXTS), 384) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    one_by_one = np.stack([encoder.encode([text])[0] for text in TEXTS])
    # Each row is nearest to its own text's single embedding (the repeat to either copy).
    nearest = np.argmax(together @ one_by_one.T, axis=1)
    assert [TEXTS[i] for i in nearest] == TEXTS
    np.testing.assert_array_equal(together[2], together[4])
    similarity = together @ together.T
    assert similarity[0, 2] < 0.95 and similarity[1, 3] < 0.95
    assert encoder.encode_one("salt") == pytest.approx(one_by_one[2].tolist(), abs=1e-6)


def test_fp32_rows_do_not_depend_on_the_batch(fp32_encoder: OnnxEncoder) -> None:
    together = fp32_encoder.encode(TEXTS)
    one_by_one = np.stack([fp32_encoder.encode([text])[0] for text in TEXTS])
    # Padding is masked out of attention and of the mean, so only float rounding differs.
    np.testing.assert_allclose(together, one_by_one, atol=2e-5)
    np.testing.assert_allclose(together, fp32_encoder.encode(TEXTS, batch_size=2), atol=2e-5)


def test_int8_rows_depend_on_the_batch_only_slightly(int8_encoder: OnnxEncoder) -> None:
    # Dynamic quantisation scales activations per batch tensor, so a text's int8 row moves a
    # little with its batch companions (measured down to cosine 0.9869 against batch size 1 on
    # 64 FairytaleQA questions); it stays as close to torch either way.
    together = int8_encoder.encode(TEXTS)
    one_by_one = np.stack([int8_encoder.encode([text])[0] for text in TEXTS])
    assert np.sum(together * one_by_one, axis=1).min() >= 0.98
    np.testing.assert_array_equal(
        one_by_one, np.stack([int8_encoder.encode([t])[0] for t in TEXTS])
    )


@pytest.mark.slow  # loads torch and sentence-transformers (several seconds)
def test_fp32_matches_torch_on_demo_lore(
    fp32_encoder: OnnxEncoder, torch_embedder: Embedder
) -> None:
    texts = [*demo_paragraphs(6), "Where do the salvagers sell lantern bronze?", "eels"]
    cosine = np.sum(fp32_encoder.encode(texts) * torch_embedder.encode(texts), axis=1)
    assert cosine.min() >= 0.9999, cosine
