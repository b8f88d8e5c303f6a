"""Format limits per use case: how long an output may be and what it may not contain."""

from __future__ import annotations

from dataclasses import dataclass

from serving.models.entry import UseCase


@dataclass(frozen=True, slots=True)
class FormatPolicy:
    max_sentences: int
    max_chars: int
    allow_lists: bool = True  # markdown bullet / numbered lines


_POLICIES = {
    UseCase.NPC_DIALOGUE: FormatPolicy(max_sentences=4, max_chars=500, allow_lists=False),
    UseCase.NARRATION: FormatPolicy(max_sentences=10, max_chars=1400),
    UseCase.QUEST_TEXT: FormatPolicy(max_sentences=8, max_chars=1100),
    UseCase.SUMMARISATION: FormatPolicy(max_sentences=6, max_chars=900),
}


def policy_for(use_case: UseCase) -> FormatPolicy:
    return _POLICIES[use_case]
