"""Request and response bodies of /v1/storyteller."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from serving.api.schemas.fields import EntityId, Text, WorldIdField
from serving.models.entry import UseCase
from serving.storyteller.context.items import ContextKind

SITUATION_MAX_CHARS = 2_000


class GenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    world_id: WorldIdField
    use_case: UseCase
    situation: Text = Field(
        min_length=1,
        max_length=SITUATION_MAX_CHARS,
        description="what is happening and what is wanted, in plain words",
    )
    npc_id: EntityId | None = Field(
        default=None, description="the NPC who speaks or is concerned: adds its memories"
    )
    max_context_tokens: int | None = Field(
        default=None, ge=0, le=4096, description="token budget of the context items"
    )


class Usage(BaseModel):
    prompt_tokens: int | None
    completion_tokens: int | None
    ttft_ms: float | None = Field(description="time to first token")
    latency_ms: float = Field(description="total time of the answering call")
    estimated_cost_usd: float | None


class GuardrailReport(BaseModel):
    passed: bool
    flags: list[str] = Field(description="`code` or `code:detail`, e.g. `unknown_name:Zorbak`")
    retried: bool = Field(description="a failing first output was retried once")


class ContextItemReport(BaseModel):
    citation_id: str
    kind: ContextKind
    label: int = Field(description="the [n] label the item had in the prompt")
    tokens: int
    cut: bool


class ContextReport(BaseModel):
    budget_tokens: int
    used_tokens: int
    counted_with: str = Field(description="'tokenizer:<model>' or 'chars/4'")
    items: list[ContextItemReport]
    dropped: list[str] = Field(description="citation ids that did not fit")


class AttemptReport(BaseModel):
    tier: str
    endpoint: str | None
    outcome: Literal["answered", "failed"]
    error_code: str | None = None
    reason: str | None = None


class RoutingReport(BaseModel):
    wanted: str = Field(
        description="the tier the use case's policy ranks first when all are healthy"
    )
    order: list[str] = Field(description="the order tiers were tried in")
    reason: str = Field(description="why the router put the first tier first")


class GenerateResponse(BaseModel):
    request_id: UUID
    world_id: str
    use_case: UseCase
    text: str
    citations: list[str] = Field(description="ids of the context items the prompt carried")
    tier: str
    model: str
    usage: Usage
    guardrail: GuardrailReport
    fallback: bool = Field(
        description="another tier than the policy's first choice answered because that tier "
        "was unhealthy, over its objective or failed (a guardrail retry is not a fallback)"
    )
    routing: RoutingReport
    attempts: list[AttemptReport]
    context: ContextReport
