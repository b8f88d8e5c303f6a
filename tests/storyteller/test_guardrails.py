"""Guardrails on generated text: format limits, blocklist, lore check."""

from __future__ import annotations

from pathlib import Path

import pytest

from loreline.demo_world import load_demo_world
from serving.models.entry import UseCase
from serving.storyteller.guardrails import (
    Blocklist,
    GuardrailInputs,
    KnownNames,
    check_output,
    policy_for,
)
from serving.storyteller.guardrails.blocklist import DEFAULT_BLOCKLIST
from serving.storyteller.guardrails.format_checks import count_sentences, format_flags
from serving.storyteller.guardrails.lore_check import load_common_words, unknown_names

pytestmark = pytest.mark.unit

COMMON = load_common_words()


def saltmarch_inputs(*prompt_texts: str, blocklist: Blocklist | None = None) -> GuardrailInputs:
    names = load_demo_world().entity_names()
    return GuardrailInputs(
        known=KnownNames.from_names(names.values(), ids=names),
        prompt_texts=list(prompt_texts),
        blocklist=blocklist or Blocklist.from_file(DEFAULT_BLOCKLIST),
        common_words=COMMON,
    )


def test_sentences_are_counted_with_a_trailing_unfinished_one() -> None:
    assert count_sentences("Aye. The tide turns! Watch the pans? And then") == 4
    assert count_sentences('"Go home," she said. "Now."') == 2
    assert count_sentences("") == 0


def test_npc_dialogue_is_held_to_few_sentences_and_no_lists() -> None:
    policy = policy_for(UseCase.NPC_DIALOGUE)
    long = " ".join(f"Sentence {i} is here." for i in range(policy.max_sentences + 1))
    assert "too_many_sentences" in format_flags(long, policy)
    assert "markdown_list" in format_flags("Listen:\n- salt\n- eels", policy)
    assert "markdown_list" not in format_flags("Listen:\n- salt", policy_for(UseCase.NARRATION))
    assert format_flags("Mind the causeway at dusk.", policy) == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Assistant: The tide is high.", "role_marker"),
        ("The tide is high.\nuser: and then?", "role_marker"),
        ("The tide is high.<|im_end|>", "role_marker"),
        ("## The Tide\nIt is high.", "markdown_heading"),
        ("```\ncode\n```", "code_block"),
        ("   ", "empty"),
        ("x" * 600, "too_long"),
    ],
)
def test_format_flags(text: str, flag: str) -> None:
    assert flag in format_flags(text, policy_for(UseCase.NPC_DIALOGUE))


def test_blocklist_matches_whole_words_and_phrases_ignoring_case() -> None:
    blocklist = Blocklist(["as an AI", "computer", "ai"])
    assert blocklist.matches("As  an AI, I would rather not, said the ai.") == ["as an ai", "ai"]
    assert blocklist.matches("The rain fell on the Computer.") == ["computer"]
    assert blocklist.matches("Rain and chairs, certain maids.") == []


def test_blocklist_file_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "blocklist.yaml"
    path.write_text("- dragon\n- wizard hat\n")
    assert Blocklist.from_file(path).terms == ("dragon", "wizard hat")
    path.write_text("dragon: 1\n")
    with pytest.raises(ValueError, match="YAML list of strings"):
        Blocklist.from_file(path)


def test_lore_check_flags_invented_names_but_not_known_or_common_ones() -> None:
    inputs = saltmarch_inputs()
    known = inputs.known
    text = (
        "Maud Ferrow walked from Brinehold to the Sallow Pans with Zorbak on Monday. "
        "Then Lord Vex said hello to Maud's cousin."
    )
    assert unknown_names(text, known, COMMON) == ["Zorbak", "Vex"]


def test_lore_check_skips_sentence_and_quote_initial_words() -> None:
    known = KnownNames.from_names(["Maud Ferrow"])
    text = 'Suddenly the tide rose. "Careful," Maud said. Beyond the dunes, nothing.'
    assert unknown_names(text, known, COMMON) == []


def test_names_given_in_the_prompt_are_not_invented() -> None:
    text = "Old Pellinore keeps the ferry at Brinehold."
    assert check_output(text, UseCase.NARRATION, saltmarch_inputs()).flags == (
        "unknown_name:Pellinore",
    )
    grounded = saltmarch_inputs("Pellinore runs the ferry across the channel.")
    assert check_output(text, UseCase.NARRATION, grounded).passed


def test_check_output_collects_every_flag() -> None:
    outcome = check_output(
        "Narrator: As an AI I know Zorbak lives at Brinehold.",
        UseCase.NPC_DIALOGUE,
        saltmarch_inputs(),
    )
    assert not outcome.passed
    assert outcome.flags == ("role_marker", "blocklisted:as an ai", "unknown_name:Zorbak")
    clean = check_output(
        "Maud Ferrow is at Brinehold today.", UseCase.NPC_DIALOGUE, saltmarch_inputs()
    )
    assert clean.passed and clean.flags == ()
