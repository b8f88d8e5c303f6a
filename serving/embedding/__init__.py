"""Query-time text embeddings for the API (one model per process, batched, cached)."""

from serving.embedding.query_embedder import QueryEmbedder

__all__ = ["QueryEmbedder"]
