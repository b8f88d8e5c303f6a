"""The lore check: capitalised words the world does not know are likely invented names.

A word is checked when it is capitalised and not the first word of a sentence, line or quote
(sentence-initial capitals are mostly ordinary words; the second word of "Lord Vex said" is still
checked, a lone invented name opening a sentence is not caught). A checked word passes when
its lower-case form is a word of a known name (entities of the world and of `global`, the demo
catalogue for `saltmarch`), appears in the prompt's context or the situation, or is in the
common-words allowlist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT_COMMON_WORDS = Path(__file__).with_name("common_words.yaml")

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'\u2019-]*")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'\u2019-]+")
_QUOTE_OPENERS = frozenset("\"'\u201c\u2018([")
_SKIPPED = frozenset(" \t*_\"'\u201d\u2019)]")
_ENDERS = frozenset(".!?…:;\n")
_MAX_NAME_FLAGS = 8


def words_of(text: str) -> set[str]:
    """Lower-case words of `text`, with possessive endings removed ("Maud's" -> "maud")."""
    return {_bare(match.group(0)) for match in _WORD.finditer(text)} - {""}


def _bare(word: str) -> str:
    word = word.lower().replace("\u2019", "'").strip("'-")
    return word[:-2] if word.endswith("'s") else word


def load_common_words(path: Path = DEFAULT_COMMON_WORDS) -> frozenset[str]:
    words = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        raise ValueError(f"common words {path} must be a YAML list of strings")
    return frozenset(_bare(word) for word in words)


@dataclass(frozen=True, slots=True)
class KnownNames:
    """Lower-case words of a world's known names (and of ids, split on `_` and `-`)."""

    words: frozenset[str]

    @classmethod
    def from_names(cls, names: Iterable[str], ids: Iterable[str] = ()) -> KnownNames:
        words: set[str] = set()
        for name in names:
            words |= words_of(name)
        for entity_id in ids:
            words |= {part for part in re.split(r"[_\-\s]+", entity_id.lower()) if part}
        return cls(frozenset(words))

    def extended(self, texts: Iterable[str]) -> KnownNames:
        words = set(self.words)
        for text in texts:
            words |= words_of(text)
        return KnownNames(frozenset(words))


def unknown_names(text: str, known: KnownNames, common: frozenset[str]) -> list[str]:
    """Capitalised words of `text` that no known name, context word or common word explains."""
    found: list[str] = []
    for match in _CAPITALISED.finditer(text):
        word = match.group(0).rstrip("'\u2019-")
        if match.start() > 0 and _WORD.match(text, match.start() - 1):
            continue  # inside a longer token such as "McGregor" or "x-Ray"
        if _sentence_initial(text, match.start()):
            continue
        bare = _bare(word)
        if bare in known.words or bare in common or word in found:
            continue
        found.append(word)
        if len(found) >= _MAX_NAME_FLAGS:
            break
    return found


def _sentence_initial(text: str, start: int) -> bool:
    """First word of the text, of a sentence or line, or right after an opening quote."""
    if start > 0 and text[start - 1] in _QUOTE_OPENERS:
        return True
    index = start - 1
    while index >= 0 and text[index] in _SKIPPED:
        index -= 1
    return index < 0 or text[index] in _ENDERS
