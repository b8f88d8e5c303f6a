"""Lore ingestion without Dagster: documents → chunks → embeddings → entities (psycopg, sync).

The Dagster assets call these steps one by one; `load_lore()` / `load_default_lore()` run them all
(for `loreline demo`, scripts and tests). Unchanged documents are not re-chunked or re-embedded
(content hash + chunker version), and a changed document keeps the embeddings of its unchanged
chunks.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from loreline.knowledge.chunking import (
    CHUNKER_VERSION,
    ParsedDocument,
    chunk_document,
    citation_id,
    parse_document,
)
from loreline.knowledge.embedder import Embedder, get_embedder, vector_literal

GLOBAL_WORLD = "global"
LORE_SUFFIXES = (".md", ".markdown", ".txt")
ENTITY_KINDS = ("npc", "faction", "location", "quest", "item")
# doc_type of a lore document → kind of the entities it lists when no catalogue names them
DOC_TYPE_KIND = {"character": "npc", "faction": "faction", "location": "location", "quest": "quest"}

Log = Callable[[str], None]


def _noop(_: str) -> None:
    return None


@dataclass
class LoreSource:
    """A folder of lore: every Markdown/text file under it, in `world_id` (or each file's own)."""

    lore_dir: Path
    world_id: str | None = None  # None: the file's front matter `world_id`, else 'global'

    @property
    def source(self) -> str:
        return str(self.lore_dir.resolve())


def default_lore_source() -> LoreSource:
    """The demo world's lore (`loreline.demo_world.lore_dir()`), world ids from front matter."""
    from loreline.demo_world import lore_dir

    return LoreSource(lore_dir=lore_dir(), world_id=None)


def discover_documents(source: LoreSource) -> list[ParsedDocument]:
    """Parse every lore file of `source`, sorted by relative path."""
    root = source.lore_dir
    if not root.is_dir():
        raise FileNotFoundError(f"lore folder {root} does not exist")
    docs: list[ParsedDocument] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() not in LORE_SUFFIXES or path.name.startswith("."):
            continue
        if path.name.lower() == "readme.md":
            continue
        relative = path.relative_to(root).as_posix()
        try:
            doc = parse_document(relative, path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: {exc}") from exc
        docs.append(doc)
    return docs


def document_world(doc: ParsedDocument, source: LoreSource) -> str:
    from loreline.contract.worlds import validate_world_id

    world = source.world_id or doc.world_id or GLOBAL_WORLD
    return validate_world_id(world)


def ensure_worlds(conn: psycopg.Connection, world_ids: Iterable[str]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO worlds (world_id, name) VALUES (%s, %s) ON CONFLICT (world_id) DO NOTHING",
            [(w, w) for w in sorted(set(world_ids))],
        )


# --- documents ------------------------------------------------------------------------------------


@dataclass
class DocumentStats:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    worlds: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "worlds": self.worlds,
        }


def upsert_documents(
    conn: psycopg.Connection, source: LoreSource, docs: list[ParsedDocument] | None = None
) -> DocumentStats:
    """Write the source's documents; unchanged files (same content hash) are left as they are."""
    docs = discover_documents(source) if docs is None else docs
    stats = DocumentStats()
    keep: list[tuple[str, str]] = []
    with conn.transaction():
        ensure_worlds(conn, [document_world(d, source) for d in docs])
        for doc in docs:
            world = document_world(doc, source)
            keep.append((world, doc.path))
            row = conn.execute(
                "SELECT document_id, content_hash, source FROM lore_documents"
                " WHERE world_id = %s AND path = %s",
                (world, doc.path),
            ).fetchone()
            if row is not None and row[1] == doc.content_hash and row[2] == source.source:
                stats.unchanged += 1
                continue
            slug = _free_slug(conn, world, doc.slug, doc.path)
            values = (
                source.source,
                slug,
                doc.title,
                doc.doc_type,
                list(doc.entities),
                list(doc.tags),
                Jsonb(doc.front_matter),
                doc.body,
                doc.content_hash,
            )
            if row is None:
                conn.execute(
                    "INSERT INTO lore_documents (source, slug, title, doc_type, entities, tags,"
                    " front_matter, body, content_hash, world_id, path)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (*values, world, doc.path),
                )
                stats.inserted += 1
            else:
                conn.execute(
                    "UPDATE lore_documents SET source = %s, slug = %s, title = %s, doc_type = %s,"
                    " entities = %s, tags = %s, front_matter = %s, body = %s, content_hash = %s,"
                    " updated_at = now() WHERE document_id = %s",
                    (*values, row[0]),
                )
                stats.updated += 1
        stale = conn.execute(
            "SELECT document_id, world_id, path FROM lore_documents WHERE source = %s",
            (source.source,),
        ).fetchall()
        wanted = set(keep)
        gone = [doc_id for doc_id, world, path in stale if (world, path) not in wanted]
        if gone:
            conn.execute("DELETE FROM lore_documents WHERE document_id = ANY(%s)", (gone,))
        stats.deleted = len(gone)
    stats.worlds = sorted({w for w, _ in keep})
    return stats


def _free_slug(conn: psycopg.Connection, world: str, slug: str, path: str) -> str:
    row = conn.execute(
        "SELECT path FROM lore_documents WHERE world_id = %s AND slug = %s", (world, slug)
    ).fetchone()
    if row is None or row[0] == path:
        return slug
    from loreline.knowledge.chunking import content_hash

    return f"{slug}-{content_hash(path)[:6]}"


# --- chunks ---------------------------------------------------------------------------------------


def chunk_pending_documents(
    conn: psycopg.Connection, *, max_words: int | None = None, log: Log = _noop
) -> dict[str, Any]:
    """(Re)chunk documents whose chunks are missing or were made from other content."""
    from loreline.knowledge import chunking

    max_words = max_words or chunking.DEFAULT_MAX_WORDS
    version = f"{CHUNKER_VERSION}:{max_words}"
    pending = conn.execute(
        "SELECT document_id, world_id, path, slug, title, body, content_hash FROM lore_documents"
        " WHERE chunked_hash IS DISTINCT FROM content_hash || ':' || %s ORDER BY document_id",
        (version,),
    ).fetchall()
    chunks_written = reused = 0
    for doc_id, world, path, slug, title, body, chash in pending:
        parsed = ParsedDocument(
            path=path,
            slug=slug,
            title=title,
            doc_type="",
            world_id=world,
            entities=(),
            tags=(),
            front_matter={},
            body=body,
            content_hash=chash,
        )
        chunks = chunk_document(parsed, max_words=max_words)
        with conn.transaction():
            old = {
                (tuple(h), t): (e, m)
                for h, t, e, m in conn.execute(
                    "SELECT heading_path, text, embedding::text, embedding_model FROM lore_chunks"
                    " WHERE document_id = %s AND embedding IS NOT NULL",
                    (doc_id,),
                ).fetchall()
            }
            conn.execute("DELETE FROM lore_chunks WHERE document_id = %s", (doc_id,))
            with conn.cursor().copy(
                "COPY lore_chunks (document_id, world_id, position, heading_path, heading, text,"
                " citation_id, token_estimate, embedding, embedding_model, embedded_at)"
                " FROM STDIN"
            ) as copy:
                for chunk in chunks:
                    emb, model = old.get((chunk.heading_path, chunk.text), (None, None))
                    reused += emb is not None
                    copy.write_row(
                        (
                            doc_id,
                            world,
                            chunk.position,
                            list(chunk.heading_path),
                            chunk.heading,
                            chunk.text,
                            citation_id(world, slug, chunk.position),
                            int(chunk.word_count * 1.3),
                            emb,
                            model,
                            "now" if emb is not None else None,
                        )
                    )
            conn.execute(
                "UPDATE lore_documents SET chunked_hash = content_hash || ':' || %s"
                " WHERE document_id = %s",
                (version, doc_id),
            )
        chunks_written += len(chunks)
        log(f"chunked {world}/{path}: {len(chunks)} chunks")
    return {
        "documents_chunked": len(pending),
        "chunks_written": chunks_written,
        "embeddings_reused": reused,
    }


# --- embeddings -----------------------------------------------------------------------------------


def write_embeddings(
    conn: psycopg.Connection, table: str, key: str, ids: list[int], vectors: Any, model: str
) -> None:
    """Set `embedding` for rows `ids` of `table` (COPY into a temp table, then one UPDATE)."""
    if table not in ("lore_chunks", "narrative_history") or key not in ("chunk_id", "history_id"):
        raise ValueError("unexpected table")
    with conn.transaction():
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _emb (id bigint, embedding vector(384))"
            " ON COMMIT DELETE ROWS"
        )
        buf = io.StringIO()
        for row_id, vec in zip(ids, vectors, strict=True):
            buf.write(f"{row_id}\t{vector_literal(vec)}\n")
        with conn.cursor().copy("COPY _emb (id, embedding) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        conn.execute(
            f"UPDATE {table} t SET embedding = e.embedding, embedding_model = %s,"
            f" embedded_at = now() FROM _emb e WHERE t.{key} = e.id",
            (model,),
        )


