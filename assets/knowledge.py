"""Knowledge-base assets: lore_documents → lore_chunks → lore_embeddings, and entities.

Thin wrappers over `loreline.knowledge.ingest` (the same code `loreline demo` runs without Dagster).
"""

import time
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets import lake
from assets.resources import EmbedderResource, LakeResource, LoreSourceResource, PostgresResource
from assets.runlog import record_run
from loreline.knowledge import ingest

GROUP = "knowledge_base"

event_lake = AssetSpec(
    "event_lake",
    group_name="lake",
    description="Parquet event lake written by the streams worker: "
    "<lake>/events/world_id=W/date=YYYY-MM-DD/part-*.parquet (events_to_arrow columns).",
    kinds={"parquet"},
)


def _md(stats: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, bool | int | float | str) or value is None:
            out[key] = value
        else:
            out[key] = MetadataValue.json(value)
    return out


def _run_id(context: AssetExecutionContext) -> str | None:
    try:
        return context.run.run_id
    except Exception:
        return None


@asset(
    group_name=GROUP,
    kinds={"postgres", "markdown"},
    description="Lore files (Markdown/text "
    "with YAML front matter) of the configured source; unchanged files (same hash) are skipped.",
)
def lore_documents(
    context: AssetExecutionContext, postgres: PostgresResource, lore_source: LoreSourceResource
) -> MaterializeResult:
    source = lore_source.source()
    with (
        postgres.connect() as conn,
        record_run(conn, "lore_documents", dagster_run=_run_id(context)) as rec,
    ):
        docs = ingest.discover_documents(source)
        stats = ingest.upsert_documents(conn, source, docs).as_dict()
        stats.update(
            source=source.source,
            files=len(docs),
            documents_total=_scalar(conn, "SELECT count(*) FROM lore_documents"),
        )
        rec.stats = stats  # record_run adds the seconds
    context.log.info(f"lore_documents: {stats}")
    return MaterializeResult(metadata=_md(stats))


@asset(
    group_name=GROUP,
    deps=[lore_documents],
    kinds={"postgres"},
    description="Heading-aware chunks with overlap (heading path, position, tsvector).",
)
def lore_chunks(context: AssetExecutionContext, postgres: PostgresResource) -> MaterializeResult:
    with (
        postgres.connect() as conn,
        record_run(conn, "lore_chunks", dagster_run=_run_id(context)) as rec,
    ):
        stats = ingest.chunk_pending_documents(conn, log=context.log.debug)
        stats["chunks_total"] = _scalar(conn, "SELECT count(*) FROM lore_chunks")
        rec.stats = stats  # record_run adds the seconds
    context.log.info(f"lore_chunks: {stats}")
    return MaterializeResult(metadata=_md(stats))


@asset(
    group_name=GROUP,
    deps=[lore_chunks],
    kinds={"pgvector"},
    description="all-MiniLM-L6-v2 embeddings (384 dims, normalised) of chunks that have none; "
    "HNSW (cosine) index.",
)
def lore_embeddings(
    context: AssetExecutionContext, postgres: PostgresResource, embedder: EmbedderResource
) -> MaterializeResult:
    model = embedder.get()
    t0 = time.perf_counter()
    model.load()
    load_s = round(time.perf_counter() - t0, 3)
    with (
        postgres.connect() as conn,
        record_run(conn, "lore_embeddings", dagster_run=_run_id(context)) as rec,
    ):
        stats = ingest.embed_pending_chunks(conn, model, batch_size=256, log=context.log.info)
        stats.update(
            model_load_seconds=load_s,
            embedded_total=_scalar(
                conn, "SELECT count(*) FROM lore_chunks WHERE embedding IS NOT NULL"
            ),
        )
        rec.stats = stats
    return MaterializeResult(metadata=_md(stats))


ENTITY_EVENTS_SQL = """
SELECT world_id, kind, entity_id, count(*) AS events, min(occurred_at) AS first_seen,
       max(occurred_at) AS last_seen
  FROM (
    SELECT world_id, 'npc' AS kind, json_extract_string(payload, '$.npc_id') AS entity_id, occurred_at
      FROM lake_events WHERE type IN ('npc.state_changed', 'npc.relationship_changed')
    UNION ALL
    SELECT world_id, 'faction', json_extract_string(payload, '$.faction_id'), occurred_at
      FROM lake_events WHERE type = 'faction.reputation_changed'
    UNION ALL
    SELECT world_id, 'quest', json_extract_string(payload, '$.quest_id'), occurred_at
      FROM lake_events WHERE type LIKE 'quest.%'
    UNION ALL
    SELECT world_id, 'item', json_extract_string(payload, '$.item'), occurred_at
      FROM lake_events WHERE type IN ('economy.trade', 'economy.price_changed')
    UNION ALL
    SELECT world_id, 'location',
           coalesce(json_extract_string(payload, '$.to_location'),
                    json_extract_string(payload, '$.location')), occurred_at
      FROM lake_events
     WHERE type IN ('player.moved', 'session.joined', 'npc.state_changed', 'dialogue.line',
                    'player.action', 'economy.trade', 'economy.price_changed')
  )
 WHERE entity_id IS NOT NULL
 GROUP BY ALL
 ORDER BY ALL
"""


def event_entity_rows(lake_dir: Any) -> list[tuple[str, str, str, str, dict[str, Any], str]]:
    conn = lake.connect()
    try:
        lake.register_events(conn, lake.event_files(lake_dir))
        rows = conn.sql(ENTITY_EVENTS_SQL).fetchall()
    finally:
        conn.close()
    return [
        (
            world,
            kind,
            entity_id,
            entity_id.replace("_", " ").replace("-", " ").title(),
            {"events": int(n), "first_seen": first.isoformat(), "last_seen": last.isoformat()},
            "events",
        )
        for world, kind, entity_id, n, first, last in rows
    ]


