"""What can go wrong when a tier is called; the router falls back on the first two kinds."""

from __future__ import annotations


class TierError(Exception):
    """A call to one endpoint of one tier failed."""

    def __init__(self, tier: str, endpoint: str | None, reason: str) -> None:
        self.tier = tier
        self.endpoint = endpoint
        self.reason = reason
        where = f"{tier} ({endpoint})" if endpoint else tier
        super().__init__(f"tier {where}: {reason}")


class TierUnavailable(TierError):
    """No endpoint, connection refused, or a 5xx/429 answer: another tier may serve the call."""


class TierTimeout(TierError):
    """No first token, or no complete answer, within the time allowed."""


class TierRequestRejected(TierError):
    """The tier refused the request itself (4xx, e.g. a prompt longer than the context)."""


class AllTiersFailed(Exception):
    """Every tier in the fallback order failed; `errors` holds each tier's error, in order."""

    def __init__(self, errors: list[TierError]) -> None:
        self.errors = errors
        detail = "; ".join(str(error) for error in errors) or "no tier to try"
        super().__init__(f"all tiers failed: {detail}")
