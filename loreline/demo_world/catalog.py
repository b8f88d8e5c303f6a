"""The demo world's catalogue: typed models over `catalog.yaml` and the loader.

`catalog.yaml` is the one list of the Saltmarch's things (locations, factions, NPCs, quests, trade
goods, weather, calendar). The lore documents and the live-play simulator both read it through
`load_demo_world()`. Every cross-reference is checked when a `DemoWorld` is built: an unknown id,
an asymmetric neighbour link or an id used twice raises `ValueError` (pydantic's `ValidationError`)
naming the broken reference.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

CATALOG_FILE = "catalog.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Season(_Frozen):
    id: Slug
    name: Text
    local_name: Text
    days: int = Field(gt=0)


class Calendar(_Frozen):
    minutes_per_day: int = Field(default=1440, gt=0)
    era: Text
    era_abbrev: Text
    current_year: int
    start_season: Slug
    seasons: tuple[Season, ...] = Field(min_length=1)

    @property
    def days_per_year(self) -> int:
        return sum(season.days for season in self.seasons)

    def season_on(self, day: int) -> Season:
        """The season of game day `day` (0-based, counted from the start of `start_season`)."""
        ids = [season.id for season in self.seasons]
        start = ids.index(self.start_season) if self.start_season in ids else 0
        ordered = self.seasons[start:] + self.seasons[:start]
        remaining = day % self.days_per_year
        for season in ordered:
            if remaining < season.days:
                return season
            remaining -= season.days
        return ordered[-1]  # unreachable: remaining < days_per_year


class Location(_Frozen):
    id: Slug
    name: Text
    kind: Text
    region: Text
    neighbours: tuple[Slug, ...] = Field(min_length=1)
    summary: Text


class Faction(_Frozen):
    id: Slug
    name: Text
    ethos: Text
    home: Slug
    leader: Slug | None = None
    rivals: tuple[Slug, ...] = ()


class Npc(_Frozen):
    id: Slug
    name: Text
    role: Text
    faction: Slug | None
    home: Slug
    temperament: Text


class Quest(_Frozen):
    id: Slug
    title: Text
    giver: Slug
    location: Slug
    faction: Slug | None
    reward_gold: int = Field(ge=0)
    steps: tuple[Text, ...] = Field(min_length=3, max_length=5)


class Item(_Frozen):
    id: Slug
    name: Text
    unit: Text
    base_price: int = Field(gt=0)
    markets: tuple[Slug, ...] = Field(min_length=1)


class SeasonalWeather(_Frozen):
    weight: int = Field(ge=0)
    temperature_c: tuple[float, float]

    @model_validator(mode="after")
    def _range_ordered(self) -> SeasonalWeather:
        low, high = self.temperature_c
        if low > high:
            raise ValueError(f"temperature range {low}..{high} is reversed")
        return self


class WeatherCondition(_Frozen):
    id: Slug
    name: Text
    seasons: dict[Slug, SeasonalWeather]


_E = TypeVar("_E", Location, Faction, Npc, Quest, Item, WeatherCondition)


class DemoWorld(_Frozen):
    world_id: Slug
    name: Text
    calendar: Calendar
    locations: tuple[Location, ...] = Field(min_length=1)
    factions: tuple[Faction, ...] = ()
    npcs: tuple[Npc, ...] = ()
    quests: tuple[Quest, ...] = ()
    items: tuple[Item, ...] = ()
    weather: tuple[WeatherCondition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> DemoWorld:
        problems = _reference_problems(self)
        if problems:
            raise ValueError("broken catalogue references:\n- " + "\n- ".join(problems))
        return self

    def entity_ids(self) -> dict[str, set[str]]:
        """Ids by kind: location, faction, npc, quest, item, weather."""
        return {kind: {entity.id for entity in group} for kind, group in self._groups().items()}

    def entity_names(self) -> dict[str, str]:
        """Display name of every entity, by id (a quest's display name is its title)."""
        names: dict[str, str] = {}
        for group in self._groups().values():
            for entity in group:
                names[entity.id] = entity.title if isinstance(entity, Quest) else entity.name
        return names

    def entity_kind(self, entity_id: str) -> str | None:
        for kind, ids in self.entity_ids().items():
            if entity_id in ids:
                return kind
        return None

    def location(self, location_id: str) -> Location:
        return _find(self.locations, location_id, "location")

    def faction(self, faction_id: str) -> Faction:
        return _find(self.factions, faction_id, "faction")

    def npc(self, npc_id: str) -> Npc:
        return _find(self.npcs, npc_id, "npc")

    def quest(self, quest_id: str) -> Quest:
        return _find(self.quests, quest_id, "quest")

    def item(self, item_id: str) -> Item:
        return _find(self.items, item_id, "item")

    def weather_condition(self, condition_id: str) -> WeatherCondition:
        return _find(self.weather, condition_id, "weather condition")

    def _groups(self) -> dict[str, tuple[Any, ...]]:
        return {
            "location": self.locations,
            "faction": self.factions,
            "npc": self.npcs,
            "quest": self.quests,
            "item": self.items,
            "weather": self.weather,
        }


def _find(group: tuple[_E, ...], entity_id: str, kind: str) -> _E:
    for entity in group:
        if entity.id == entity_id:
            return entity
    raise KeyError(f"unknown {kind} {entity_id!r}")


def _reference_problems(world: DemoWorld) -> list[str]:
    """Every broken reference in `world`, each naming the owner, the field and the missing id."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for kind, group in world._groups().items():
        for entity in group:
            if entity.id in seen:
                first = seen[entity.id]
                problems.append(f"id {entity.id!r} is used by both a {first} and a {kind}")
            seen.setdefault(entity.id, kind)

    locations = {loc.id: loc for loc in world.locations}
    factions = {fac.id for fac in world.factions}
    npcs = {npc.id for npc in world.npcs}
    seasons = {season.id for season in world.calendar.seasons}

    def check(owner: str, field: str, ref: str | None, known: set[str] | dict[str, Any]) -> None:
        if ref is not None and ref not in known:
            problems.append(f"{owner} field {field!r} refers to unknown id {ref!r}")

    check("calendar", "start_season", world.calendar.start_season, seasons)
    for loc in world.locations:
        for other in loc.neighbours:
            check(f"location {loc.id!r}", "neighbours", other, locations)
            if other == loc.id:
                problems.append(f"location {loc.id!r} lists itself in 'neighbours'")
            elif other in locations and loc.id not in locations[other].neighbours:
                problems.append(
                    f"location {loc.id!r} lists neighbour {other!r} but {other!r} "
                    f"does not list {loc.id!r} (neighbours must be symmetric)"
                )
    for fac in world.factions:
        check(f"faction {fac.id!r}", "home", fac.home, locations)
        check(f"faction {fac.id!r}", "leader", fac.leader, npcs)
        for rival in fac.rivals:
            check(f"faction {fac.id!r}", "rivals", rival, factions)
    for npc in world.npcs:
        check(f"npc {npc.id!r}", "faction", npc.faction, factions)
        check(f"npc {npc.id!r}", "home", npc.home, locations)
    for quest in world.quests:
        check(f"quest {quest.id!r}", "giver", quest.giver, npcs)
        check(f"quest {quest.id!r}", "location", quest.location, locations)
        check(f"quest {quest.id!r}", "faction", quest.faction, factions)
    for item in world.items:
        for market in item.markets:
            check(f"item {item.id!r}", "markets", market, locations)
    for condition in world.weather:
        for season_id in condition.seasons:
            check(f"weather {condition.id!r}", "seasons", season_id, seasons)
        missing = sorted(seasons - condition.seasons.keys())
        if missing:
            problems.append(f"weather {condition.id!r} has no entry for seasons {missing}")
    for season_id in sorted(seasons):
        weights = [c.seasons[season_id].weight for c in world.weather if season_id in c.seasons]
        if not any(weight > 0 for weight in weights):
            problems.append(f"season {season_id!r} has no weather condition with weight > 0")
    return problems


def default_catalog_path() -> Path:
    return Path(__file__).resolve().parent / CATALOG_FILE


def load_demo_world(path: Path | None = None) -> DemoWorld:
    """Load and validate the catalogue (the packaged `catalog.yaml` unless `path` is given).

    The packaged catalogue is parsed once per process; an explicit `path` is always read afresh.
    """
    if path is None:
        return _load_packaged()
    return _parse(path)


@functools.cache
def _load_packaged() -> DemoWorld:
    return _parse(default_catalog_path())


def _parse(path: Path) -> DemoWorld:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")
    return DemoWorld.model_validate(raw)
