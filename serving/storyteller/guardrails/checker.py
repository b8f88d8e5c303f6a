"""`check_output`: every guardrail on one generated text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from serving.models.entry import UseCase
from serving.storyteller.guardrails.blocklist import Blocklist
from serving.storyteller.guardrails.format_checks import format_flags
from serving.storyteller.guardrails.lore_check import KnownNames, unknown_names
from serving.storyteller.guardrails.outcome import GuardrailOutcome
from serving.storyteller.guardrails.policy import policy_for


@dataclass(frozen=True, slots=True)
class GuardrailInputs:
    """What the checks compare an output with: the world's names, the prompt's own texts (context
    items and situation: names the model was given are not invented), the lists in force."""

    known: KnownNames
    prompt_texts: Sequence[str]
    blocklist: Blocklist
    common_words: frozenset[str]


def check_output(text: str, use_case: UseCase, inputs: GuardrailInputs) -> GuardrailOutcome:
    flags = format_flags(text, policy_for(use_case))
    flags += [f"blocklisted:{term}" for term in inputs.blocklist.matches(text)]
    known = inputs.known.extended(inputs.prompt_texts)
    flags += [f"unknown_name:{name}" for name in unknown_names(text, known, inputs.common_words)]
    return GuardrailOutcome(tuple(flags))
