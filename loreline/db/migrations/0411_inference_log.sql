-- LLM tiers: one row per call to a tier (a generation request that falls back or retries after a
-- failed guardrail writes one row per attempt, sharing `request_id`). Written by
-- serving/storyteller; `estimated_cost_usd` = price per GPU-hour x GPUs x latency share (see
-- docs/storyteller.md).
CREATE TABLE IF NOT EXISTS inference_log (
    inference_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id         uuid        NOT NULL,
    attempt            smallint    NOT NULL CHECK (attempt >= 1),
    created_at         timestamptz NOT NULL DEFAULT now(),
    world_id           text        NOT NULL,
    use_case           text        NOT NULL,
    key_id             text,
    tier               text        NOT NULL,
    endpoint           text        NOT NULL,
    model              text        NOT NULL,
    registry_version   integer,
    streamed           boolean     NOT NULL DEFAULT false,
    prompt_tokens      integer     CHECK (prompt_tokens >= 0),
    completion_tokens  integer     CHECK (completion_tokens >= 0),
    ttft_ms            real        CHECK (ttft_ms >= 0),
    latency_ms         real        NOT NULL CHECK (latency_ms >= 0),
    estimated_cost_usd numeric(14, 10) CHECK (estimated_cost_usd >= 0),
    guardrail_passed   boolean,
    guardrail_flags    text[]      NOT NULL DEFAULT '{}',
    fallback_used      boolean     NOT NULL DEFAULT false,
    error_code         text,
    error              text
);
CREATE INDEX IF NOT EXISTS inference_log_world_time ON inference_log (world_id, created_at);
CREATE INDEX IF NOT EXISTS inference_log_use_case_time ON inference_log (use_case, created_at);
CREATE INDEX IF NOT EXISTS inference_log_request ON inference_log (request_id);
