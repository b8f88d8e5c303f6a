"""Narrative history: per world, session and time window, an extractive summary of stored events.

DuckDB renders every event of the lake as one line with an importance score (quest outcomes and
changes of state first, then long dialogue lines, moves, trades), keeps the best lines of each
(world, session, window) in time order and joins them into a summary. Summaries are embedded with
the same model as the lore (only those whose text changed) and searched with
`loreline.knowledge.search_history`.
"""

import contextlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    asset,
    asset_check,
)
from pydantic import Field

from assets import lake
from assets.knowledge import _counts, _md, _run_id, _scalar, event_lake
from assets.narrative_refresh import previous_run, refresh_plan
from assets.resources import EmbedderResource, LakeResource, PostgresResource
from assets.runlog import record_run
from loreline.knowledge.chunking import content_hash
from loreline.knowledge.embedder import Embedder
from loreline.knowledge.ingest import ensure_worlds, write_embeddings

GROUP = "knowledge_base"


def _j(field: str) -> str:
    return f"json_extract_string(payload, '$.{field}')"


_WHO = "coalesce(actor, 'someone')"
_LINES = f"""
SELECT world_id, coalesce(session_id, '') AS session_id, event_id, occurred_at, actor, type,
       time_bucket(INTERVAL ($window_s || ' seconds'), occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS period_start,
       CASE type
         WHEN 'quest.completed' THEN {_WHO} || ' completed the quest ' || {_j("quest_id")}
              || coalesce(' (reward ' || {_j("reward_gold")} || ' gold)', '')
         WHEN 'quest.failed' THEN {_WHO} || ' failed the quest ' || {_j("quest_id")}
              || coalesce(': ' || {_j("reason")}, '')
         WHEN 'quest.started' THEN {_WHO} || ' started the quest ' || {_j("quest_id")}
         WHEN 'quest.progressed' THEN {_WHO} || ' reached step ' || {_j("step")} || ' of the quest '
              || {_j("quest_id")} || coalesce(' (' || {_j("objective")} || ')', '')
         WHEN 'npc.state_changed' THEN {_j("npc_id")} || ' is now'
              || coalesce(' ' || {_j("status")}, '') || coalesce(' at ' || {_j("location")}, '')
              || coalesce(', mood ' || {_j("mood")}, '')
         WHEN 'npc.relationship_changed' THEN {_j("npc_id")} || CASE WHEN
              CAST(json_extract(payload, '$.delta') AS DOUBLE) >= 0 THEN ' warmed to ' ELSE
              ' turned against ' END || {_j("player_id")} || coalesce(' (' || {_j("reason")} || ')', '')
         WHEN 'faction.reputation_changed' THEN {_j("player_id")} || CASE WHEN
              CAST(json_extract(payload, '$.delta') AS DOUBLE) >= 0 THEN ' gained standing with '
              ELSE ' lost standing with ' END || {_j("faction_id")}
              || coalesce(' (' || {_j("reason")} || ')', '')
         WHEN 'dialogue.line' THEN {_j("speaker")} || ': "' || left({_j("text")}, 280)
              || CASE WHEN length({_j("text")}) > 280 THEN '…' ELSE '' END || '"'
         WHEN 'player.moved' THEN {_WHO} || ' travelled to ' || {_j("to_location")}
         WHEN 'player.action' THEN {_WHO} || ' ' || {_j("action")} || coalesce(' ' || {_j("target")}, '')
              || coalesce(' at ' || {_j("location")}, '')
         WHEN 'weather.changed' THEN 'the weather turned ' || {_j("condition")}
         WHEN 'economy.trade' THEN coalesce({_j("buyer")}, {_WHO}) || ' bought ' || {_j("quantity")}
              || ' ' || {_j("item")} || ' at ' || {_j("unit_price")}
         WHEN 'economy.price_changed' THEN 'the price of ' || {_j("item")} || ' moved to '
              || {_j("price")}
         WHEN 'session.joined' THEN {_WHO} || ' joined' || coalesce(' at ' || {_j("location")}, '')
         WHEN 'session.left' THEN {_WHO} || ' left'
       END AS line,
       CASE type
         WHEN 'quest.completed' THEN 10.0 WHEN 'quest.failed' THEN 9.0
         WHEN 'quest.started' THEN 8.0 WHEN 'quest.progressed' THEN 6.0
         WHEN 'npc.state_changed' THEN 4.0
         WHEN 'npc.relationship_changed' THEN 3.0 + least(abs(CAST(json_extract(payload, '$.delta') AS DOUBLE)) / 10, 3)
         WHEN 'faction.reputation_changed' THEN 3.0 + least(abs(CAST(json_extract(payload, '$.delta') AS DOUBLE)) / 10, 3)
         WHEN 'dialogue.line' THEN 1.5 + least(length({_j("text")}) / 80.0, 3)
         WHEN 'player.action' THEN 2.0 WHEN 'weather.changed' THEN 2.0
         WHEN 'player.moved' THEN 1.5 WHEN 'economy.price_changed' THEN 1.2
         WHEN 'economy.trade' THEN 1.0 WHEN 'session.joined' THEN 0.8 WHEN 'session.left' THEN 0.8
         ELSE 0 END AS importance,
       [{_j("quest_id")}, {_j("npc_id")}, {_j("faction_id")}, {_j("item")}, {_j("to_location")},
        {_j("location")}, {_j("speaker")}] AS mentioned
  FROM lake_events
 WHERE ($worlds IS NULL OR list_contains($worlds, world_id))
"""

