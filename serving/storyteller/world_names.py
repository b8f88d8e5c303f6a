"""Names of a world's things (for readable context and the lore check): the `entities` rows of the
world and of the shared `global` lore, the world's display name, and for the demo world
`saltmarch` its catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loreline.contract import GLOBAL_WORLD
from serving.security.scope import WorldScope
from serving.storyteller.guardrails.lore_check import KnownNames

MAX_ENTITIES = 20_000


@dataclass(frozen=True, slots=True)
class WorldNames:
    world_name: str
    names: Mapping[str, str]  # entity id -> display name

    def name_of(self, entity_id: str | None) -> str:
        if not entity_id:
            return "someone"
        return self.names.get(entity_id, entity_id)

    def known(self) -> KnownNames:
        return KnownNames.from_names([*self.names.values(), self.world_name], ids=list(self.names))


async def load_world_names(
    conn: Any, scope: WorldScope, catalogues: Mapping[str, Mapping[str, str]]
) -> WorldNames:
    """`catalogues`: extra names per world id (the demo catalogue for `saltmarch`)."""
    records = await conn.fetch(
        "SELECT entity_id, name FROM entities WHERE world_id = ANY($1::text[])"
        " ORDER BY (world_id = $2) LIMIT $3",
        [scope.world_id, GLOBAL_WORLD],
        GLOBAL_WORLD,
        MAX_ENTITIES,
    )
    title = await conn.fetchval("SELECT name FROM worlds WHERE world_id = $1", scope.world_id)
    names = dict(catalogues.get(scope.world_id, {}))
    names.update({record["entity_id"]: record["name"] for record in records})
    return WorldNames(world_name=title or scope.world_id, names=names)
