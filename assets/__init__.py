"""Dagster software-defined assets: the knowledge base, narrative history and world-state snapshots."""

from dagster import AssetChecksDefinition, AssetsDefinition, AssetSpec

from assets.knowledge import (
    entities,
    entities_check,
    event_lake,
    lore_chunks,
    lore_chunks_check,
    lore_documents,
    lore_documents_check,
    lore_embeddings,
    lore_embeddings_check,
)
from assets.narrative import narrative_history, narrative_history_check
from assets.world_state import daily_partitions, world_state_snapshot

ALL_ASSETS: list[AssetsDefinition | AssetSpec] = [
    event_lake,
    lore_documents,
    lore_chunks,
    lore_embeddings,
    entities,
    narrative_history,
    world_state_snapshot,
]
ALL_CHECKS: list[AssetChecksDefinition] = [
    lore_documents_check,
    lore_chunks_check,
    lore_embeddings_check,
    entities_check,
    narrative_history_check,
]

__all__ = ["ALL_ASSETS", "ALL_CHECKS", "daily_partitions", "world_state_snapshot"]
