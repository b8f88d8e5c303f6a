-- Assets (Dagster) tables: worlds, lore documents and chunks (pgvector + full text), entities,
-- narrative history, world-state snapshots and the ingestion run log.
-- Global lore uses world_id 'global' (never NULL). Every per-world row carries world_id.
-- Written only by assets/ and loreline/knowledge/; read through loreline.knowledge.search.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE IF NOT EXISTS worlds (
    world_id    text PRIMARY KEY CHECK (world_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name        text,
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO worlds (world_id, name, description)
VALUES ('global', 'Global lore', 'Lore shared by every world')
ON CONFLICT (world_id) DO NOTHING;

CREATE TABLE IF NOT EXISTS lore_documents (
    document_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    world_id     text NOT NULL REFERENCES worlds (world_id),
    source       text NOT NULL,              -- the lore folder (or other source) it came from
    path         text NOT NULL,              -- path relative to the source
    slug         text NOT NULL,              -- citation prefix, unique per world
    title        text NOT NULL,
    doc_type     text NOT NULL DEFAULT 'lore',
    entities     text[] NOT NULL DEFAULT '{}',
    tags         text[] NOT NULL DEFAULT '{}',
    front_matter jsonb NOT NULL DEFAULT '{}'::jsonb,
    body         text NOT NULL,
    content_hash text NOT NULL,              -- sha256 of the whole file
    chunked_hash text,                       -- content_hash + chunker version the chunks came from
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (world_id, path),
    UNIQUE (world_id, slug)
);
CREATE INDEX IF NOT EXISTS lore_documents_doc_type ON lore_documents (world_id, doc_type);
CREATE INDEX IF NOT EXISTS lore_documents_entities ON lore_documents USING gin (entities);

CREATE TABLE IF NOT EXISTS lore_chunks (
    chunk_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES lore_documents (document_id) ON DELETE CASCADE,
    world_id        text NOT NULL REFERENCES worlds (world_id),
    position        integer NOT NULL CHECK (position >= 0),
    heading_path    text[] NOT NULL DEFAULT '{}',
    heading         text NOT NULL DEFAULT '',   -- heading_path joined with ' > '
    text            text NOT NULL,
    citation_id     text NOT NULL,              -- '<world>/<doc-slug>#chunk-<position>'
    token_estimate  integer NOT NULL DEFAULT 0,
    tsv             tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', heading), 'A')
                        || setweight(to_tsvector('english', text), 'B')
                    ) STORED,
    embedding       vector(384),
    embedding_model text,
    embedded_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_id, position),
    UNIQUE (citation_id)
);
CREATE INDEX IF NOT EXISTS lore_chunks_world ON lore_chunks (world_id);
CREATE INDEX IF NOT EXISTS lore_chunks_tsv ON lore_chunks USING gin (tsv);
CREATE INDEX IF NOT EXISTS lore_chunks_embedding_hnsw
    ON lore_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS lore_chunks_unembedded ON lore_chunks (chunk_id) WHERE embedding IS NULL;

CREATE TABLE IF NOT EXISTS narrative_history (
    history_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    world_id           text NOT NULL REFERENCES worlds (world_id),
    session_id         text NOT NULL,            -- '' for events outside any session
    period_start       timestamptz NOT NULL,
    period_end         timestamptz NOT NULL,
    summary            text NOT NULL,
    summary_hash       text NOT NULL,
    event_count        integer NOT NULL,
    first_event_id     text NOT NULL,
    last_event_id      text NOT NULL,
    first_occurred_at  timestamptz NOT NULL,
    last_occurred_at   timestamptz NOT NULL,
    actors             text[] NOT NULL DEFAULT '{}',
    entities           text[] NOT NULL DEFAULT '{}',
    tsv                tsvector GENERATED ALWAYS AS (to_tsvector('english', summary)) STORED,
    embedding          vector(384),
    embedding_model    text,
    embedded_at        timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (world_id, session_id, period_start),
    CHECK (period_end > period_start)
);
CREATE INDEX IF NOT EXISTS narrative_history_world ON narrative_history (world_id, period_start);
CREATE INDEX IF NOT EXISTS narrative_history_tsv ON narrative_history USING gin (tsv);
CREATE INDEX IF NOT EXISTS narrative_history_embedding_hnsw
    ON narrative_history USING hnsw (embedding vector_cosine_ops);

CREATE TABLE IF NOT EXISTS entities (
    world_id    text NOT NULL REFERENCES worlds (world_id),
    kind        text NOT NULL CHECK (kind IN ('npc', 'faction', 'location', 'quest', 'item')),
    entity_id   text NOT NULL,
    name        text NOT NULL,
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
    sources     text[] NOT NULL DEFAULT '{}',  -- 'catalog', 'lore', 'events'
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (world_id, kind, entity_id)
);
CREATE INDEX IF NOT EXISTS entities_entity ON entities (world_id, entity_id);

CREATE TABLE IF NOT EXISTS world_state_snapshots (
    snapshot_date date NOT NULL,              -- the Dagster partition: state as of its end (UTC)
    world_id      text NOT NULL,
    kind          text NOT NULL CHECK (kind IN
                      ('players', 'quests', 'npcs', 'npc_relations', 'factions', 'world', 'economy')),
    key           text NOT NULL,              -- e.g. 'p1', 'p1/q1', 'npc/p1', 'world'
    state         jsonb NOT NULL,
    as_of         timestamptz NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (snapshot_date, world_id, kind, key)
);
CREATE INDEX IF NOT EXISTS world_state_snapshots_world
    ON world_state_snapshots (world_id, kind, snapshot_date);

CREATE TABLE IF NOT EXISTS ingestion_runs (
    run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset        text NOT NULL,
    world_id     text,
    partition    text,
    dagster_run  text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'failed')),
    stats        jsonb NOT NULL DEFAULT '{}'::jsonb,
    error        text
);
CREATE INDEX IF NOT EXISTS ingestion_runs_asset ON ingestion_runs (asset, started_at DESC);
