-- Foundation: owners (WeChat users) and their sessions, operators and theirs, the audit log,
-- the outbox that carries events to queues, and the tracking events BI receives.

CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    openid          text NOT NULL UNIQUE,
    unionid         text,
    nickname        text NOT NULL DEFAULT '',
    avatar_url      text NOT NULL DEFAULT '',
    sex             smallint NOT NULL DEFAULT 0,
    province        text NOT NULL DEFAULT '',
    city            text NOT NULL DEFAULT '',
    country         text NOT NULL DEFAULT '',
    -- A snapshot (virtual) user may browse but is never bound to money, robots or referral.
    snapshot        boolean NOT NULL DEFAULT false,
    -- Derived from id by a bijection (gpet::users::InviteCode), so unique by construction;
    -- the constraint is the proof.
    invite_code     text UNIQUE,
    frozen          boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_created_at ON users (created_at);

CREATE TABLE user_sessions (
    id              uuid PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    -- SHA-256 of the OAuth code that opened the session: a code opens at most one session,
    -- and a repeated callback (a double redirect) finds the session it already opened.
    oauth_code_hash text UNIQUE
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

CREATE TABLE operators (
    id              bigserial PRIMARY KEY,
    username        text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{2,32}$'),
    -- Argon2id PHC string; never the password.
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'operator', 'finance')),
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz
);

CREATE TABLE operator_sessions (
    id              uuid PRIMARY KEY,
    operator_id     bigint NOT NULL REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz
);
CREATE INDEX operator_sessions_operator ON operator_sessions (operator_id);

-- Every operator action that changes data, written in the same transaction as the change.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    operator_id     bigint REFERENCES operators (id),
    action          text NOT NULL,
    target          text,
    detail          jsonb NOT NULL DEFAULT '{}',
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at ON audit_log (at DESC);

-- Transactional outbox: a message that must reach a queue is written here in the same
-- transaction as the change that caused it; the relay publishes it and stamps published_at.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    queue           text NOT NULL,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text
);
-- The relay only ever looks for what is still to publish.
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;

-- Tracking events as stored by the tracking-events consumer. event_id is the idempotency key:
-- a redelivered message stores nothing new, and forwarded_at keeps BI from getting it twice.
CREATE TABLE tracking_events (
    event_id        uuid PRIMARY KEY,
    user_id         bigint,
    name            text NOT NULL,
    page            text,
    props           jsonb NOT NULL DEFAULT '{}',
    client_ts       timestamptz,
    server_ts       timestamptz NOT NULL,
    source          text NOT NULL CHECK (source IN ('h5', 'backend')),
    stored_at       timestamptz NOT NULL DEFAULT now(),
    forwarded_at    timestamptz
);
CREATE INDEX tracking_events_server_ts ON tracking_events (server_ts);
