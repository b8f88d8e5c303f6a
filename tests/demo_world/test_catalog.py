"""The Saltmarch catalogue and lore: references resolve, the map is sound, the lore agrees."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from loreline.demo_world import DemoWorld, load_demo_world, load_lore_documents, lore_dir
from loreline.demo_world.catalog import SLUG_PATTERN, default_catalog_path
from loreline.demo_world.lore_documents import LoreDocument

pytestmark = pytest.mark.unit

LORE_DOC_COUNT = 13
MIN_WORDS, MAX_WORDS = 500, 1200


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return load_demo_world()


@pytest.fixture(scope="module")
def documents() -> list[LoreDocument]:
    return load_lore_documents()


def _raw_catalog() -> dict[str, Any]:
    data = yaml.safe_load(default_catalog_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_catalogue_loads_with_expected_shape(world: DemoWorld) -> None:
    assert world.world_id == "saltmarch"
    assert world.calendar.minutes_per_day == 1440
    assert len(world.locations) >= 10
    assert len(world.factions) >= 4
    assert len(world.npcs) >= 14
    assert len(world.quests) >= 7
    assert len(world.items) >= 10
    assert all(3 <= len(quest.steps) <= 5 for quest in world.quests)


def test_loader_is_cached_for_the_packaged_catalogue() -> None:
    assert load_demo_world() is load_demo_world()


def test_ids_are_unique_slugs_across_kinds(world: DemoWorld) -> None:
    by_kind = world.entity_ids()
    all_ids = [entity_id for ids in by_kind.values() for entity_id in ids]
    assert len(all_ids) == len(set(all_ids))
    pattern = re.compile(SLUG_PATTERN)
    assert all(pattern.match(entity_id) for entity_id in all_ids)
    assert set(world.entity_names()) == set(all_ids)
    assert world.entity_kind("brinehold") == "location"
    assert world.entity_names()["the_bell_below"] == "The Bell Below"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["npcs"][0].update(home="atlantis"), "atlantis"),
        (lambda d: d["quests"][0].update(giver="nobody_at_all"), "nobody_at_all"),
        (lambda d: d["factions"][0].update(rivals=["phantom_league"]), "phantom_league"),
        (lambda d: d["items"][0]["markets"].append("nowhere_market"), "nowhere_market"),
        (lambda d: d["npcs"][1].update(faction="ghost_guild"), "ghost_guild"),
    ],
)
def test_broken_reference_is_named(tmp_path: Path, mutate: Any, expected: str) -> None:
    data = _raw_catalog()
    mutate(data)
    with pytest.raises(ValidationError, match=expected):
        load_demo_world(_write(tmp_path, data))


def test_asymmetric_neighbour_is_rejected(tmp_path: Path) -> None:
    data = _raw_catalog()
    wrackspire = next(loc for loc in data["locations"] if loc["id"] == "wrackspire")
    wrackspire["neighbours"].append("marrowby")
    with pytest.raises(ValidationError, match=r"wrackspire.*marrowby.*symmetric"):
        load_demo_world(_write(tmp_path, data))


def test_duplicate_id_across_kinds_is_rejected(tmp_path: Path) -> None:
    data = _raw_catalog()
    data["items"][0]["id"] = "brinehold"
    with pytest.raises(ValidationError, match="brinehold"):
        load_demo_world(_write(tmp_path, data))


def test_movement_graph_is_connected_and_symmetric(world: DemoWorld) -> None:
    graph = {loc.id: set(loc.neighbours) for loc in world.locations}
    for here, nexts in graph.items():
        for there in nexts:
            assert here in graph[there], f"{here} -> {there} is one-way"
    start = world.locations[0].id
    seen = {start}
    queue = deque([start])
    while queue:
        for there in graph[queue.popleft()] - seen:
            seen.add(there)
            queue.append(there)
    assert seen == set(graph)


def test_every_season_has_weather(world: DemoWorld) -> None:
    for season in world.calendar.seasons:
        weights = [condition.seasons[season.id].weight for condition in world.weather]
        assert sum(weights) > 0
    assert world.calendar.season_on(0).id == world.calendar.start_season


def test_exactly_thirteen_lore_documents(documents: list[LoreDocument]) -> None:
    assert len(list(lore_dir().glob("*.md"))) == LORE_DOC_COUNT
    assert len(documents) == LORE_DOC_COUNT


def test_front_matter_is_valid_and_entities_exist(
    world: DemoWorld, documents: list[LoreDocument]
) -> None:
    known = set(world.entity_names())
    for doc in documents:
        assert doc.meta.world_id == "saltmarch", doc.path.name
        assert doc.meta.entities, f"{doc.path.name} lists no entities"
        assert doc.meta.tags, f"{doc.path.name} has no tags"
        unknown = set(doc.meta.entities) - known
        assert not unknown, f"{doc.path.name} names unknown entities {sorted(unknown)}"
        assert "\n## " in doc.body, f"{doc.path.name} has no ## headings"


def test_required_document_types_are_covered(documents: list[LoreDocument]) -> None:
    types = [doc.meta.doc_type for doc in documents]
    for doc_type in ("overview", "history", "economy", "quest"):
        assert doc_type in types
    assert types.count("faction") >= 2
    assert types.count("character") >= 2
    assert types.count("location") >= 2
    assert "religion" in types or "magic" in types


def test_every_entity_name_appears_in_the_lore(
    world: DemoWorld, documents: list[LoreDocument]
) -> None:
    corpus = "\n".join(doc.body for doc in documents).lower()
    names = world.entity_names()
    missing = {eid: name for eid, name in names.items() if name.lower() not in corpus}
    assert not missing, f"never mentioned in the lore: {missing}"


def test_every_entity_is_the_subject_of_some_document(
    world: DemoWorld, documents: list[LoreDocument]
) -> None:
    covered = {entity for doc in documents for entity in doc.meta.entities}
    assert set(world.entity_names()) - covered == set()


def test_word_counts_within_bounds(documents: list[LoreDocument]) -> None:
    for doc in documents:
        assert MIN_WORDS <= doc.word_count <= MAX_WORDS, f"{doc.path.name}: {doc.word_count}"


def test_quest_steps_appear_in_the_quest_document(
    world: DemoWorld, documents: list[LoreDocument]
) -> None:
    quest_docs = "\n".join(doc.body for doc in documents if doc.meta.doc_type == "quest").lower()
    for quest in world.quests:
        assert quest.title.lower() in quest_docs
        for step in quest.steps:
            assert step.lower() in quest_docs, f"{quest.id}: step not in the quest lore: {step}"


def test_prices_in_the_economy_document_match_the_catalogue(
    world: DemoWorld, documents: list[LoreDocument]
) -> None:
    economy = "\n".join(doc.body for doc in documents if doc.meta.doc_type == "economy")
    for item in world.items:
        row = next((line for line in economy.splitlines() if f"| {item.name} |" in line), None)
        assert row is not None, f"{item.name} has no row in the economy price table"
        assert f"| {item.base_price} |" in row, f"{item.name}: price differs from catalogue"
