"""Checks on generated text before it reaches a game: format limits per use case, a blocklist and
a lore check against the world's known names. `check_output` runs them all."""

from serving.storyteller.guardrails.blocklist import Blocklist
from serving.storyteller.guardrails.checker import GuardrailInputs, check_output
from serving.storyteller.guardrails.lore_check import KnownNames
from serving.storyteller.guardrails.outcome import GuardrailOutcome
from serving.storyteller.guardrails.policy import FormatPolicy, policy_for

__all__ = [
    "Blocklist",
    "FormatPolicy",
    "GuardrailInputs",
    "GuardrailOutcome",
    "KnownNames",
    "check_output",
    "policy_for",
]
