-- Streams: every accepted game event, stored once (event_id is the idempotency key).
-- Written only by the streams worker (streams/sinks/postgres.py): COPY into a temporary staging
-- table, then INSERT ... SELECT ... ON CONFLICT (event_id) DO NOTHING RETURNING event_id.
CREATE TABLE IF NOT EXISTS events (
    event_id       uuid        PRIMARY KEY,
    world_id       text        NOT NULL,
    type           text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor          text,
    session_id     text,
    schema_version integer     NOT NULL,
    payload        jsonb       NOT NULL,
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    -- The Kafka record (partition, offset of the ingest topic) whose delivery first stored the
    -- event: a re-delivery of that same record after a crash recognises its own events by it.
    src_partition  integer     NOT NULL,
    src_offset     bigint      NOT NULL
);

CREATE INDEX IF NOT EXISTS events_world_occurred_idx ON events (world_id, occurred_at, event_id);
CREATE INDEX IF NOT EXISTS events_src_idx ON events (src_partition, src_offset);

-- One row per (sink batch, source partition): the records of that partition whose events the batch
-- inserted. A batch's lake files are written after its transaction commits; `written_at` stays NULL
-- until they are, so a worker that died in between rewrites them from `events` on restart.
CREATE TABLE IF NOT EXISTS events_lake_batches (
    batch_id      text        NOT NULL,
    src_partition integer     NOT NULL,
    first_offset  bigint      NOT NULL,
    last_offset   bigint      NOT NULL,
    events        integer     NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    written_at    timestamptz,
    PRIMARY KEY (batch_id, src_partition)
);

CREATE INDEX IF NOT EXISTS events_lake_batches_pending_idx
    ON events_lake_batches (created_at) WHERE written_at IS NULL;
