"""What the lifespan opens and the handlers use: one `ApiResources` per running app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serving.api.metrics import ApiMetrics
from serving.api.settings import ApiSettings
from serving.embedding import QueryEmbedder
from serving.ingest.publisher import EventPublisher
from serving.security.authenticator import KeyAuthenticator
from serving.storyteller.resources import StorytellerResources


@dataclass
class ApiResources:
    settings: ApiSettings
    pool: Any  # asyncpg.Pool
    authenticator: KeyAuthenticator
    embedder: QueryEmbedder
    publisher: EventPublisher
    metrics: ApiMetrics
    storyteller: StorytellerResources | None = None
