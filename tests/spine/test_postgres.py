"""The platform spine: embedded PostgreSQL 18 + pgvector, schema migrations, pools."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import threading
from pathlib import Path

import numpy as np
import psycopg
import pytest

from infra.postgres import EmbeddedPostgres, PortInUseError, PostgresDataDirError
from infra.postgres import system_user as system_user_module
from infra.postgres.errors import PostgresPermissionError
from infra.postgres.postmaster import PostmasterStatus
from infra.postgres.server_config import ServerConfig, remembered_port
from infra.postgres.system_user import RunAs, ensure_reachable
from loreline.db import (
    MigrationChecksumError,
    MigrationError,
    apply_migrations,
    create_pool,
)
from loreline.db.databases import create_database, drop_database
from loreline.db.dsn import database_name, with_database
from loreline.db.migrations import MIGRATIONS_DIR, load_migrations
from loreline.db.vector_codec import decode_vector, encode_vector
from tests.fixtures.postgres import PostgresUnderTest

# ---- unit ----------------------------------------------------------------------------------


@pytest.mark.unit
def test_migration_files_load_in_version_order_starting_with_the_spine() -> None:
    migrations = load_migrations()
    versions = [m.version for m in migrations]
    assert versions == sorted(versions)
    assert migrations[0].label == "0001_spine"
    assert b"CREATE EXTENSION IF NOT EXISTS vector" in migrations[0].sql


@pytest.mark.unit
def test_misnamed_or_duplicate_migration_files_are_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "0001_ok.sql").write_text("SELECT 1;")
    (tmp_path / "2_bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"'2_bad.sql' is misnamed; name it NNNN_"):
        load_migrations(tmp_path)
    (tmp_path / "2_bad.sql").unlink()
    (tmp_path / "0001_again.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share version 0001; renumber"):
        load_migrations(tmp_path)


@pytest.mark.unit
def test_vector_codec_round_trips_lists_and_arrays_as_float32() -> None:
    decoded = decode_vector(encode_vector([0.5, -1.25, 3.0]))
    assert decoded.dtype == np.float32
    assert decoded.tolist() == [0.5, -1.25, 3.0]
    array = np.linspace(-1, 1, 384, dtype=np.float64)
    np.testing.assert_array_equal(decode_vector(encode_vector(array)), array.astype(np.float32))
    with pytest.raises(ValueError, match="one-dimensional"):
        encode_vector(np.zeros((2, 3)))


@pytest.mark.unit
def test_server_config_remembers_its_port(tmp_path: Path) -> None:
    config = ServerConfig("127.0.0.1", 54329, tmp_path / "pg-socket", durable=False)
    (tmp_path / "loreline.conf").write_text(config.render())
    assert remembered_port(tmp_path) == 54329
    assert "fsync = off" in config.render()
    assert "fsync" not in ServerConfig("127.0.0.1", 1, tmp_path, durable=True).render()
    assert remembered_port(tmp_path / "missing") is None


@pytest.mark.unit
def test_dsn_database_is_swapped_and_non_urls_are_refused() -> None:
    dsn = "postgresql://loreline@127.0.0.1:5432/loreline?sslmode=disable"
    other = with_database(dsn, "test_1")
    assert other == "postgresql://loreline@127.0.0.1:5432/test_1?sslmode=disable"
    assert database_name(other) == "test_1"
    with pytest.raises(ValueError, match="postgresql://user@host:port/dbname"):
        with_database("host=localhost dbname=x", "y")


@pytest.mark.unit
def test_postmaster_pid_file_is_parsed() -> None:
    text = "4242\n/data/pg\n1764360000\n54321\n/data/pg-socket\n127.0.0.1\n  1 2\nready   \n"
    status = PostmasterStatus.parse(text)
    assert status is not None
    assert (status.pid, status.port, status.status) == (4242, 54321, "ready")
    assert status.socket_dir == Path("/data/pg-socket")
    assert PostmasterStatus.parse("") is None


@pytest.mark.unit
def test_unreachable_folders_are_opened_only_inside_the_temp_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = RunAs("stranger", uid=54321, gid=54321, groups=frozenset({54321}), switch=True)
    closed = tmp_path / "closed"
    target = closed / "pg"
    target.mkdir(parents=True)
    closed.chmod(0o700)
    ensure_reachable(target, stranger)  # tmp_path is inside the temp area: gets o+x
    assert closed.stat().st_mode & stat.S_IXOTH
    assert not closed.stat().st_mode & stat.S_IROTH  # enter, not list

    closed.chmod(0o700)
    monkeypatch.setattr(system_user_module, "temp_root", lambda: tmp_path / "elsewhere")
    with pytest.raises(PostgresPermissionError, match=rf"`chmod o\+x {closed}`"):
        ensure_reachable(target, stranger)
    assert not closed.stat().st_mode & stat.S_IXOTH


@pytest.mark.unit
def test_unusable_data_folders_are_refused_with_the_fix(tmp_path: Path) -> None:
    foreign = tmp_path / "not-pg"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(PostgresDataDirError, match="not a PostgreSQL data folder"):
        EmbeddedPostgres(foreign).start(timeout=10)
    assert (foreign / "notes.txt").read_text() == "mine"

    if os.geteuid() != 0:
        return
    owned = tmp_path / "owned"
    owned.mkdir()
    (owned / "PG_VERSION").write_text("18\n")
    os.chown(owned, 54321, 54321)
    with pytest.raises(PostgresDataDirError, match=r"run `chown -R loreline-pg: "):
        EmbeddedPostgres(owned).start(timeout=10)


# ---- integration: the session server -------------------------------------------------------


@pytest.mark.integration
async def test_pgvector_hnsw_index_finds_the_nearest_row(database_url: str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(300, 384)).astype(np.float32)
    pool = await create_pool(database_url, max_size=2)
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "CREATE TABLE probe (id int PRIMARY KEY, embedding vector(384), meta jsonb)"
            )
            await conn.executemany(
                "INSERT INTO probe VALUES ($1, $2, $3)",
                [(i, vectors[i], {"i": i, "tags": ["a"]}) for i in range(len(vectors))],
            )
            await conn.execute(
                "CREATE INDEX probe_hnsw ON probe USING hnsw (embedding vector_cosine_ops)"
            )
            query = vectors[123] + 0.01 * rng.normal(size=384).astype(np.float32)
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_seqscan = off")
                row = await conn.fetchrow(
                    "SELECT id, embedding, meta FROM probe ORDER BY embedding <=> $1 LIMIT 1",
                    query,
                )
                plan_rows = await conn.fetch(
                    "EXPLAIN (FORMAT TEXT) SELECT id FROM probe ORDER BY embedding <=> $1 LIMIT 1",
                    query.tolist(),
                )
    finally:
        await pool.close()
    assert row is not None
    assert row["id"] == 123
    assert isinstance(row["embedding"], np.ndarray)
    assert row["embedding"].dtype == np.float32
    np.testing.assert_array_equal(row["embedding"], vectors[123])
    assert row["meta"] == {"i": 123, "tags": ["a"]}
    plan = "\n".join(r[0] for r in plan_rows)
    assert "Index Scan using probe_hnsw" in plan


@pytest.mark.integration
def test_migrations_are_recorded_and_idempotent(database_url: str) -> None:
    assert apply_migrations(database_url) == []
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
        ).fetchall()
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    expected = [(m.version, m.name, m.checksum) for m in load_migrations()]
    assert rows == expected
    assert {"vector", "pg_trgm"} <= extensions


@pytest.mark.integration
def test_an_edited_applied_migration_is_refused(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    (folder / "0999_probe.sql").write_text("CREATE TABLE probe_kept (id int);\n")
    assert apply_migrations(database_url, directory=folder) == ["0999_probe"]

    (folder / "0999_probe.sql").write_text("CREATE TABLE probe_kept (id bigint);\n")
    (folder / "1000_after.sql").write_text("CREATE TABLE probe_after (id int);\n")
    with pytest.raises(MigrationChecksumError, match=r"0999_probe.sql was changed.*new file"):
        apply_migrations(database_url, directory=folder)
    with psycopg.connect(database_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
    assert "probe_kept" in tables  # nothing already applied is lost
    assert "probe_after" not in tables  # nothing new is applied past the refusal


@pytest.mark.integration
def test_a_failing_migration_rolls_back_alone(postgres: PostgresUnderTest, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE first_ok (id int);\n")
    (tmp_path / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n"
    )
    url = create_database(postgres.dsn, "spine_failing")
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed and was rolled back"):
            apply_migrations(url, directory=tmp_path)
        with psycopg.connect(url) as conn:
            tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables")}
            versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    finally:
        drop_database(postgres.dsn, "spine_failing")
    assert "first_ok" in tables
    assert "half_done" not in tables
    assert versions == ["0001"]


@pytest.mark.integration
def test_concurrent_starters_apply_each_migration_once(postgres: PostgresUnderTest) -> None:
    url = create_database(postgres.dsn, "spine_concurrent")
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(apply_migrations(url))
        except BaseException as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        drop_database(postgres.dsn, "spine_concurrent")
    assert errors == []
    applied = sorted(label for result in results for label in result)
    assert applied == [m.label for m in load_migrations()]


@pytest.mark.integration
def test_session_server_answers_over_tcp_and_the_socket(postgres: PostgresUnderTest) -> None:
    with psycopg.connect(postgres.dsn) as conn:
        row = conn.execute("SELECT inet_server_addr()::text, current_user, version()").fetchone()
    assert row is not None
    assert row[0] in ("127.0.0.1/32", "::1/128") or postgres.server is None
    if postgres.server is None:
        return
    assert row[1] == "loreline"
    assert "PostgreSQL 18" in row[2]
    assert postgres.server.version().startswith("18.")
    with psycopg.connect(postgres.server.socket_dsn) as conn:
        over_socket = conn.execute("SELECT inet_server_addr(), current_database()").fetchone()
    assert over_socket == (None, "loreline")


@pytest.mark.integration
def test_start_on_a_running_server_returns_its_info(postgres: PostgresUnderTest) -> None:
    if postgres.server is None:
        pytest.skip("DATABASE_URL points at an external server")
    before = postgres.server.status()
    again = postgres.server.start(timeout=10)
    assert before is not None
    assert (again.pid, again.port, again.name) == (before.pid, before.port, "postgres")


# ---- integration: a server of its own -------------------------------------------------------


@pytest.mark.integration
def test_restart_keeps_data_and_port_and_a_taken_port_is_named(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "home" / "pg", durable=False)
    try:
        first = server.start()
        with psycopg.connect(server.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('survives a restart')")
        server.stop()
        assert not server.is_running()
        assert server.status() is None

        again = EmbeddedPostgres(tmp_path / "home" / "pg", durable=False).start()
        assert again.port == first.port
        assert again.pid != first.pid
        with psycopg.connect(server.dsn) as conn:
            assert conn.execute("SELECT note FROM kept").fetchone() == ("survives a restart",)
        server.stop()

        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine
            squatter.bind(("127.0.0.1", first.port or 0))
            squatter.listen()
            with pytest.raises(PortInUseError, match=rf"port {first.port} .* remembers port"):
                server.start(timeout=20)
        assert server.start().port == first.port
    finally:
        server.stop()
