"""GET /v1/models/use-cases and PUT /v1/models/use-cases/{use_case} (admin): the model registry.

The registry is global (not per world): any valid key may read it, a key with the admin role may
change it. A change applies to the next generation request of every API process (each request
reads its entry), without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from serving.api.dependencies import AdminCaller, Caller, Pool
from serving.api.errors import ApiError
from serving.api.schemas.errors import error_responses
from serving.models import store
from serving.models.entry import ModelEntry, ModelEntryUpdate, UseCase
from serving.models.validation import RegistryRejectedError, check_against_tiers
from serving.storyteller.dependencies import Storyteller

router = APIRouter(prefix="/v1/models", tags=["model registry"])

UseCasePath = Annotated[
    str, Path(description=f"one of: {', '.join(use_case.value for use_case in UseCase)}")
]


class TierSummary(BaseModel):
    name: str
    model: str
    price_per_gpu_hour: float
    gpus_per_replica: int
    ttft_objective_ms: float
    max_tokens: int
    endpoints: int = Field(description="replicas known to this API process")


class UseCaseList(BaseModel):
    use_cases: list[ModelEntry]
    tiers: list[TierSummary]


def _use_case(value: str) -> UseCase:
    try:
        return UseCase(value)
    except ValueError as exc:
        known = ", ".join(use_case.value for use_case in UseCase)
        raise ApiError(
            404, "unknown_use_case", f"no use case {value!r}; use cases: {known}"
        ) from exc


@router.get(
    "/use-cases",
    response_model=UseCaseList,
    summary="Every use case's model, tier policy, sampling parameters and objective",
    responses=error_responses(401, 503),
)
async def list_use_cases(caller: Caller, pool: Pool, storyteller: Storyteller) -> UseCaseList:
    async with pool.acquire() as conn:
        entries = await store.list_entries(conn)
    directory = storyteller.gateway.directory
    return UseCaseList(
        use_cases=entries,
        tiers=[
            TierSummary(
                name=tier.name,
                model=tier.model,
                price_per_gpu_hour=tier.price_per_gpu_hour,
                gpus_per_replica=tier.gpus_per_replica,
                ttft_objective_ms=tier.ttft_objective_ms,
                max_tokens=tier.max_tokens,
                endpoints=len(directory.endpoints(tier.name)),
            )
            for tier in storyteller.tiers.values()
        ],
    )


@router.get(
    "/use-cases/{use_case}",
    response_model=ModelEntry,
    summary="One use case's registry entry",
    responses=error_responses(401, 404),
)
async def get_use_case(use_case: UseCasePath, caller: Caller, pool: Pool) -> ModelEntry:
    wanted = _use_case(use_case)
    async with pool.acquire() as conn:
        entry = await store.get_entry(conn, wanted)
    if entry is None:
        raise ApiError(404, "use_case_not_configured", f"the registry has no {wanted.value!r}")
    return entry


@router.put(
    "/use-cases/{use_case}",
    response_model=ModelEntry,
    summary="Replace a use case's settings (admin); applies to the next request",
    responses=error_responses(401, 403, 404, 409, 422, 503),
)
async def put_use_case(
    use_case: UseCasePath,
    body: ModelEntryUpdate,
    caller: AdminCaller,
    pool: Pool,
    storyteller: Storyteller,
) -> ModelEntry:
    wanted = _use_case(use_case)
    try:
        check_against_tiers(body, storyteller.tiers)
    except RegistryRejectedError as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    try:
        async with pool.acquire() as conn:
            return await store.replace_entry(conn, wanted, body, updated_by=caller.key_id)
    except store.VersionConflictError as exc:
        raise ApiError(
            409,
            "version_conflict",
            f"{wanted.value} changed since version {exc.expected} (now {exc.stored}); "
            "read it again and retry",
        ) from exc
