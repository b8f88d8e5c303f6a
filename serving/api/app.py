"""The app factory. `uvicorn serving.api.app:create_app --factory` runs it with settings from the
environment; tests pass `ApiSettings(...)`. Routers are listed once, in `ROUTERS`: add a domain
(e.g. the storyteller's `POST /v1/storyteller/generate`) by appending its router there."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from serving.api.body_limit import BodyLimitMiddleware
from serving.api.errors import install_error_handlers
from serving.api.lifespan import lifespan
from serving.api.metrics import ApiMetrics, MetricsMiddleware
from serving.api.routers import admin, cache, events, health, history, knowledge, memory, state
from serving.api.settings import ApiSettings
from serving.models import routes as model_routes
from serving.storyteller import routes as storyteller_routes

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    knowledge.router,
    state.router,
    history.router,
    memory.router,
    cache.router,
    events.router,
    admin.router,
    storyteller_routes.router,
    model_routes.router,
)

API_VERSION = "1.0.0"


def create_app(
    settings: ApiSettings | None = None, *, extra_routers: Sequence[APIRouter] = ()
) -> FastAPI:
    """A new app; nothing connects until its lifespan starts."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="Loreline storyteller API",
        version=API_VERSION,
        summary="Knowledge, world state, history and NPC memory of game worlds, per world.",
        lifespan=lifespan,
        docs_url="/docs" if settings.expose_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.expose_docs else None,
    )
    app.state.settings = settings
    app.state.metrics = ApiMetrics()
    install_error_handlers(app)
    for router in (*ROUTERS, *extra_routers):
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app
