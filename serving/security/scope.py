"""Principals (an authenticated key) and world scopes (one world a principal was cleared for).

Every function in `serving.queries` takes a `WorldScope` and filters on `scope.world_id` itself; a
scope exists only after `Principal.scope_for` checked the key's worlds and roles, so a handler
cannot reach another world's rows by passing a different id.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from loreline.contract import GLOBAL_WORLD


class Role(StrEnum):
    READ = "read"  # every query endpoint and the world's cache
    INGEST = "ingest"  # POST /v1/events for the key's worlds
    ADMIN = "admin"  # create, list and revoke keys for the key's worlds


class WorldForbiddenError(PermissionError):
    """The key does not hold this world, or not with the needed role."""

    def __init__(self, world_id: str, role: Role, *, missing_role: bool = False) -> None:
        self.world_id = world_id
        self.role = role
        self.missing_role = missing_role
        what = f"role {role.value!r}" if missing_role else f"world {world_id!r}"
        super().__init__(f"this API key does not grant {what}")


@dataclass(frozen=True, slots=True)
class WorldScope:
    """One world a request was cleared to use, for one role. `include_global` marks a scope that
    may also read the shared `global` lore (read-only)."""

    world_id: str
    role: Role
    key_id: str
    include_global: bool = False

    @property
    def lore_worlds(self) -> tuple[str, ...]:
        """The world ids lore searches through this scope may return."""
        if self.world_id == GLOBAL_WORLD or not self.include_global:
            return (self.world_id,)
        return (self.world_id, GLOBAL_WORLD)


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated API key."""

    key_id: str
    worlds: frozenset[str]
    roles: frozenset[Role]

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def may(self, world_id: str, role: Role) -> bool:
        return role in self.roles and world_id in self.worlds

    def scope_for(self, world_id: str, role: Role = Role.READ) -> WorldScope:
        """A scope for one world; raises `WorldForbiddenError` unless the key holds both."""
        if role not in self.roles:
            raise WorldForbiddenError(world_id, role, missing_role=True)
        if world_id not in self.worlds:
            raise WorldForbiddenError(world_id, role)
        return WorldScope(world_id=world_id, role=role, key_id=self.key_id)

    def lore_scope(self, world_id: str | None, *, include_global: bool) -> WorldScope:
        """A read scope for lore search. The shared `global` lore is readable with any read key;
        a world's own lore only with a key for that world."""
        if Role.READ not in self.roles:
            raise WorldForbiddenError(world_id or GLOBAL_WORLD, Role.READ, missing_role=True)
        if world_id is None or world_id == GLOBAL_WORLD:
            return WorldScope(world_id=GLOBAL_WORLD, role=Role.READ, key_id=self.key_id)
        scope = self.scope_for(world_id, Role.READ)
        return WorldScope(
            world_id=scope.world_id,
            role=Role.READ,
            key_id=self.key_id,
            include_global=include_global,
        )