def embed_pending_chunks(
    conn: psycopg.Connection,
    embedder: Embedder,
    *,
    batch_size: int = 256,
    log: Log = _noop,
) -> dict[str, Any]:
    """Embed every chunk without an embedding, `batch_size` at a time, logging progress."""
    total = conn.execute("SELECT count(*) FROM lore_chunks WHERE embedding IS NULL").fetchone()
    todo = int(total[0]) if total else 0
    done = 0
    started = time.perf_counter()
    last_id = 0
    while True:
        rows = conn.execute(
            "SELECT chunk_id, heading, text FROM lore_chunks"
            " WHERE embedding IS NULL AND chunk_id > %s ORDER BY chunk_id LIMIT %s",
            (last_id, batch_size),
        ).fetchall()
        if not rows:
            break
        texts = [f"{h}\n\n{t}" if h else t for _, h, t in rows]
        vectors = embedder.encode(texts)
        write_embeddings(
            conn, "lore_chunks", "chunk_id", [r[0] for r in rows], vectors, embedder.model_name
        )
        done += len(rows)
        last_id = rows[-1][0]
        elapsed = time.perf_counter() - started
        log(f"embedded {done}/{todo} chunks ({done / max(elapsed, 1e-9):.0f} chunks/s)")
    elapsed = time.perf_counter() - started
    return {
        "chunks_embedded": done,
        "seconds": round(elapsed, 3),
        "chunks_per_second": round(done / elapsed, 1) if done and elapsed > 0 else None,
        "model": embedder.model_name,
    }


