"""How failed tier calls are reported to the caller (503 `all_tiers_failed` details)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from serving.llm.errors import TierError, TierRequestRejected, TierTimeout, TierUnavailable


def error_code(error: TierError) -> str:
    if isinstance(error, TierTimeout):
        return "tier_timeout"
    if isinstance(error, TierUnavailable):
        return "tier_unavailable"
    if isinstance(error, TierRequestRejected):
        return "tier_rejected"
    return "tier_error"


def failure_details(errors: Sequence[TierError]) -> list[dict[str, Any]]:
    """One entry per failed call: tier, endpoint, code and reason."""
    return [
        {
            "tier": error.tier,
            "endpoint": error.endpoint,
            "code": error_code(error),
            "reason": error.reason,
        }
        for error in errors
    ]
