-- Issue 16: robots that survive bans. What the robot platform says of each robot (online, logged
-- out, banned, restricted) and when it last heard a heartbeat; an operator's quarantine; the
-- risk events the console lists; the outages of each group's robot, which the rating does not
-- count against the group and which protect its income; and the owners' robot replacements.

-- `platform_state` is the platform's word for the robot (its robot_online / robot_offline
-- events), ordered by the event's time in `platform_state_at`. `last_heartbeat_at` is when
-- gpet received the last heartbeat (real time: silence is measured in real time).
ALTER TABLE robots ADD COLUMN platform_state text NOT NULL DEFAULT 'online'
    CONSTRAINT robots_platform_state_known CHECK (platform_state IN ('online', 'logout', 'banned', 'restricted'));
ALTER TABLE robots ADD COLUMN platform_state_at timestamptz;
ALTER TABLE robots ADD COLUMN last_heartbeat_at timestamptz;
-- Set while an operator keeps the robot out of use, with the reason they gave.
ALTER TABLE robots ADD COLUMN quarantined_at timestamptz;
ALTER TABLE robots ADD COLUMN quarantine_reason text;
-- The health the robot-health job last saw (alerts go out on a change away from online).
ALTER TABLE robots ADD COLUMN health_seen text NOT NULL DEFAULT 'online'
    CONSTRAINT robots_health_seen_known CHECK (health_seen IN ('online', 'silent', 'offline', 'banned', 'quarantined'));

-- A robot's health, the one rule: an operator's quarantine first, then the platform's word, then
-- silence (a robot heard from before, and not for `silent_after_secs` of real time). A robot
-- never heard from is judged by the platform's word alone.
CREATE FUNCTION robot_health(platform_state text, quarantined_at timestamptz, last_heartbeat_at timestamptz,
                             silent_after_secs integer) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN quarantined_at IS NOT NULL THEN 'quarantined'
        WHEN platform_state = 'banned' THEN 'banned'
        WHEN platform_state <> 'online' THEN 'offline'
        WHEN last_heartbeat_at < now() - make_interval(secs => silent_after_secs) THEN 'silent'
        ELSE 'online'
    END
$$;

-- What happened to a robot that the console lists: state changes, risk-control refusals,
-- silences, quarantines. `at` is business time (what the operators read), `detail` words.
CREATE TABLE robot_risk_events (
    id              bigserial PRIMARY KEY,
    robot_id        bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    kind            text NOT NULL CONSTRAINT robot_risk_events_kind_known
                        CHECK (kind IN ('banned', 'logout', 'restricted', 'online', 'rate_limited', 'silent',
                                        'quarantined', 'released')),
    detail          text,
    at              timestamptz NOT NULL
);
CREATE INDEX robot_risk_events_robot ON robot_risk_events (robot_id, id DESC);

-- A group's robot out of service (business time): opened for each active group of a robot
-- that leaves `online` on the platform's word, closed when it is back or the group moves to
-- another robot. `stars_before` are the stars the group held when it opened: the floor of its
-- protected income.
CREATE TABLE group_outages (
    id              bigserial PRIMARY KEY,
    group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    robot_id        bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    reason          text NOT NULL CONSTRAINT group_outages_reason_known
                        CHECK (reason IN ('logout', 'banned', 'restricted', 'quarantined', 'silent')),
    stars_before    smallint NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    CONSTRAINT group_outages_ends_after_start CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX group_outages_open ON group_outages (group_id) WHERE ended_at IS NULL;
CREATE INDEX group_outages_group ON group_outages (group_id, started_at);
CREATE INDEX group_outages_open_by_robot ON group_outages (robot_id) WHERE ended_at IS NULL;

-- Per group and day, set by the rating: how long its robot was out, and the stars its income is
-- protected at (the stars before the outage, for a day out longer than the setting, within
-- the protected days). Settlement credits the difference as protected income.
ALTER TABLE group_daily ADD COLUMN outage_secs integer NOT NULL DEFAULT 0
    CONSTRAINT group_daily_outage_secs_in_day CHECK (outage_secs BETWEEN 0 AND 86400);
ALTER TABLE group_daily ADD COLUMN protected_stars smallint
    CONSTRAINT group_daily_protected_stars_range CHECK (protected_stars BETWEEN 1 AND 5);

ALTER TABLE settlement_steps ADD COLUMN protected_income_fen bigint NOT NULL DEFAULT 0;

-- An owner's (or operators' bulk) replacement of a group's robot: the new robot's pairing code;
-- when the new robot joins the group, the group moves to it with its history.
CREATE TABLE robot_replacements (
    id              bigserial PRIMARY KEY,
    group_id        bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    old_robot_id    bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    new_robot_id    bigint NOT NULL REFERENCES robots (id) ON DELETE CASCADE,
    pairing_code    text NOT NULL,
    by_operator     bigint REFERENCES operators (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE UNIQUE INDEX robot_replacements_open ON robot_replacements (group_id) WHERE done_at IS NULL;

-- The send gap moved to the robots' settings (the send governor).
UPDATE settings SET value = value - 'send_gap_secs' WHERE key = 'groups';

-- A group's mass messages and ads of a day, counted against its daily cap.
CREATE INDEX deliveries_group_sent ON deliveries (group_id, sent_at) WHERE state IN ('sending', 'sent');
