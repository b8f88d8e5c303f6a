-- Serving: API keys. Only a salted sha256 of each key's secret is kept (see serving/security).
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      text        PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{12}$'),
    salt        bytea       NOT NULL,
    secret_hash bytea       NOT NULL,
    worlds      text[]      NOT NULL CHECK (cardinality(worlds) > 0),
    roles       text[]      NOT NULL
                CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['read', 'ingest', 'admin']),
    label       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_worlds ON api_keys USING gin (worlds);
