"""Start-up and shut-down of one app: database pool, key authenticator, embedder, publisher and
the cache purge, all opened here (never at import) and closed in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import FastAPI

from loreline.contract import Encoding
from loreline.db import apply_migrations_async, create_pool
from serving.api.metrics import ApiMetrics
from serving.api.resources import ApiResources
from serving.api.settings import ApiSettings
from serving.embedding import QueryEmbedder
from serving.embedding.encoders import query_encoder
from serving.ingest.publisher import EventPublisher
from serving.queries.cache import purge_expired
from serving.security.authenticator import KeyAuthenticator
from serving.storyteller.resources import StorytellerResources, open_storyteller

log = logging.getLogger(__name__)


def with_statement_timeout(dsn: str, timeout_ms: int) -> str:
    """The DSN with `statement_timeout` as a server setting (asyncpg passes unknown query
    parameters to the server), unless the DSN already sets one."""
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("statement_timeout", str(timeout_ms))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def _purge_loop(pool: object, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with pool.acquire() as conn:  # type: ignore[attr-defined]
                removed = await purge_expired(conn)
            if removed:
                log.info("purged %d expired cache entries", removed)
        except Exception as exc:  # a failed purge is retried at the next tick
            log.warning("cache purge failed: %s", exc)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ApiSettings = app.state.settings
    metrics: ApiMetrics = app.state.metrics
    if not settings.database_url:
        raise RuntimeError(
            "the API needs a database: set DATABASE_URL (or LORELINE_API_DATABASE_URL)"
        )
    if settings.apply_migrations:
        applied = await apply_migrations_async(settings.database_url)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
    pool = await create_pool(
        with_statement_timeout(settings.database_url, settings.statement_timeout_ms),
        min_size=settings.pool_min_size,
        max_size=max(settings.pool_max_size, settings.pool_min_size),
    )
    embedder = QueryEmbedder(
        query_encoder(settings),
        cache_size=settings.query_cache_size,
        max_batch=settings.embed_batch_max,
    )
    publisher = EventPublisher(
        settings.kafka_bootstrap,
        topic=settings.ingest_topic,
        encoding=Encoding(settings.ingest_encoding),
    )
    purge: asyncio.Task[None] | None = None
    storyteller: StorytellerResources | None = None
    try:
        await embedder.start(warm=settings.preload_embedder)
        storyteller = await open_storyteller()
        purge = asyncio.create_task(_purge_loop(pool, settings.cache_purge_seconds))
        app.state.resources = ApiResources(
            settings=settings,
            pool=pool,
            authenticator=KeyAuthenticator(pool, settings.key_cache_seconds),
            embedder=embedder,
            publisher=publisher,
            metrics=metrics,
            storyteller=storyteller,
        )
        yield
    finally:
        if purge is not None:
            purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purge
        if storyteller is not None:
            await storyteller.close()
        await publisher.close()
        await embedder.stop()
        await pool.close()