HISTORY_SQL = f"""
WITH lines AS ({_LINES}),
groups AS (
    SELECT world_id, session_id, period_start,
           count(*) AS event_count,
           arg_min(event_id, (occurred_at, event_id)) AS first_event_id,
           arg_max(event_id, (occurred_at, event_id)) AS last_event_id,
           min(occurred_at) AS first_occurred_at, max(occurred_at) AS last_occurred_at,
           list_sort(list_distinct(list(actor))) AS actors,
           list_sort(list_distinct(flatten(list(list_filter(mentioned, lambda x: x IS NOT NULL))))) AS entities
      FROM lines GROUP BY ALL
),
picked AS (
    SELECT world_id, session_id, period_start, occurred_at, event_id, line
      FROM (SELECT DISTINCT ON (world_id, session_id, period_start, line) * FROM lines
             WHERE line IS NOT NULL AND importance > 0
             ORDER BY world_id, session_id, period_start, line, occurred_at, event_id)
   QUALIFY row_number() OVER (PARTITION BY world_id, session_id, period_start
                              ORDER BY importance DESC, occurred_at, event_id) <= $max_lines
),
summaries AS (
    SELECT world_id, session_id, period_start,
           string_agg(line, '; ' ORDER BY occurred_at, event_id) AS body
      FROM picked GROUP BY ALL
)
SELECT g.world_id, g.session_id, g.period_start,
       g.period_start + INTERVAL ($window_s || ' seconds') AS period_end,
       CASE WHEN g.session_id = '' THEN 'Outside any session' ELSE 'Session ' || g.session_id END
         || ' in ' || g.world_id || ', ' || strftime(g.period_start, '%Y-%m-%d %H:%M') || ' to '
         || strftime(g.period_start + INTERVAL ($window_s || ' seconds'), '%H:%M') || ' UTC ('
         || g.event_count || ' events'
         || CASE WHEN len(list_filter(g.actors, lambda x: x IS NOT NULL)) > 0
                 THEN '; players: ' || array_to_string(list_filter(g.actors, lambda x: x IS NOT NULL)[1:8], ', ')
                 ELSE '' END
         || '). ' || coalesce(s.body || '.', 'Nothing of note happened.') AS summary,
       g.event_count, g.first_event_id, g.last_event_id, g.first_occurred_at, g.last_occurred_at,
       list_filter(g.actors, lambda x: x IS NOT NULL) AS actors, g.entities
  FROM groups g LEFT JOIN summaries s USING (world_id, session_id, period_start)
 ORDER BY g.world_id, g.session_id, g.period_start
"""


