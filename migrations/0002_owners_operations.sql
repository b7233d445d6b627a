-- Owners and operations: profile completion (phone, identity), referral, freezing, sensitive
-- words, short links, daily active users, marquee notices and settings (maintenance among them).

ALTER TABLE users
    -- A phone belongs to one user: the constraint decides between two users binding the same
    -- phone at the same moment (gpet answers 2303 on users_phone_key).
    ADD COLUMN phone                text UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    ADD COLUMN phone_bound_at       timestamptz,
    ADD COLUMN identity_name        text,
    -- The resident ID is kept masked only (first 6 and last 4 characters): it is never shown in
    -- full again, and no one can read it back from here.
    ADD COLUMN id_number_masked     text CHECK (id_number_masked ~ '^[0-9]{6}\*{8}[0-9]{3}[0-9X]$'),
    ADD COLUMN identity_verified_at timestamptz,
    ADD COLUMN master_id            bigint REFERENCES users (id),
    -- The master's master at binding time; binding is permanent, so it never goes stale.
    ADD COLUMN grand_master_id      bigint REFERENCES users (id),
    ADD COLUMN bound_at             timestamptz,
    ADD COLUMN invite_link_code     text,
    ADD COLUMN frozen_reason        text,
    ADD COLUMN frozen_at            timestamptz,
    ADD CONSTRAINT users_identity_whole CHECK ((identity_name IS NULL) = (id_number_masked IS NULL)),
    ADD CONSTRAINT users_not_own_master CHECK (master_id <> id AND grand_master_id <> id);
CREATE INDEX users_master ON users (master_id) WHERE master_id IS NOT NULL;
CREATE INDEX users_grand_master ON users (grand_master_id) WHERE grand_master_id IS NOT NULL;
CREATE INDEX users_nickname ON users (nickname text_pattern_ops);

-- Referral rules the database keeps whatever the code does: a binding is never changed once
-- made, never to a snapshot user or from one, and never closes a cycle.
CREATE FUNCTION users_check_binding() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.master_id IS NOT DISTINCT FROM OLD.master_id THEN
        RETURN NEW;
    END IF;
    IF OLD.master_id IS NOT NULL THEN
        RAISE EXCEPTION 'a referral binding is permanent' USING CONSTRAINT = 'users_binding_permanent';
    END IF;
    IF NEW.snapshot OR (SELECT snapshot FROM users WHERE id = NEW.master_id) THEN
        RAISE EXCEPTION 'snapshot users are never bound' USING CONSTRAINT = 'users_binding_snapshot';
    END IF;
    IF EXISTS (
        WITH RECURSIVE up (id) AS (
            SELECT NEW.master_id
            UNION
            SELECT u.master_id FROM users u JOIN up ON u.id = up.id WHERE u.master_id IS NOT NULL
        )
        SELECT 1 FROM up WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'a referral binding may not close a cycle' USING CONSTRAINT = 'users_binding_cycle';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER users_check_binding BEFORE UPDATE OF master_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_check_binding();

CREATE TABLE sensitive_words (
    id              bigserial PRIMARY KEY,
    word            text NOT NULL,
    -- Lower case, half width: what the matcher compares; one row per normalized word.
    normalized      text NOT NULL UNIQUE CHECK (length(normalized) BETWEEN 1 AND 50),
    created_by      bigint REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Bumped in the transaction of every change, so each instance rebuilds its matcher once.
CREATE SEQUENCE sensitive_words_version;

CREATE TABLE short_links (
    id              bigserial PRIMARY KEY,
    -- base62 of the id (gpet::short_links::ShortCode): unique by construction.
    code            text NOT NULL UNIQUE,
    url             text NOT NULL CHECK (length(url) <= 2048),
    url_sha256      bytea NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('console', 'invite')),
    created_by      bigint REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz,
    -- Visits folded in from Redis's counters by the daily rollup.
    visits          bigint NOT NULL DEFAULT 0
);
-- The same URL asked again within the window finds its code here.
CREATE INDEX short_links_recent ON short_links (url_sha256, created_at DESC);

-- Daily active users of each business day, as the rollup counted them from Redis.
CREATE TABLE daily_activity (
    day             date PRIMARY KEY,
    active_users    integer NOT NULL CHECK (active_users >= 0),
    rolled_up_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE marquees (
    id              bigserial PRIMARY KEY,
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    created_by      bigint REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    CHECK (ends_at > starts_at)
);
CREATE INDEX marquees_live ON marquees (ends_at) WHERE deleted_at IS NULL;

-- Operators' settings, one JSON document per subject ('sms', 'short_links', 'maintenance', …);
-- a subject absent here has its defaults (gpet::settings).
CREATE TABLE settings (
    key             text PRIMARY KEY,
    value           jsonb NOT NULL,
    updated_by      bigint REFERENCES operators (id),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_action ON audit_log (action, at DESC);
CREATE INDEX audit_log_operator ON audit_log (operator_id, at DESC);
