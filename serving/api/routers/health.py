"""Liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from infra.kafka.topics import broker_answers
from serving.api.dependencies import Resources
from serving.api.schemas.health import CheckResult, Liveness, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness, summary="Liveness: the process answers")
async def healthz() -> Liveness:
    return Liveness()


async def _database(resources: Resources) -> CheckResult:
    try:
        async with asyncio.timeout(2.0), resources.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    except Exception as exc:  # any failure means not ready; say which
        return CheckResult(ok=False, detail=f"{type(exc).__name__}: {exc}"[:200])
    return CheckResult(ok=True)


async def _broker(resources: Resources) -> CheckResult:
    bootstrap = resources.publisher.bootstrap
    if bootstrap is None:
        return CheckResult(ok=False, detail="KAFKA_BOOTSTRAP is not set")
    if await broker_answers(bootstrap, within=2.0):
        return CheckResult(ok=True)
    return CheckResult(ok=False, detail=f"no broker answered at {bootstrap}")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: database and broker reachable",
    responses={503: {"model": Readiness}},
)
async def readyz(resources: Resources) -> Response:
    database, broker = await asyncio.gather(_database(resources), _broker(resources))
    readiness = Readiness(
        status="ready" if database.ok and broker.ok else "not_ready",
        checks={"database": database, "broker": broker},
    )
    status = 200 if readiness.status == "ready" else 503
    return JSONResponse(readiness.model_dump(mode="json"), status_code=status)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