def summarize_lake(
    lake_dir: Path,
    *,
    window: timedelta = timedelta(hours=1),
    max_lines: int = 12,
    worlds: list[str] | None = None,
    files: list[Path] | None = None,
) -> list[dict[str, Any]]:
    """One summary per (world, session, window) over every event in the lake (or in `files`)."""
    conn = lake.connect()
    try:
        with contextlib.suppress(Exception):  # without ICU timestamps are UTC already
            conn.execute("SET TimeZone = 'UTC'")
        lake.register_events(conn, lake.event_files(lake_dir) if files is None else files)
        sql = HISTORY_SQL.replace("$worlds", "$worlds::VARCHAR[]")
        rel = conn.sql(
            sql,
            params={
                "window_s": str(int(window.total_seconds())),
                "max_lines": max_lines,
                "worlds": worlds,
            },
        )
        columns = rel.columns
        return [dict(zip(columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        conn.close()


def store_history(
    conn: psycopg.Connection, rows: list[dict[str, Any]], embedder: Embedder, *, log: Any = None
) -> dict[str, Any]:
    """Upsert summaries; embed the new or changed ones (batched)."""
    ensure_worlds(conn, {r["world_id"] for r in rows})
    changed: list[int] = []
    texts: list[str] = []
    unchanged = 0
    for r in rows:
        digest = content_hash(r["summary"])
        out = conn.execute(
            """
            INSERT INTO narrative_history AS h (world_id, session_id, period_start, period_end,
                summary, summary_hash, event_count, first_event_id, last_event_id,
                first_occurred_at, last_occurred_at, actors, entities)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (world_id, session_id, period_start) DO UPDATE SET
                period_end = EXCLUDED.period_end, summary = EXCLUDED.summary,
                summary_hash = EXCLUDED.summary_hash, event_count = EXCLUDED.event_count,
                first_event_id = EXCLUDED.first_event_id, last_event_id = EXCLUDED.last_event_id,
                first_occurred_at = EXCLUDED.first_occurred_at,
                last_occurred_at = EXCLUDED.last_occurred_at, actors = EXCLUDED.actors,
                entities = EXCLUDED.entities,
                embedding = CASE WHEN h.summary_hash = EXCLUDED.summary_hash THEN h.embedding END,
                updated_at = now()
            RETURNING history_id, embedding IS NULL
            """,
            (
                r["world_id"],
                r["session_id"],
                r["period_start"],
                r["period_end"],
                r["summary"],
                digest,
                r["event_count"],
                str(r["first_event_id"]),
                str(r["last_event_id"]),
                r["first_occurred_at"],
                r["last_occurred_at"],
                list(r["actors"] or []),
                list(r["entities"] or []),
            ),
        ).fetchone()
        assert out is not None
        if out[1]:
            changed.append(out[0])
            texts.append(r["summary"])
        else:
            unchanged += 1
    batch = 128
    for start in range(0, len(texts), batch):
        vectors = embedder.encode(texts[start : start + batch])
        write_embeddings(
            conn,
            "narrative_history",
            "history_id",
            changed[start : start + batch],
            vectors,
            embedder.model_name,
        )
        if log is not None:
            log(f"embedded {min(start + batch, len(texts))}/{len(texts)} summaries")
    return {"summaries": len(rows), "embedded": len(texts), "unchanged": unchanged}


class NarrativeConfig(Config):
    window_minutes: int = Field(default=60, ge=1, le=1440)
    max_lines: int = 12
    full_refresh: bool = Field(
        default=False,
        description="recompute every window, not only those of the lake days changed since the"
        " last successful run (assets/narrative_refresh.py)",
    )


@asset(
    group_name=GROUP,
    deps=[event_lake],
    kinds={"duckdb", "pgvector"},
    description="Per world and session and time window: an extractive summary of the events "
    "(quest outcomes, state changes, the most telling dialogue), embedded for search.",
)
def narrative_history(
    context: AssetExecutionContext,
    config: NarrativeConfig,
    postgres: PostgresResource,
    lake_store: LakeResource,
    embedder: EmbedderResource,
) -> MaterializeResult:
    with postgres.connect() as conn:
        previous = previous_run(conn, "narrative_history")
    plan = refresh_plan(
        lake.scan_lake(lake_store.path), previous,
        window_minutes=config.window_minutes, full=config.full_refresh,
    )  # fmt: skip
    window = timedelta(minutes=config.window_minutes)
    summaries = (
        summarize_lake(lake_store.path, window=window, max_lines=config.max_lines, files=plan.files)
        if plan.files
        else []
    )
    rows = [r for r in summaries if plan.keeps(r["world_id"], r["period_start"])]
    changed_days = sum(len(days) for days in (plan.days or {}).values())
    context.log.info(
        f"{len(rows)} summaries from {len(plan.files)} lake files"
        + (" (full refresh)" if plan.full else f" ({changed_days} world-days rewritten)")
    )
    with (
        postgres.connect() as conn,
        record_run(conn, "narrative_history", dagster_run=_run_id(context)) as rec,
    ):
        stats = store_history(conn, rows, embedder.get(), log=context.log.info)
        stats["refresh"] = "full" if plan.full else "incremental"
        stats["files_read"] = len(plan.files)
        stats["window_minutes"] = config.window_minutes
        stats["worlds"] = sorted({r["world_id"] for r in rows})
        stats["sessions"] = len({(r["world_id"], r["session_id"]) for r in rows})
        stats["events"] = sum(int(r["event_count"]) for r in rows)
        rec.stats = stats  # record_run adds the seconds
    return MaterializeResult(metadata=_md(stats))


@asset_check(
    asset=narrative_history,
    description="no null vectors, 384 dims, known worlds, event ranges ordered",
)
def narrative_history_check(postgres: PostgresResource) -> AssetCheckResult:
    with postgres.connect() as conn:
        total, nulls, wrong_dim, bad_range = _counts(
            conn,
            "SELECT count(*), count(*) FILTER (WHERE embedding IS NULL),"
            " count(*) FILTER (WHERE vector_dims(embedding) <> 384),"
            " count(*) FILTER (WHERE first_occurred_at > last_occurred_at"
            " OR first_occurred_at < period_start OR last_occurred_at >= period_end"
            " OR event_count <= 0)"
            " FROM narrative_history",
        )
        orphans = _scalar(
            conn,
            "SELECT count(*) FROM narrative_history h LEFT JOIN worlds w USING (world_id)"
            " WHERE w.world_id IS NULL",
        )
    return AssetCheckResult(
        passed=nulls == 0 and wrong_dim == 0 and orphans == 0 and bad_range == 0,
        metadata={
            "summaries": total,
            "null_vectors": nulls,
            "wrong_dimension": wrong_dim,
            "unknown_world": orphans,
            "bad_event_range": bad_range,
        },
    )
