"""The chat messages of a generation: a short system message per use case and a user message
holding the labelled context and the situation. Also how large the context may be."""

from __future__ import annotations

from dataclasses import dataclass

from serving.models.entry import UseCase
from serving.storyteller.context.items import ContextKind
from serving.storyteller.guardrails.policy import policy_for
from serving.storyteller.token_count import (
    MESSAGE_OVERHEAD_TOKENS,
    REPLY_PRIMER_TOKENS,
    TokenCounter,
)

KIND_ORDER: dict[UseCase, tuple[ContextKind, ...]] = {
    UseCase.NPC_DIALOGUE: (
        ContextKind.MEMORY,
        ContextKind.STATE,
        ContextKind.LORE,
        ContextKind.HISTORY,
        ContextKind.EVENT,
    ),
    UseCase.NARRATION: (
        ContextKind.LORE,
        ContextKind.STATE,
        ContextKind.HISTORY,
        ContextKind.EVENT,
        ContextKind.MEMORY,
    ),
    UseCase.QUEST_TEXT: (
        ContextKind.LORE,
        ContextKind.STATE,
        ContextKind.HISTORY,
        ContextKind.MEMORY,
        ContextKind.EVENT,
    ),
    UseCase.SUMMARISATION: (
        ContextKind.HISTORY,
        ContextKind.EVENT,
        ContextKind.STATE,
        ContextKind.MEMORY,
        ContextKind.LORE,
    ),
}

_GROUNDING = (
    "Use only the names and facts in the numbered context; never invent people or places. "
    "Plain prose only: no headings, lists, labels or notes."
)


@dataclass(frozen=True, slots=True)
class PromptFrame:
    """Everything in the prompt except the context lines."""

    system: str
    situation: str
    instruction: str

    def user_message(self, context_lines: list[str]) -> str:
        context = "\n".join(context_lines) if context_lines else "(nothing known)"
        return f"Context:\n{context}\n\nSituation: {self.situation}\n\n{self.instruction}"

    def messages(self, context_lines: list[str]) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.user_message(context_lines)},
        ]

    def fixed_tokens(self, counter: TokenCounter) -> int:
        """Tokens of the prompt without context lines, chat markup included."""
        return (
            counter.count(self.system)
            + counter.count(self.user_message([]))
            + 2 * MESSAGE_OVERHEAD_TOKENS
            + REPLY_PRIMER_TOKENS
        )


def prompt_frame(
    use_case: UseCase, situation: str, world_name: str, npc_name: str | None
) -> PromptFrame:
    limit = policy_for(use_case).max_sentences
    situation = " ".join(situation.split())
    match use_case:
        case UseCase.NPC_DIALOGUE:
            speaker = npc_name or "a local"
            system = (
                f"You are {speaker}, a person living in {world_name}. Answer with the words "
                f"{speaker} says aloud, in the first person, in at most {limit - 1} short "
                f"sentences. {_GROUNDING}"
            )
            instruction = f"What does {speaker} say?"
        case UseCase.NARRATION:
            system = (
                f"You are the narrator of {world_name}. Describe the scene in the present tense "
                f"in at most {limit - 2} sentences. {_GROUNDING}"
            )
            instruction = "Narrate the scene."
        case UseCase.QUEST_TEXT:
            system = (
                f"You write quest descriptions for {world_name}: what happened, what is asked "
                f"and why, in at most {limit - 2} sentences. {_GROUNDING}"
            )
            instruction = "Write the quest text."
        case UseCase.SUMMARISATION:
            system = (
                f"You summarise what happened in {world_name}, in at most {limit - 2} plain "
                f"sentences. {_GROUNDING}"
            )
            instruction = "Summarise."
    return PromptFrame(system=system, situation=situation, instruction=instruction)


def context_budget(
    requested: int | None,
    default: int,
    model_context: int,
    max_tokens: int,
    fixed_tokens: int,
    margin: int,
) -> int:
    """Context tokens allowed: the request's (or the default) within what the model's context
    leaves after the fixed prompt, the completion and a margin; negative when even an empty
    context does not fit."""
    room = model_context - max_tokens - fixed_tokens - margin
    wanted = default if requested is None else requested
    return min(wanted, room)
