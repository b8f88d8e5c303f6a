"""The query encoder an API process uses, chosen by `ApiSettings.query_encoder`."""

from __future__ import annotations

from pathlib import Path

from loreline.knowledge.embedder import get_embedder
from loreline.knowledge.onnx_encoder import OnnxEncoder
from loreline.state import StateLayout
from serving.api.settings import ApiSettings
from serving.embedding.query_embedder import TextEncoder
from serving.embedding.torch_threads import ThreadLimitedEncoder


def query_encoder(settings: ApiSettings) -> TextEncoder:
    """Nothing loads here: the ONNX export (once per cache, a few seconds) and the model load
    happen on the first encode, which `QueryEmbedder.start(warm=True)` does before serving."""
    if settings.query_encoder == "torch":
        return ThreadLimitedEncoder(
            get_embedder(settings.embedding_model_dir), settings.torch_threads
        )
    cache = Path(settings.cache_dir) if settings.cache_dir else Path(".loreline") / "cache"
    return OnnxEncoder(
        StateLayout(home=cache.parent, cache=cache).models_dir,
        settings.embedding_model_dir,
        quantized=settings.query_encoder == "onnx-int8",
        intra_op_threads=settings.torch_threads or 1,
    )