# --- entities -------------------------------------------------------------------------------------


def upsert_entities(
    conn: psycopg.Connection, rows: Iterable[tuple[str, str, str, str, dict[str, Any], str]]
) -> int:
    """Upsert (world_id, kind, entity_id, name, attributes, source) rows; merges attributes/sources.

    A name from the catalogue or lore is never replaced by one guessed from events.
    """
    items = list(rows)
    if not items:
        return 0
    ensure_worlds(conn, [r[0] for r in items])
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO entities AS e (world_id, kind, entity_id, name, attributes, sources)
            VALUES (%s, %s, %s, %s, %s, ARRAY[%s]::text[])
            ON CONFLICT (world_id, kind, entity_id) DO UPDATE SET
                name = CASE WHEN EXCLUDED.sources = ARRAY['events'] THEN e.name ELSE EXCLUDED.name END,
                attributes = e.attributes || EXCLUDED.attributes,
                sources = ARRAY(SELECT DISTINCT unnest(e.sources || EXCLUDED.sources) ORDER BY 1),
                updated_at = now()
            """,
            [(w, k, i, n, Jsonb(a), s) for w, k, i, n, a, s in items],
        )
    return len(items)


def lore_entity_rows(
    conn: psycopg.Connection,
) -> list[tuple[str, str, str, str, dict[str, Any], str]]:
    """Entities named by lore front matter (kinds from the demo catalogue, else from doc_type),
    plus every entity of the demo world's catalogue when its world has lore."""
    docs = conn.execute(
        "SELECT world_id, slug, doc_type, entities FROM lore_documents ORDER BY world_id, slug"
    ).fetchall()
    worlds = {w for w, _, _, _ in docs}
    catalog = _demo_catalog()
    rows: dict[tuple[str, str, str], tuple[str, str, str, str, dict[str, Any], str]] = {}
    if catalog is not None and catalog.world_id in worlds:
        for kind, group in (
            ("location", catalog.locations),
            ("faction", catalog.factions),
            ("npc", catalog.npcs),
            ("quest", catalog.quests),
            ("item", catalog.items),
        ):
            for ent in group:
                name = getattr(ent, "name", None) or getattr(ent, "title", ent.id)
                attrs = ent.model_dump(mode="json", exclude={"id"})
                rows[(catalog.world_id, kind, ent.id)] = (
                    catalog.world_id,
                    kind,
                    ent.id,
                    name,
                    attrs,
                    "catalog",
                )
    mentions: dict[tuple[str, str], list[str]] = {}
    for world, slug, _doc_type, entities in docs:
        for entity_id in entities:
            mentions.setdefault((world, entity_id), []).append(slug)
    for (world, entity_id), slugs in mentions.items():
        known = [key for key in rows if key[0] == world and key[2] == entity_id]
        if known:
            for key in known:
                w, kind, i, name, attrs, src = rows[key]
                rows[key] = (w, kind, i, name, {**attrs, "lore_documents": slugs}, src)
            continue
        kinds = {
            DOC_TYPE_KIND[dt]
            for w, _slug, dt, ents in docs
            if w == world and entity_id in ents and dt in DOC_TYPE_KIND
        }
        if len(kinds) == 1:
            kind = kinds.pop()
            name = entity_id.replace("_", " ").replace("-", " ").title()
            rows[(world, kind, entity_id)] = (
                world,
                kind,
                entity_id,
                name,
                {"lore_documents": slugs},
                "lore",
            )
    return list(rows.values())


