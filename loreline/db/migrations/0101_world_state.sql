-- Streams: live world state, upserted by the streams worker in the same transaction that stores the
-- events it derives from (see docs/architecture.md "State semantics" and docs/streams.md).
-- Every "latest" field keeps the (occurred_at, event_id) of the event it came from in `<field>_at` /
-- `<field>_event`, so merges are order-independent: a late event never overwrites a newer one.
-- `updated_at` is the greatest occurred_at among the events applied to the row (deterministic, so
-- live state equals a replay). Sums of deltas are exact fixed-point (6 decimals).

CREATE TABLE IF NOT EXISTS world_state_players (
    world_id       text        NOT NULL,
    player_id      text        NOT NULL,
    location       text,
    status         text,
    updated_at     timestamptz NOT NULL,
    location_at    timestamptz,
    location_event uuid,
    status_at      timestamptz,
    status_event   uuid,
    PRIMARY KEY (world_id, player_id)
);

CREATE TABLE IF NOT EXISTS world_state_quests (
    world_id     text        NOT NULL,
    player_id    text        NOT NULL,
    quest_id     text        NOT NULL,
    status       text,
    step         integer     NOT NULL DEFAULT 0,
    updated_at   timestamptz NOT NULL,
    status_at    timestamptz,
    status_event uuid,
    PRIMARY KEY (world_id, player_id, quest_id)
);

CREATE TABLE IF NOT EXISTS world_state_npcs (
    world_id       text        NOT NULL,
    npc_id         text        NOT NULL,
    status         text,
    location       text,
    mood           text,
    updated_at     timestamptz NOT NULL,
    status_at      timestamptz,
    status_event   uuid,
    location_at    timestamptz,
    location_event uuid,
    mood_at        timestamptz,
    mood_event     uuid,
    PRIMARY KEY (world_id, npc_id)
);

CREATE TABLE IF NOT EXISTS world_state_npc_relations (
    world_id   text           NOT NULL,
    npc_id     text           NOT NULL,
    player_id  text           NOT NULL,
    affinity   numeric(24, 6) NOT NULL DEFAULT 0,
    updated_at timestamptz    NOT NULL,
    PRIMARY KEY (world_id, npc_id, player_id)
);

CREATE TABLE IF NOT EXISTS world_state_factions (
    world_id   text           NOT NULL,
    faction_id text           NOT NULL,
    player_id  text           NOT NULL,
    reputation numeric(24, 6) NOT NULL DEFAULT 0,
    updated_at timestamptz    NOT NULL,
    PRIMARY KEY (world_id, faction_id, player_id)
);

CREATE TABLE IF NOT EXISTS world_state_world (
    world_id       text             PRIMARY KEY,
    weather        text,
    temperature_c  double precision,
    wind           text,
    game_day       bigint,
    game_minute    integer,
    events_applied bigint           NOT NULL DEFAULT 0,
    last_event_at  timestamptz,
    last_offset    bigint,
    weather_at     timestamptz,
    weather_event  uuid,
    clock_at       timestamptz,
    clock_event    uuid
);

CREATE TABLE IF NOT EXISTS world_state_economy (
    world_id    text             NOT NULL,
    item        text             NOT NULL,
    price       double precision NOT NULL,
    updated_at  timestamptz      NOT NULL,
    price_at    timestamptz      NOT NULL,
    price_event uuid             NOT NULL,
    PRIMARY KEY (world_id, item)
);
