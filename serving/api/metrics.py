"""Prometheus metrics of one app: request counts and latency per route template.

Each app owns its `CollectorRegistry` (no process-global collectors), served at `/metrics`.
The middleware is plain ASGI and reads the matched route template (`/v1/worlds/{world_id}/state`)
from the scope after routing, so label cardinality stays bounded.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "loreline_api_requests",
            "HTTP requests by method, route template and status code",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "loreline_api_request_duration_seconds",
            "HTTP request latency by method and route template",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "loreline_api_ingest_events",
            "Events received by POST /v1/events by outcome",
            ("outcome",),
            registry=self.registry,
        )


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observe_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observe_send)
        finally:
            route = route_template(scope)
            method = str(scope.get("method", "GET"))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
