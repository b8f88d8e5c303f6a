-- Serving: the storyteller's key-value cache, one namespace per world. JSON values with an
-- optional expiry; reads ignore expired rows and the API purges them periodically.
CREATE TABLE IF NOT EXISTS cache_entries (
    world_id   text        NOT NULL,
    key        text        NOT NULL,
    value      jsonb       NOT NULL,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (world_id, key)
);
CREATE INDEX IF NOT EXISTS cache_entries_expiry ON cache_entries (expires_at)
    WHERE expires_at IS NOT NULL;
