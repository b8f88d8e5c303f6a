-- Serving: embeddings of NPC memory texts (one rendered observation per stored event), filled
-- lazily by GET .../npcs/{npc_id}/memory and reused across requests. `renderer` is the version of
-- the text template; a new template version re-embeds.
CREATE TABLE IF NOT EXISTS memory_embeddings (
    world_id    text        NOT NULL,
    event_id    uuid        NOT NULL,
    renderer    integer     NOT NULL,
    embedding   vector(384) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (world_id, event_id)
);
