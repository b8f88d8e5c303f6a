"""Writing `inference_log` rows: one per call to a tier endpoint, successful or not."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

log = logging.getLogger(__name__)

_INSERT = """
INSERT INTO inference_log
    (request_id, attempt, world_id, use_case, key_id, tier, endpoint, model, registry_version,
     streamed, prompt_tokens, completion_tokens, ttft_ms, latency_ms, estimated_cost_usd,
     guardrail_passed, guardrail_flags, fallback_used, error_code, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
"""


@dataclass(frozen=True, slots=True)
class InferenceRecord:
    request_id: UUID
    attempt: int
    world_id: str
    use_case: str
    key_id: str | None
    tier: str
    endpoint: str
    model: str
    registry_version: int | None
    streamed: bool
    latency_ms: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft_ms: float | None = None
    estimated_cost_usd: float | None = None
    guardrail_passed: bool | None = None
    guardrail_flags: tuple[str, ...] = field(default=())
    fallback_used: bool = False
    error_code: str | None = None
    error: str | None = None


async def write_record(pool: Any, record: InferenceRecord) -> bool:
    """Insert one row; a failure is logged and reported as False, never raised (the answer to
    the game matters more than its log line)."""
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                _INSERT,
                record.request_id,
                record.attempt,
                record.world_id,
                record.use_case,
                record.key_id,
                record.tier,
                record.endpoint,
                record.model,
                record.registry_version,
                record.streamed,
                record.prompt_tokens,
                record.completion_tokens,
                record.ttft_ms,
                record.latency_ms,
                record.estimated_cost_usd,
                record.guardrail_passed,
                list(record.guardrail_flags),
                record.fallback_used,
                record.error_code,
                (record.error or "")[:1000] or None,
            )
    except Exception as exc:  # the database may be down; the generation itself succeeded
        log.warning("inference_log write failed for %s: %s", record.request_id, exc)
        return False
    return True
