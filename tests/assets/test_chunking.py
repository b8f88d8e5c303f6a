from __future__ import annotations

import itertools

import pytest

from loreline.knowledge.chunking import chunk_markdown, citation_id, parse_document, slugify

pytestmark = pytest.mark.unit

DOC = """---
title: Harbour Guide
doc_type: location
world_id: saltmarch
entities: [brinehold]
tags: [guide]
---
# Harbour Guide

Intro paragraph about the harbour.

## Docks

### North quay
{north}

### South quay
Short south text.

```
# not a heading inside a fence
```

## Markets
Market text.
"""


def _doc(north_words: int = 10) -> str:
    sentences = " ".join(
        f"Sentence number {i} tells of boats and salt." for i in range(north_words)
    )
    return DOC.replace("{north}", sentences)


def test_front_matter_and_title() -> None:
    doc = parse_document("07_harbour_guide.md", _doc())
    assert doc.title == "Harbour Guide"
    assert doc.doc_type == "location"
    assert doc.world_id == "saltmarch"
    assert doc.entities == ("brinehold",)
    assert doc.slug == "harbour-guide"
    assert len(doc.content_hash) == 64


def test_heading_paths_and_positions() -> None:
    doc = parse_document("guide.md", _doc())
    chunks = chunk_markdown(doc.body, title=doc.title)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    paths = [c.heading_path for c in chunks]
    assert paths[0] == ("Harbour Guide",)
    assert ("Harbour Guide", "Docks", "North quay") in paths
    south = next(c for c in chunks if c.heading_path[-1] == "South quay")
    assert "not a heading inside a fence" in south.text  # fenced '#' is not a heading
    assert chunks[-1].heading_path == ("Harbour Guide", "Markets")
    assert south.embedding_text().startswith("Harbour Guide > Docks > South quay\n\n")


def test_long_sections_split_with_overlap() -> None:
    doc = parse_document("guide.md", _doc(north_words=60))  # ~480 words in one section
    chunks = [
        c
        for c in chunk_markdown(doc.body, title=doc.title, max_words=100, overlap_words=20)
        if c.heading_path[-1] == "North quay"
    ]
    assert len(chunks) >= 5
    assert all(c.word_count <= 100 for c in chunks)
    for previous, current in itertools.pairwise(chunks):
        # the next chunk starts with the last sentence(s) of the previous one
        first_sentence = current.text.split(". ")[0]
        assert first_sentence in previous.text


def test_plain_text_without_headings() -> None:
    chunks = chunk_markdown("One paragraph.\n\nAnother paragraph.", title="Notes")
    assert len(chunks) == 1
    assert chunks[0].heading_path == ("Notes",)


def test_citation_ids_are_stable() -> None:
    assert (
        citation_id("saltmarch", slugify("Harbour Guide"), 3) == "saltmarch/harbour-guide#chunk-3"
    )
