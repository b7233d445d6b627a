-- Issue 4: robots and distribution, groups and their daily activity, keywords, mass messages,
-- ad campaigns, robot-event idempotency and dead letters.

CREATE TABLE robots (
    id              bigserial PRIMARY KEY,
    platform_id     text NOT NULL UNIQUE CHECK (length(platform_id) BETWEEN 1 AND 64),
    wxid            text NOT NULL UNIQUE CHECK (length(wxid) BETWEEN 1 AND 64),
    nickname        text NOT NULL CHECK (length(nickname) BETWEEN 1 AND 64),
    qr_code_url     text NOT NULL CHECK (length(qr_code_url) BETWEEN 1 AND 1024),
    capacity        integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
    enabled         boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Each robot's free places at the start of a business day (the distribution's base), and what
-- the day's Redis counters reached, folded in by the next day's snapshot job.
CREATE TABLE robot_snapshots (
    day             date NOT NULL,
    robot_id        bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    free_places     integer NOT NULL CHECK (free_places >= 0),
    distributed     integer,
    displayed       integer,
    activated       integer,
    taken_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, robot_id)
);

-- A pairing code shown with a robot: the owner sends it with the friend request.
CREATE TABLE pairing_codes (
    code            text PRIMARY KEY CHECK (code ~ '^[A-Z2-9]{6}$'),
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    robot_id        bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX pairing_codes_user ON pairing_codes (user_id, robot_id, expires_at DESC);

-- A WeChat account paired to an owner (by a pairing code): joins it invites activate for them.
CREATE TABLE owner_wxids (
    wxid            text PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    robot_id        bigint NOT NULL REFERENCES robots (id),
    paired_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX owner_wxids_user ON owner_wxids (user_id);

CREATE TABLE groups (
    id              bigserial PRIMARY KEY,
    group_wxid      text NOT NULL UNIQUE,
    name            text NOT NULL DEFAULT '',
    robot_id        bigint NOT NULL REFERENCES robots (id),
    owner_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    state           text NOT NULL CHECK (state IN ('active', 'cancelled', 'left', 'refused')),
    -- The `at` of the membership event that set the state: older events never undo a newer one.
    state_at        timestamptz NOT NULL,
    member_count    integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    member_count_at timestamptz,
    stars           smallint NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 5),
    rated_day       date,
    launch_on       boolean NOT NULL DEFAULT true,
    joined_at       timestamptz NOT NULL,
    exited_at       timestamptz,
    exit_reason     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'active') = (exited_at IS NULL))
);
CREATE INDEX groups_owner ON groups (owner_id, id DESC);
CREATE INDEX groups_robot_active ON groups (robot_id) WHERE state = 'active';
CREATE INDEX groups_exited ON groups (exited_at) WHERE state <> 'active';

-- Per group per business day: sessions (distinct msg_id) and distinct speakers, kept exact by
-- the two tables below; stars is the rating this day's sessions earned (set the next day).
CREATE TABLE group_daily (
    group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    day             date NOT NULL,
    sessions        integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
    speakers        integer NOT NULL DEFAULT 0 CHECK (speakers >= 0),
    stars           smallint CHECK (stars BETWEEN 1 AND 5),
    PRIMARY KEY (group_id, day)
);
CREATE INDEX group_daily_day ON group_daily (day);

-- The messages counted (one row per group and msg_id) and the speakers seen per day: the
-- idempotency of the hot path. Kept a few days (group-purge), long past any redelivery.
CREATE TABLE group_messages (
    group_id        bigint NOT NULL,
    msg_id          text NOT NULL,
    day             date NOT NULL,
    PRIMARY KEY (group_id, msg_id)
);
CREATE INDEX group_messages_day ON group_messages (day);

CREATE TABLE group_speakers (
    group_id        bigint NOT NULL,
    day             date NOT NULL,
    wxid            text NOT NULL,
    PRIMARY KEY (group_id, day, wxid)
);

-- Robot events other than group messages, by their id: each takes effect once.
CREATE TABLE robot_events_done (
    event_id        text PRIMARY KEY,
    done_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX robot_events_done_at ON robot_events_done (done_at);

CREATE TABLE keywords (
    id              bigserial PRIMARY KEY,
    owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id        bigint REFERENCES groups (id) ON DELETE CASCADE,
    keyword         text NOT NULL CHECK (length(keyword) BETWEEN 1 AND 30),
    reply           text NOT NULL CHECK (length(reply) BETWEEN 1 AND 500),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX keywords_unique ON keywords (owner_id, coalesce(group_id, 0), keyword);

-- Messages the robots send for someone: an owner's mass message or an operators' ad campaign.
CREATE TABLE broadcasts (
    id              bigserial PRIMARY KEY,
    owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content         jsonb NOT NULL,
    send_at         timestamptz NOT NULL CHECK (date_trunc('minute', send_at) = send_at),
    state           text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- One task per owner per minute (2005).
CREATE UNIQUE INDEX broadcasts_one_per_minute ON broadcasts (owner_id, send_at) WHERE state <> 'cancelled';
CREATE INDEX broadcasts_due ON broadcasts (send_at) WHERE state IN ('scheduled', 'sending');

CREATE TABLE campaigns (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    content         jsonb NOT NULL,
    min_stars       smallint NOT NULL CHECK (min_stars BETWEEN 1 AND 5),
    starts_at       timestamptz NOT NULL,
    state           text NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'sending', 'done', 'cancelled')),
    created_by      bigint REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_due ON campaigns (starts_at) WHERE state IN ('scheduled', 'sending');

-- One delivery per task and group, for both kinds of task.
CREATE TABLE deliveries (
    task_kind       text NOT NULL CHECK (task_kind IN ('broadcast', 'campaign')),
    task_id         bigint NOT NULL,
    group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    code            integer,
    reason          text,
    sent_at         timestamptz,
    PRIMARY KEY (task_kind, task_id, group_id)
);
CREATE INDEX deliveries_pending ON deliveries (task_kind, task_id) WHERE state = 'pending';

-- Messages drained from the dead-letter queues, for the console's view and redrive.
CREATE TABLE dead_letters (
    id              bigserial PRIMARY KEY,
    queue           text NOT NULL,
    message_id      text NOT NULL UNIQUE,
    body            text NOT NULL,
    receive_count   integer NOT NULL DEFAULT 0,
    received_at     timestamptz NOT NULL DEFAULT now(),
    redriven_at     timestamptz,
    redriven_by     bigint REFERENCES operators (id)
);
CREATE INDEX dead_letters_queue ON dead_letters (queue, id DESC);
