"""World-state snapshot: DuckDB over the Parquet lake vs a plain SQL GROUP BY in PostgreSQL.

Generates N synthetic events (the contract's event types and payloads, 8 worlds, 10 days, 5,000
players) into a lake laid out like the streams' (`events/world_id=W/date=D/part-*.parquet`), then
times, for the same events and the same state semantics:
  - duckdb:   `assets.snapshot.compute_snapshot` (what the Dagster asset runs; de-duplicates);
  - postgres: the same state with GROUP BY + ordered array_agg over an `events`-like table
              (payload jsonb), loaded with COPY (load time reported separately);
and checks that both give the same number of rows per kind.

    .venv/bin/python -m bench.snapshot.bench_snapshot --sizes 1000000[,10000000] [--dsn URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import psycopg

from assets.snapshot import KINDS, compute_snapshot
from bench.retrieval.common import bench_database

WORLDS = [f"world{i}" for i in range(8)]
DAYS = 10
START = datetime(2026, 11, 1, tzinfo=UTC)
TYPES = [  # (type, share)
    ("player.moved", 0.14),
    ("session.joined", 0.05),
    ("session.left", 0.04),
    ("quest.started", 0.03),
    ("quest.progressed", 0.06),
    ("quest.completed", 0.02),
    ("quest.failed", 0.01),
    ("npc.state_changed", 0.08),
    ("npc.relationship_changed", 0.08),
    ("faction.reputation_changed", 0.06),
    ("economy.trade", 0.08),
    ("economy.price_changed", 0.03),
    ("weather.changed", 0.01),
    ("clock.tick", 0.06),
    ("dialogue.line", 0.20),
    ("player.action", 0.05),
]


def _fmt(template: str, *exprs: pl.Expr) -> pl.Expr:
    """`template` with each `{}` replaced by the next expression (string concatenation)."""
    pieces = template.split("{}")
    assert len(pieces) == len(exprs) + 1, template
    parts: list[pl.Expr] = []
    for piece, expr in zip(pieces, [*exprs, None], strict=True):
        if piece:
            parts.append(pl.lit(piece))
        if expr is not None:
            parts.append(expr.cast(pl.String))
    return pl.concat_str(parts)


def generate(n: int, seed: int = 0) -> pl.DataFrame:
    """N events as a DataFrame with the lake's columns (payload built as JSON text, vectorised)."""
    rng = np.random.default_rng(seed)
    names = [t for t, _ in TYPES]
    p = np.array([s for _, s in TYPES])
    types = rng.choice(len(names), size=n, p=p / p.sum())
    micros = rng.integers(0, DAYS * 86_400 * 1_000_000, size=n)
    raw = rng.bytes(16 * n).hex()
    hexes = [raw[i : i + 32] for i in range(0, 32 * n, 32)]
    del raw
    df = pl.DataFrame(
        {
            "t": types,
            "us": micros,
            "h": pl.Series(hexes, dtype=pl.String),
            "world_id": rng.choice(WORLDS, size=n),
            "player": rng.integers(0, 5000, size=n),
            "loc": rng.integers(0, 40, size=n),
            "npc": rng.integers(0, 200, size=n),
            "fac": rng.integers(0, 12, size=n),
            "quest": rng.integers(0, 60, size=n),
            "item": rng.integers(0, 50, size=n),
            "step": rng.integers(1, 6, size=n),
            "delta": np.round(rng.uniform(-10, 10, size=n), 2),
            "price": np.round(rng.uniform(1, 100, size=n), 2),
            "mood": rng.integers(0, 4, size=n),
            "temp": np.round(rng.uniform(-5, 25, size=n), 1),
            "minute": rng.integers(0, 1440, size=n),
            "session": rng.integers(0, 20_000, size=n),
        }
    )
    t = pl.col("t")
    code = {name: i for i, name in enumerate(names)}
    loc = _fmt("loc{}", pl.col("loc"))
    payload = (
        pl.when(t == code["player.moved"])
        .then(_fmt('{"to_location":"{}"}', loc))
        .when(t == code["session.joined"])
        .then(_fmt('{"location":"{}"}', loc))
        .when(t == code["session.left"])
        .then(pl.lit("{}"))
        .when(t == code["quest.progressed"])
        .then(_fmt('{"quest_id":"q{}","step":{}}', pl.col("quest"), pl.col("step")))
        .when(t.is_in([code["quest.started"], code["quest.completed"], code["quest.failed"]]))
        .then(_fmt('{"quest_id":"q{}"}', pl.col("quest")))
        .when(t == code["npc.state_changed"])
        .then(
            _fmt(
                '{"location":"{}","mood":"m{}","npc_id":"npc{}"}',
                loc,
                pl.col("mood"),
                pl.col("npc"),
            )
        )
        .when(t == code["npc.relationship_changed"])
        .then(
            _fmt(
                '{"delta":{},"npc_id":"npc{}","player_id":"p{}"}',
                pl.col("delta"),
                pl.col("npc"),
                pl.col("player"),
            )
        )
        .when(t == code["faction.reputation_changed"])
        .then(
            _fmt(
                '{"delta":{},"faction_id":"f{}","player_id":"p{}"}',
                pl.col("delta"),
                pl.col("fac"),
                pl.col("player"),
            )
        )
        .when(t == code["economy.trade"])
        .then(_fmt('{"item":"i{}","quantity":2,"unit_price":{}}', pl.col("item"), pl.col("price")))
        .when(t == code["economy.price_changed"])
        .then(_fmt('{"item":"i{}","price":{}}', pl.col("item"), pl.col("price")))
        .when(t == code["weather.changed"])
        .then(_fmt('{"condition":"w{}","temperature_c":{}}', pl.col("mood"), pl.col("temp")))
        .when(t == code["clock.tick"])
        .then(_fmt('{"game_day":{},"game_minute":{}}', pl.col("quest"), pl.col("minute")))
        .when(t == code["dialogue.line"])
        .then(
            _fmt(
                '{"speaker":"npc{}","text":"A line of dialogue number {}."}',
                pl.col("npc"),
                pl.col("session"),
            )
        )
        .otherwise(_fmt('{"action":"look","target":"npc{}"}', pl.col("npc")))
    )
    hexid = pl.col("h")
    start_us = int(START.timestamp() * 1_000_000)
    return df.select(
        event_id=pl.concat_str(
            [
                hexid.str.slice(0, 8),
                hexid.str.slice(8, 4),
                hexid.str.slice(12, 4),
                hexid.str.slice(16, 4),
                hexid.str.slice(20, 12),
            ],
            separator="-",
        ),
        world_id=pl.col("world_id"),
        type=pl.col("t").replace_strict(list(range(len(names))), names, return_dtype=pl.String),
        occurred_at=(pl.col("us") + start_us).cast(pl.Datetime("us", "UTC")),
        actor=_fmt("p{}", pl.col("player")),
        session_id=_fmt("s{}", pl.col("session")),
        schema_version=pl.lit(1, dtype=pl.Int16),
        payload=payload,
    )


