"""Heading-aware chunking of Markdown (and plain text) lore with overlap.

A document is split at its headings into sections; each section's paragraphs are packed into chunks
of at most `max_words` words (long paragraphs split at sentence ends). A chunk that continues a
section starts with the last sentences (up to `overlap_words` words) of the previous chunk. Every
chunk knows its heading path (document title first) and its position in the document.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

CHUNKER_VERSION = "md-v1"
DEFAULT_MAX_WORDS = 160
DEFAULT_OVERLAP_WORDS = 32

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(
    r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
)
_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Chunk:
    position: int
    heading_path: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        return " > ".join(self.heading_path)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def embedding_text(self) -> str:
        """What gets embedded: the heading path for context, then the text."""
        return f"{self.heading}\n\n{self.text}" if self.heading_path else self.text


@dataclass(frozen=True)
class ParsedDocument:
    path: str
    slug: str
    title: str
    doc_type: str
    world_id: str | None
    entities: tuple[str, ...]
    tags: tuple[str, ...]
    front_matter: dict[str, Any]
    body: str
    content_hash: str


def slugify(value: str) -> str:
    slug = _SLUG_STRIP.sub("-", value.lower()).strip("-")
    return slug or "doc"


def content_hash(raw: bytes | str) -> str:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return hashlib.sha256(data).hexdigest()


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter between `---` lines at the top (optional) and the body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = yaml.safe_load("".join(lines[1:index])) or {}
            if not isinstance(meta, dict):
                raise ValueError("front matter is not a mapping")
            return meta, "".join(lines[index + 1 :])
    raise ValueError("front matter block is not closed with '---'")


def parse_document(relative_path: str, raw: str) -> ParsedDocument:
    """Front matter + body of one lore file; the title falls back to the first heading or file name."""
    meta, body = split_front_matter(raw)
    stem = PurePath(relative_path).with_suffix("").as_posix()
    title = str(meta.get("title") or "").strip()
    if not title:
        for line in body.splitlines():
            match = _HEADING.match(line)
            if match:
                title = match.group(2).strip()
                break
    if not title:
        title = PurePath(relative_path).stem.replace("_", " ").replace("-", " ").strip().title()

    def _strings(value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value)

    world = meta.get("world_id")
    return ParsedDocument(
        path=relative_path,
        slug=slugify(re.sub(r"^\d+[_-]", "", stem)),
        title=title,
        doc_type=str(meta.get("doc_type") or "lore"),
        world_id=str(world) if world else None,
        entities=_strings(meta.get("entities")),
        tags=_strings(meta.get("tags")),
        front_matter={k: _jsonable(v) for k, v in meta.items()},
        body=body,
        content_hash=content_hash(raw),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _sections(body: str, title: str | None) -> list[tuple[tuple[str, ...], list[str]]]:
    """(heading path, paragraphs) per section, in document order."""
    stack: list[tuple[int, str]] = []
    sections: list[tuple[tuple[str, ...], list[str]]] = []
    paragraphs: list[str] = []
    current: list[str] = []
    in_fence = False

    def path() -> tuple[str, ...]:
        names = [name for _, name in stack]
        if title and (not names or names[0] != title):
            names.insert(0, title)
        return tuple(names)

    def flush_paragraph() -> None:
        if current:
            text = "\n".join(current).strip()
            if text:
                paragraphs.append(text)
            current.clear()

    def flush_section() -> None:
        flush_paragraph()
        if paragraphs:
            sections.append((path(), list(paragraphs)))
        paragraphs.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            current.append(line)
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush_section()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
        elif not in_fence and not line.strip():
            flush_paragraph()
        else:
            current.append(line.rstrip())
    flush_section()
    return sections


def _sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _units(paragraph: str, max_words: int) -> list[str]:
    """A paragraph as pieces of at most `max_words` words (sentence ends first, then hard cuts)."""
    if len(paragraph.split()) <= max_words:
        return [paragraph]
    units: list[str] = []
    for sentence in _sentences(paragraph):
        words = sentence.split()
        if len(words) <= max_words:
            units.append(sentence)
        else:
            units.extend(
                " ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)
            )
    return units


def _tail(text: str, overlap_words: int) -> str:
    """The last whole sentences of `text` that fit in `overlap_words` words (else its last words)."""
    if overlap_words <= 0:
        return ""
    picked: list[str] = []
    count = 0
    for sentence in reversed(_sentences(text)):
        n = len(sentence.split())
        if count + n > overlap_words:
            break
        picked.insert(0, sentence)
        count += n
    if picked:
        return " ".join(picked)
    return " ".join(text.split()[-overlap_words:])


def chunk_markdown(
    body: str,
    *,
    title: str | None = None,
    max_words: int = DEFAULT_MAX_WORDS,
    overlap_words: int = DEFAULT_OVERLAP_WORDS,
) -> list[Chunk]:
    """Split a Markdown (or plain text) body into heading-aware, overlapping chunks."""
    if max_words <= 0:
        raise ValueError("max_words must be positive")
    overlap_words = max(0, min(overlap_words, max_words // 2))
    chunks: list[Chunk] = []
    for heading_path, paragraphs in _sections(body, title):
        pieces: list[str] = []  # chunk texts of this section
        buffer: list[str] = []
        words = 0
        for paragraph in paragraphs:
            for unit in _units(paragraph, max_words):
                n = len(unit.split())
                if buffer and words + n > max_words:
                    pieces.append("\n\n".join(buffer))
                    tail = _tail(pieces[-1], overlap_words)
                    buffer = [tail] if tail and len(tail.split()) + n <= max_words else []
                    words = len(tail.split()) if buffer else 0
                buffer.append(unit)
                words += n
        if buffer:
            pieces.append("\n\n".join(buffer))
        for piece in pieces:
            chunks.append(Chunk(position=len(chunks), heading_path=heading_path, text=piece))
    return chunks


def chunk_document(
    doc: ParsedDocument,
    *,
    max_words: int = DEFAULT_MAX_WORDS,
    overlap_words: int = DEFAULT_OVERLAP_WORDS,
) -> list[Chunk]:
    return chunk_markdown(
        doc.body, title=doc.title, max_words=max_words, overlap_words=overlap_words
    )


def citation_id(world_id: str, slug: str, position: int) -> str:
    """Stable citation of a chunk: `<world>/<doc-slug>#chunk-<n>`."""
    return f"{world_id}/{slug}#chunk-{position}"
