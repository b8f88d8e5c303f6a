"""Length and format checks: sentence and character limits, role markers, markdown structure."""

from __future__ import annotations

import re

from serving.storyteller.guardrails.policy import FormatPolicy

_SENTENCE_END = re.compile(r"[.!?…]+[\"'\u2019\u201d)\]]*(?:\s+|$)")
_ROLE_MARKER = re.compile(
    r"(?im)^\s*[\"'*]*(?:assistant|user|system|human|ai|bot|narrator|storyteller)\s*[:>]"
)
_SPECIAL_TOKEN = re.compile(r"<\|[a-z_]+\|>|<\|im_(?:start|end)\|?>?", re.IGNORECASE)
_HEADING = re.compile(r"(?m)^\s{0,3}#{1,6}\s")
_LIST_ITEM = re.compile(r"(?m)^\s{0,3}(?:[-*+]|\d{1,2}[.)])\s+\S")
_CODE_FENCE = re.compile(r"```|~~~")


def count_sentences(text: str) -> int:
    """Sentences = runs of text ended by . ! ? or … (a trailing unfinished one counts too)."""
    pieces = [piece for piece in _SENTENCE_END.split(text.strip()) if piece.strip()]
    return len(pieces)


def format_flags(text: str, policy: FormatPolicy) -> list[str]:
    flags: list[str] = []
    stripped = text.strip()
    if not stripped:
        return ["empty"]
    if len(stripped) > policy.max_chars:
        flags.append("too_long")
    if count_sentences(stripped) > policy.max_sentences:
        flags.append("too_many_sentences")
    if _ROLE_MARKER.search(stripped) or _SPECIAL_TOKEN.search(stripped):
        flags.append("role_marker")
    if _HEADING.search(stripped):
        flags.append("markdown_heading")
    if _CODE_FENCE.search(stripped):
        flags.append("code_block")
    if not policy.allow_lists and _LIST_ITEM.search(stripped):
        flags.append("markdown_list")
    return flags