def write_lake(df: pl.DataFrame, lake: Path) -> int:
    files = 0
    df = df.with_columns(date=pl.col("occurred_at").dt.date())
    for (world, day), part in df.partition_by(["world_id", "date"], as_dict=True).items():
        folder = lake / "events" / f"world_id={world}" / f"date={day}"
        folder.mkdir(parents=True, exist_ok=True)
        part.drop("date").sort(["occurred_at", "event_id"]).write_parquet(
            folder / "part-0.parquet", compression="zstd"
        )
        files += 1
    return files


def _pg_latest(value: str, where: str = "true") -> str:
    return (
        f"(array_agg({value} ORDER BY occurred_at DESC, event_id DESC) FILTER (WHERE {where}))[1]"
    )


PG_SQL = {
    "players": f"""SELECT world_id, actor, {_pg_latest("coalesce(payload->>'to_location', payload->>'location')", "type = 'player.moved' OR payload->>'location' IS NOT NULL")},
        {_pg_latest("CASE type WHEN 'session.left' THEN 'offline' ELSE 'online' END", "type IN ('session.joined','session.left')")}, max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type IN ('player.moved','session.joined','session.left') GROUP BY 1, 2""",
    "quests": f"""SELECT world_id, actor, payload->>'quest_id', {_pg_latest("type")},
        coalesce(max((payload->>'step')::int) FILTER (WHERE type = 'quest.progressed'), 0), max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type LIKE 'quest.%%' GROUP BY 1, 2, 3""",
    "npcs": f"""SELECT world_id, payload->>'npc_id', {_pg_latest("payload->>'status'", "payload ? 'status'")},
        {_pg_latest("payload->>'location'", "payload ? 'location'")}, {_pg_latest("payload->>'mood'", "payload ? 'mood'")}, max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type = 'npc.state_changed' GROUP BY 1, 2""",
    "npc_relations": """SELECT world_id, payload->>'npc_id', payload->>'player_id',
        sum(round((payload->>'delta')::float8 * 1000000)::bigint)::numeric / 1000000, max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type = 'npc.relationship_changed' GROUP BY 1, 2, 3""",
    "factions": """SELECT world_id, payload->>'faction_id', payload->>'player_id',
        sum(round((payload->>'delta')::float8 * 1000000)::bigint)::numeric / 1000000, max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type = 'faction.reputation_changed' GROUP BY 1, 2, 3""",
    "world": f"""SELECT world_id, {_pg_latest("payload", "type = 'weather.changed'")}, {_pg_latest("payload", "type = 'clock.tick'")},
        count(*), max(occurred_at) FROM bench_events WHERE occurred_at < %(as_of)s GROUP BY 1""",
    "economy": f"""SELECT world_id, payload->>'item', {_pg_latest("coalesce(payload->>'unit_price', payload->>'price')::float8")}, max(occurred_at)
        FROM bench_events WHERE occurred_at < %(as_of)s AND type IN ('economy.trade','economy.price_changed') GROUP BY 1, 2""",
}


