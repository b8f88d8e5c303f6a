-- LLM tiers: the model registry. One row per storyteller use case: which model answers it, how a
-- tier is picked, the sampling parameters and the latency objective. Read on every generation
-- request (a change applies to the next request) and changed through PUT /v1/models/use-cases/{id}.
-- tier_policy: 'preferred' = `tier` first, the other tiers as fallback; 'pinned' = only `tier`;
-- 'cheapest' = the cheapest tier expected to meet `ttft_objective_ms` first (`tier` is NULL).
-- ttft_objective_ms: the p95 time to first token the use case wants; the tier router compares it
-- with each tier's expected TTFT from live vLLM metrics.
CREATE TABLE IF NOT EXISTS model_registry (
    use_case             text        PRIMARY KEY CHECK (use_case ~ '^[a-z][a-z0-9_]{0,63}$'),
    model                text        NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    tier_policy          text        NOT NULL
                         CHECK (tier_policy IN ('preferred', 'pinned', 'cheapest')),
    tier                 text        CHECK (tier ~ '^[a-z][a-z0-9_-]{0,31}$'),
    temperature          real        NOT NULL CHECK (temperature >= 0 AND temperature <= 2),
    top_p                real        NOT NULL CHECK (top_p > 0 AND top_p <= 1),
    max_tokens           integer     NOT NULL CHECK (max_tokens BETWEEN 1 AND 2048),
    ttft_objective_ms    integer     NOT NULL CHECK (ttft_objective_ms BETWEEN 10 AND 600000),
    version              integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           text,
    CHECK ((tier_policy = 'cheapest') = (tier IS NULL))
);

INSERT INTO model_registry
    (use_case, model, tier_policy, tier, temperature, top_p, max_tokens, ttft_objective_ms,
     updated_by)
VALUES
    ('npc_dialogue',  'smollm2-135m-instruct', 'preferred', 'silver', 0.7, 0.9,  96,  1500, 'seed'),
    ('narration',     'smollm2-135m-instruct', 'preferred', 'gold',   0.8, 0.95, 192, 3000, 'seed'),
    ('quest_text',    'smollm2-135m-instruct', 'preferred', 'gold',   0.6, 0.9,  160, 3000, 'seed'),
    ('summarisation', 'smollm2-135m-instruct', 'cheapest',  NULL,     0.2, 0.9,  128, 8000, 'seed')
ON CONFLICT (use_case) DO NOTHING;
