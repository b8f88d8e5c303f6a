"""Importance of an observation, 0..1, from its event type and magnitude (a fixed heuristic in
place of asking a language model to rate "poignancy")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_BASE = {
    "quest.completed": 0.75,
    "quest.failed": 0.75,
    "quest.started": 0.5,
    "quest.progressed": 0.4,
    "npc.relationship_changed": 0.3,
    "faction.reputation_changed": 0.25,
    "npc.state_changed": 0.35,
    "dialogue.line": 0.3,
    "player.action": 0.25,
    "economy.trade": 0.2,
    "payment.purchase": 0.1,
    "economy.price_changed": 0.1,
    "session.joined": 0.1,
    "session.left": 0.1,
    "player.moved": 0.05,
    "weather.changed": 0.05,
    "clock.tick": 0.0,
}
# Directly involved beats overheard.
_PARTICIPATION = {"actor": 1.0, "speaker": 1.0, "subject": 1.0, "listener": 0.9, "witness": 0.6}


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _scaled(value: float, full: float) -> float:
    return min(abs(value) / full, 1.0)


def importance(event_type: str, payload: Mapping[str, Any], role: str) -> float:
    score = _BASE.get(event_type, 0.2)
    match event_type:
        case "npc.relationship_changed":
            score += 0.6 * _scaled(_number(payload.get("delta")), 50.0)
        case "faction.reputation_changed":
            score += 0.5 * _scaled(_number(payload.get("delta")), 50.0)
        case "quest.completed":
            score += 0.25 * _scaled(_number(payload.get("reward_gold")), 500.0)
        case "economy.trade":
            total = _number(payload.get("quantity")) * _number(payload.get("unit_price"))
            score += 0.3 * _scaled(total, 1000.0)
        case "dialogue.line":
            score += 0.2 * _scaled(len(str(payload.get("text", ""))), 400.0)
    return max(0.0, min(1.0, score * _PARTICIPATION.get(role, 0.6)))