def _demo_catalog() -> Any:
    try:
        from loreline.demo_world import load_demo_world

        return load_demo_world()
    except Exception:  # the catalogue is optional for other lore folders
        return None


# --- all steps ------------------------------------------------------------------------------------


def load_lore(
    dsn: str,
    lore_dir: Path | str | None = None,
    world_id: str | None = None,
    *,
    embedder: Embedder | None = None,
    log: Log = _noop,
) -> dict[str, Any]:
    """Load a folder of lore into the knowledge base (default: the demo world's lore).

    `world_id`: load every file into that world ('global' for global lore); None = each file's
    front matter `world_id`, else 'global'. Returns the counts of each step.
    """
    source = (
        default_lore_source()
        if lore_dir is None
        else LoreSource(lore_dir=Path(lore_dir), world_id=world_id)
    )
    if lore_dir is None and world_id is not None:
        source.world_id = world_id
    embedder = embedder or get_embedder()
    with psycopg.connect(dsn, autocommit=True) as conn:
        documents = upsert_documents(conn, source)
        log(f"documents: {documents.as_dict()}")
        chunks = chunk_pending_documents(conn, log=log)
        embeddings = embed_pending_chunks(conn, embedder, log=log)
        entity_count = upsert_entities(conn, lore_entity_rows(conn))
    return {
        "documents": documents.as_dict(),
        "chunks": chunks,
        "embeddings": embeddings,
        "entities": entity_count,
    }


def load_default_lore(dsn: str, *, embedder: Embedder | None = None) -> dict[str, Any]:
    """The demo world's lore into the knowledge base (what `loreline demo` loads)."""
    return load_lore(dsn, embedder=embedder)