def load_postgres(conn: psycopg.Connection, lake: Path, tmp: Path) -> float:
    import duckdb

    conn.execute("DROP TABLE IF EXISTS bench_events")
    conn.execute(
        "CREATE UNLOGGED TABLE bench_events (event_id uuid NOT NULL, world_id text NOT NULL,"
        " type text NOT NULL, occurred_at timestamptz NOT NULL, actor text, session_id text,"
        " schema_version smallint NOT NULL, payload jsonb NOT NULL)"
    )
    csv = tmp / "events.csv"
    duckdb.sql(
        f"COPY (SELECT event_id, world_id, type, occurred_at, actor, session_id, schema_version, payload FROM read_parquet('{lake}/events/*/*/*.parquet', hive_partitioning = false)) TO '{csv}' (HEADER false)"
    )
    t0 = time.perf_counter()
    with (
        conn.cursor().copy("COPY bench_events FROM STDIN (FORMAT csv)") as copy,
        csv.open("rb") as fh,
    ):
        while chunk := fh.read(1 << 22):
            copy.write(chunk)
    conn.execute("ANALYZE bench_events")
    csv.unlink()
    return time.perf_counter() - t0


def run_size(n: int, dsn: str, keep_tmp: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-snapshot-"))
    os.chmod(tmp, 0o755)
    out: dict = {"events": n}
    try:
        t0 = time.perf_counter()
        df = generate(n)
        out["generate_s"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        out["lake_files"] = write_lake(df, tmp / "lake")
        out["lake_write_s"] = round(time.perf_counter() - t0, 1)
        out["lake_mb"] = round(
            sum(f.stat().st_size for f in (tmp / "lake").rglob("*.parquet")) / 2**20, 1
        )
        del df
        as_of = START + timedelta(days=DAYS)
        t0 = time.perf_counter()
        _, stats = compute_snapshot(tmp / "lake", as_of)
        out["duckdb_s"] = round(time.perf_counter() - t0, 2)
        out["duckdb_s_by_kind"] = stats["seconds_by_kind"]
        out["rows"] = stats["rows"]
        print(f"{n:>10,} events  duckdb {out['duckdb_s']:.2f}s  rows {out['rows']}", flush=True)
        with psycopg.connect(dsn, autocommit=True) as conn:
            out["postgres_copy_s"] = round(load_postgres(conn, tmp / "lake", tmp), 1)
            conn.execute("SET work_mem = '256MB'")
            total = 0.0
            pg_rows: dict[str, int] = {}
            by_kind: dict[str, float] = {}
            for kind in KINDS:
                t0 = time.perf_counter()
                rows = conn.execute(PG_SQL[kind], {"as_of": as_of}).fetchall()
                by_kind[kind] = round(time.perf_counter() - t0, 2)
                total += by_kind[kind]
                pg_rows[kind] = len(rows)
            out["postgres_s"] = round(total, 2)
            out["postgres_s_by_kind"] = by_kind
            out["postgres_rows_match"] = pg_rows == out["rows"]
            conn.execute("DROP TABLE bench_events")
        out["postgres_over_duckdb"] = round(out["postgres_s"] / out["duckdb_s"], 1)
        print(
            f"{n:>10,} events  postgres {out['postgres_s']:.2f}s (copy {out['postgres_copy_s']}s)"
            f"  ratio {out['postgres_over_duckdb']}x  rows match {out['postgres_rows_match']}",
            flush=True,
        )
    finally:
        if not keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000000", help="comma-separated event counts")
    parser.add_argument("--dsn", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results = []
    with bench_database(args.dsn, "bench_snapshot") as url:
        for size in (int(s) for s in args.sizes.split(",")):
            results.append(run_size(size, url))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
