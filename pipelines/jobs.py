"""Jobs and the knowledge-base refresh schedule."""

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

from assets.world_state import daily_partitions

knowledge_base_job = define_asset_job(
    "knowledge_base_job",
    selection=AssetSelection.groups("knowledge_base"),
    description="Lore documents → chunks → embeddings, entities and narrative history.",
)

lore_job = define_asset_job(
    "lore_job",
    selection=AssetSelection.assets("lore_documents", "lore_chunks", "lore_embeddings", "entities"),
    description="Load the configured lore folder (default: the demo world) into the knowledge base.",
)

world_state_snapshot_job = define_asset_job(
    "world_state_snapshot_job",
    selection=AssetSelection.assets("world_state_snapshot"),
    partitions_def=daily_partitions,
    description="One day's world-state snapshot from the lake.",
)

knowledge_base_refresh = ScheduleDefinition(
    name="knowledge_base_refresh",
    job=knowledge_base_job,
    cron_schedule="*/30 * * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every 30 minutes: pick up changed lore files and new events (only what changed is "
    "re-chunked and re-embedded).",
)