@asset(
    group_name=GROUP,
    deps=[lore_documents, event_lake],
    kinds={"postgres", "duckdb"},
    description="NPCs, factions, locations, quests and items: from the world catalogue and lore "
    "front matter, and from events in the lake (first/last seen, event counts).",
)
def entities(
    context: AssetExecutionContext, postgres: PostgresResource, lake_store: LakeResource
) -> MaterializeResult:
    with (
        postgres.connect() as conn,
        record_run(conn, "entities", dagster_run=_run_id(context)) as rec,
    ):
        from_lore = ingest.lore_entity_rows(conn)
        from_events = event_entity_rows(lake_store.path)
        ingest.upsert_entities(conn, from_lore)
        ingest.upsert_entities(conn, from_events)
        by_kind = dict(
            conn.execute(
                "SELECT kind, count(*) FROM entities GROUP BY kind ORDER BY kind"
            ).fetchall()
        )
        stats = {
            "from_lore": len(from_lore),
            "from_events": len(from_events),
            "entities_by_kind": by_kind,
            "entities_total": sum(by_kind.values()),
            "seconds": rec.seconds,
        }
        rec.stats = stats
    return MaterializeResult(metadata=_md(stats))


# --- checks ---------------------------------------------------------------------------------------


def _scalar(conn: Any, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _counts(conn: Any, sql: str) -> tuple[int, ...]:
    """Several counts from one statement (one scan, e.g. `count(*) FILTER (WHERE ...)` each)."""
    row = conn.execute(sql).fetchone()
    return tuple(int(value or 0) for value in row) if row else ()


@asset_check(asset=lore_documents, description="documents exist and every world id is known")
def lore_documents_check(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connect() as conn:
        docs = _scalar(conn, "SELECT count(*) FROM lore_documents")
        orphans = _scalar(
            conn,
            "SELECT count(*) FROM lore_documents d LEFT JOIN worlds w USING (world_id)"
            " WHERE w.world_id IS NULL",
        )
    return AssetCheckResult(
        passed=docs > 0 and orphans == 0,
        metadata={"documents": docs, "unknown_world": orphans},
    )


@asset_check(
    asset=lore_chunks,
    description="every document has chunks; chunks belong to their document's world; no empty text",
)
def lore_chunks_check(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connect() as conn:
        chunks, empty = _counts(
            conn,
            "SELECT count(*), count(*) FILTER (WHERE length(trim(text)) = 0) FROM lore_chunks",
        )
        unchunked = _scalar(
            conn,
            "SELECT count(*) FROM lore_documents d WHERE NOT EXISTS"
            " (SELECT 1 FROM lore_chunks c WHERE c.document_id = d.document_id)"
            " AND length(trim(d.body)) > 0",
        )
        wrong_world = _scalar(
            conn,
            "SELECT count(*) FROM lore_chunks c JOIN lore_documents d USING (document_id)"
            " WHERE c.world_id <> d.world_id",
        )
    return AssetCheckResult(
        passed=chunks > 0 and unchunked == 0 and wrong_world == 0 and empty == 0,
        metadata={
            "chunks": chunks,
            "documents_without_chunks": unchunked,
            "chunk_world_differs_from_document": wrong_world,
            "empty_chunks": empty,
        },
    )


@asset_check(
    asset=lore_embeddings, description="no null vectors; every vector has 384 dims and unit norm"
)
def lore_embeddings_check(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connect() as conn:
        nulls, wrong_dim, not_unit, embedded = _counts(
            conn,
            "SELECT count(*) FILTER (WHERE embedding IS NULL),"
            " count(*) FILTER (WHERE vector_dims(embedding) <> 384),"
            " count(*) FILTER (WHERE abs(vector_norm(embedding) - 1) > 0.01),"
            " count(*) FILTER (WHERE embedding IS NOT NULL)"
            " FROM lore_chunks",
        )
    return AssetCheckResult(
        passed=nulls == 0 and wrong_dim == 0 and not_unit == 0 and embedded > 0,
        metadata={
            "embedded": embedded,
            "null_vectors": nulls,
            "wrong_dimension": wrong_dim,
            "not_unit_norm": not_unit,
        },
    )


@asset_check(
    asset=entities,
    description="entities have known worlds and kinds; lore front-matter entity ids resolve",
)
def entities_check(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connect() as conn:
        total = _scalar(conn, "SELECT count(*) FROM entities")
        orphans = _scalar(
            conn,
            "SELECT count(*) FROM entities e LEFT JOIN worlds w USING (world_id)"
            " WHERE w.world_id IS NULL",
        )
        found = conn.execute(
            "SELECT DISTINCT d.world_id, x FROM lore_documents d, unnest(d.entities) x"
            " WHERE NOT EXISTS (SELECT 1 FROM entities e WHERE e.world_id = d.world_id"
            " AND e.entity_id = x) ORDER BY 1, 2"
        ).fetchall()
    # ids of catalogue kinds that are not entities (weather conditions) are not unresolved
    catalog = ingest._demo_catalog()
    other = (
        {(catalog.world_id, i) for i in catalog.entity_ids().get("weather", set())}
        if catalog is not None
        else set()
    )
    unresolved = [(f"{w}:{i}",) for w, i in found if (w, i) not in other][:50]
    return AssetCheckResult(
        passed=orphans == 0 and not unresolved,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "entities": total,
            "unknown_world": orphans,
            "unresolved_lore_entities": MetadataValue.json([r[0] for r in unresolved]),
        },
    )
