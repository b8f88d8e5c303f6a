"""Fitting context into a token budget, and how large that budget may be."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.models.entry import UseCase
from serving.storyteller.context import ContextItem, ContextKind, fit_context
from serving.storyteller.context.budget import interleave, line_cost
from serving.storyteller.prompt import KIND_ORDER, context_budget, prompt_frame
from serving.storyteller.token_count import (
    CharEstimateCounter,
    TokenizerCounter,
    load_counter,
)

pytestmark = pytest.mark.unit

COUNTER = CharEstimateCounter()
ORDER = KIND_ORDER[UseCase.NPC_DIALOGUE]  # memory, state, lore, history, event


def item(citation: str, kind: ContextKind, words: int) -> ContextItem:
    return ContextItem(citation, kind, " ".join(["salt"] * words))


def test_chars_over_four_estimate() -> None:
    assert COUNTER.count("") == 0
    assert COUNTER.count("abcd") == 1
    assert COUNTER.count("abcde") == 2
    assert COUNTER.truncate("the tide comes in fast", 3) == "the tide"


def test_items_interleave_by_kind_in_the_use_case_order() -> None:
    items = [
        item("lore-1", ContextKind.LORE, 3),
        item("lore-2", ContextKind.LORE, 3),
        item("memory-1", ContextKind.MEMORY, 3),
        item("state:world", ContextKind.STATE, 3),
        item("memory-2", ContextKind.MEMORY, 3),
    ]
    ordered = [i.citation_id for i in interleave(items, ORDER)]
    assert ordered == ["memory-1", "state:world", "lore-1", "memory-2", "lore-2"]


def test_everything_fits_in_a_large_budget_labelled_in_order() -> None:
    items = [item(f"lore-{n}", ContextKind.LORE, 5) for n in range(3)]
    fitted = fit_context(items, 1_000, COUNTER, ORDER)
    assert fitted.citations == ["lore-0", "lore-1", "lore-2"]
    assert [p.label for p in fitted.placed] == [1, 2, 3]
    assert fitted.lines()[0] == "[1] salt salt salt salt salt"
    assert fitted.used_tokens == sum(p.tokens for p in fitted.placed) <= 1_000
    assert fitted.dropped == ()


def test_the_budget_is_never_exceeded_and_kinds_share_it() -> None:
    items = [item(f"lore-{n}", ContextKind.LORE, 200) for n in range(4)]
    items += [item(f"memory-{n}", ContextKind.MEMORY, 10) for n in range(4)]
    fitted = fit_context(items, 300, COUNTER, ORDER)
    assert fitted.used_tokens <= 300
    kinds = {p.item.kind for p in fitted.placed}
    assert kinds == {ContextKind.LORE, ContextKind.MEMORY}
    # memory lines cost 14 tokens, lore lines 251: lore-0 fits once, the memories around it
    assert fitted.citations == ["memory-0", "lore-0", "memory-1", "memory-2"]
    assert fitted.dropped == ("lore-1", "lore-2", "memory-3", "lore-3")


def test_a_long_item_is_cut_to_the_room_left_when_enough_remains() -> None:
    items = [item("memory-1", ContextKind.MEMORY, 10), item("lore-1", ContextKind.LORE, 400)]
    fitted = fit_context(items, 120, COUNTER, ORDER)
    lore = next(p for p in fitted.placed if p.item.citation_id == "lore-1")
    assert lore.cut and lore.tokens <= 120 - fitted.placed[0].tokens
    assert fitted.used_tokens <= 120


def test_too_little_room_skips_rather_than_cuts() -> None:
    items = [item("lore-1", ContextKind.LORE, 400), item("state:world", ContextKind.STATE, 3)]
    fitted = fit_context(items, 20, COUNTER, KIND_ORDER[UseCase.NARRATION], min_cut_tokens=24)
    assert fitted.citations == ["state:world"]
    assert fitted.dropped == ("lore-1",)


def test_zero_budget_and_duplicates() -> None:
    items = [item("lore-1", ContextKind.LORE, 3), item("lore-1", ContextKind.LORE, 3)]
    assert fit_context(items, 0, COUNTER, ORDER).placed == ()
    assert fit_context(items, 100, COUNTER, ORDER).citations == ["lore-1"]


def test_line_cost_counts_label_and_newline() -> None:
    assert line_cost(COUNTER, "abcd") == COUNTER.count("[99] abcd\n")


def test_context_budget_is_capped_by_the_model_context() -> None:
    assert context_budget(None, 768, 2048, 96, 200, 16) == 768
    assert context_budget(300, 768, 2048, 96, 200, 16) == 300
    assert context_budget(4000, 768, 2048, 96, 200, 16) == 2048 - 96 - 200 - 16
    assert context_budget(None, 768, 2048, 1024, 1100, 16) < 0


def test_prompt_frame_names_the_speaker_and_carries_the_situation() -> None:
    frame = prompt_frame(
        UseCase.NPC_DIALOGUE, "A stranger asks\nabout salt.", "The Saltmarch", "Maud Ferrow"
    )
    messages = frame.messages(["[1] The pans flood at spring tide."])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "You are Maud Ferrow" in messages[0]["content"]
    assert "[1] The pans flood" in messages[1]["content"]
    assert "Situation: A stranger asks about salt." in messages[1]["content"]
    assert frame.fixed_tokens(COUNTER) > COUNTER.count(messages[0]["content"])


def test_the_models_tokenizer_is_used_when_available(repo_root: Path) -> None:
    tokenizer = (
        repo_root / ".loreline" / "cache" / "models" / "smollm2-135m-instruct" / "tokenizer.json"
    )
    assert isinstance(load_counter(None), CharEstimateCounter)
    assert isinstance(load_counter(tokenizer.parent / "missing.json"), CharEstimateCounter)
    if not tokenizer.is_file():
        pytest.skip("the converted SmolLM2 is not in the model cache")
    counter = load_counter(tokenizer)
    assert isinstance(counter, TokenizerCounter)
    text = "Maud Ferrow keeps the salt pans of Brinehold, and she is wary of strangers."
    assert 10 <= counter.count(text) <= 2 * COUNTER.count(text)
    cut = counter.truncate(text, 5)
    assert text.startswith(cut) and counter.count(cut) <= 5
