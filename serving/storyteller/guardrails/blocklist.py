"""A configurable blocklist: a YAML file holding a list of terms or phrases. Matching ignores case
and whitespace differences and respects word boundaries ("ai" does not match "rain")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

DEFAULT_BLOCKLIST = Path(__file__).with_name("blocklist.yaml")


class Blocklist:
    def __init__(self, terms: Iterable[str]) -> None:
        cleaned = sorted({" ".join(term.lower().split()) for term in terms if term.strip()})
        self.terms = tuple(cleaned)
        if cleaned:
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in term.split()) for term in cleaned
            )
            self._pattern: re.Pattern[str] | None = re.compile(
                rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE
            )
        else:
            self._pattern = None

    @classmethod
    def from_file(cls, path: Path) -> Blocklist:
        """Raises `ValueError` naming the file unless it holds a YAML list of strings."""
        terms = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(terms, list) or not all(isinstance(term, str) for term in terms):
            raise ValueError(f"blocklist {path} must be a YAML list of strings")
        return cls(terms)

    def matches(self, text: str) -> list[str]:
        """The blocked terms found in `text` (lower case, each once, in order of appearance)."""
        if self._pattern is None:
            return []
        found = (" ".join(match.group(0).lower().split()) for match in self._pattern.finditer(text))
        return list(dict.fromkeys(found))
