"""ApiSettings: the one configuration class of the query API, read when the app is built."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    """Environment variables `LORELINE_API_<FIELD>`; the shared servers also answer to
    `DATABASE_URL` and `KAFKA_BOOTSTRAP`."""

    model_config = SettingsConfigDict(
        env_prefix="LORELINE_API_", extra="ignore", populate_by_name=True
    )

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LORELINE_API_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="PostgreSQL URL; required",
    )
    kafka_bootstrap: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "LORELINE_API_KAFKA_BOOTSTRAP", "KAFKA_BOOTSTRAP", "kafka_bootstrap"
        ),
        description="Kafka bootstrap servers for POST /v1/events; ingest answers 503 without it",
    )
    ingest_topic: str = "game-events"
    ingest_encoding: Literal["application/msgpack", "application/json"] = "application/msgpack"
    apply_migrations: bool = Field(
        default=False, description="apply pending migrations at start (else `loreline up` does)"
    )
    pool_min_size: int = Field(default=2, ge=1, le=100)
    pool_max_size: int = Field(default=10, ge=1, le=200)
    statement_timeout_ms: int = Field(default=5_000, ge=100, le=600_000)

    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    key_cache_seconds: float = Field(
        default=5.0, ge=0.0, description="how long a looked-up key row is reused in-process"
    )
    cache_purge_seconds: float = Field(
        default=60.0, gt=0.0, description="interval of the expired cache entry purge"
    )

    embedding_model_dir: str | None = Field(
        default=None, description="all-MiniLM-L6-v2 folder; default: the packaged model"
    )
    preload_embedder: bool = Field(default=True, description="load the model before serving")
    query_encoder: Literal["onnx", "onnx-int8", "torch"] = Field(
        default="onnx",
        description="how queries are embedded: ONNX Runtime fp32 (same vectors as torch, ~3x"
        " faster per query), its int8 variant (~6x faster, cosine >= 0.985 to torch, varies"
        " slightly with the batch), or sentence-transformers on torch",
    )
    cache_dir: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LORELINE_API_CACHE_DIR", "LORELINE_CACHE", "cache_dir"),
        description="shared cache folder; the ONNX export is kept under its models/ (default"
        " .loreline/cache)",
    )
    torch_threads: int | None = Field(
        default=1,
        ge=1,
        description="intra-op threads of the query encoder per process (None: torch default)",
    )
    query_cache_size: int = Field(default=2_048, ge=0, description="query embeddings kept (LRU)")
    embed_batch_max: int = Field(default=32, ge=1, le=256)

    memory_decay_per_hour: float = Field(default=0.995, gt=0.0, lt=1.0)
    memory_weight_recency: float = Field(default=1.0, ge=0.0, le=10.0)
    memory_weight_importance: float = Field(default=1.0, ge=0.0, le=10.0)
    memory_weight_relevance: float = Field(default=1.0, ge=0.0, le=10.0)
    memory_scan_events: int = Field(
        default=20_000, ge=100, description="newest events of the world scanned for memories"
    )
    memory_candidates: int = Field(default=200, ge=10, le=2_000)

    expose_docs: bool = True
