"""What an NPC observed: one line of text per stored event, as the NPC would remember it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RENDERER_VERSION = 1
"""Bump when the text changes: stored memory embeddings of older versions are recomputed."""


def _at(payload: Mapping[str, Any]) -> str:
    place = payload.get("location") or payload.get("to_location")
    return f" at {place}" if place else ""


def _because(payload: Mapping[str, Any]) -> str:
    reason = payload.get("reason")
    return f" because {reason}" if reason else ""


def _listeners(payload: Mapping[str, Any]) -> str:
    listeners = payload.get("listeners") or []
    return ", ".join(str(name) for name in listeners) if listeners else "anyone nearby"


def observation_text(event_type: str, actor: str | None, payload: Mapping[str, Any]) -> str:
    """A short sentence for an event (what gets embedded and returned as the memory)."""
    who = actor or "someone"
    p = payload
    match event_type:
        case "dialogue.line":
            return f'{p.get("speaker", who)} said to {_listeners(p)}{_at(p)}: "{p.get("text", "")}"'
        case "npc.relationship_changed":
            delta = float(p.get("delta", 0.0))
            feeling = "warmed to" if delta >= 0 else "cooled towards"
            return f"{p.get('npc_id')} {feeling} {p.get('player_id')} ({delta:+g}){_because(p)}"
        case "npc.state_changed":
            changes = ", ".join(
                f"{name} {p[name]}" for name in ("status", "location", "mood") if p.get(name)
            )
            return f"{p.get('npc_id')} changed: {changes or 'state'}"
        case "quest.started":
            return f"{who} started the quest {p.get('quest_id')}"
        case "quest.progressed":
            objective = f" ({p['objective']})" if p.get("objective") else ""
            return f"{who} reached step {p.get('step')} of {p.get('quest_id')}{objective}"
        case "quest.completed":
            reward = f" and earned {p['reward_gold']} gold" if p.get("reward_gold") else ""
            return f"{who} completed the quest {p.get('quest_id')}{reward}"
        case "quest.failed":
            return f"{who} failed the quest {p.get('quest_id')}{_because(p)}"
        case "faction.reputation_changed":
            return (
                f"{p.get('player_id')}'s standing with {p.get('faction_id')} changed by "
                f"{float(p.get('delta', 0.0)):+g}{_because(p)}"
            )
        case "player.action":
            target = f" {p['target']}" if p.get("target") else ""
            return f"{who} did {p.get('action')}{target}{_at(p)}"
        case "player.moved":
            origin = f" from {p['from_location']}" if p.get("from_location") else ""
            return f"{who} went{origin} to {p.get('to_location')}"
        case "economy.trade":
            return (
                f"{p.get('buyer') or who} bought {p.get('quantity')} {p.get('item')} from "
                f"{p.get('seller') or 'a trader'} at {p.get('unit_price')} each{_at(p)}"
            )
        case "economy.price_changed":
            return f"the price of {p.get('item')} became {p.get('price')}{_at(p)}"
        case "session.joined":
            return f"{who} arrived{_at(p)}"
        case "session.left":
            return f"{who} left{_because(p)}"
        case _:
            details = ", ".join(f"{name} {value}" for name, value in sorted(p.items()))
            return f"{who}: {event_type} {details}".strip()


def participation(npc_id: str, actor: str | None, payload: Mapping[str, Any]) -> str:
    """How the NPC took part: speaker, actor, subject (payload npc_id), listener or witness."""
    if payload.get("speaker") == npc_id:
        return "speaker"
    if actor == npc_id:
        return "actor"
    if payload.get("npc_id") == npc_id:
        return "subject"
    listeners = payload.get("listeners")
    if isinstance(listeners, list) and npc_id in listeners:
        return "listener"
    return "witness"
