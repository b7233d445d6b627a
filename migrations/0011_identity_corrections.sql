-- Issue 15: a real name WeChat Pay refused can be corrected by its owner. One correction per
-- refused withdrawal (the refusal is what allows it), at most a few per user (enforced by the
-- domain, under the user's row lock), each kept here: finance sees who changed what and why.
CREATE TABLE identity_corrections (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The withdrawal WeChat Pay failed with NAME_NOT_CORRECT or REAL_NAME_CHECK_FAIL.
    withdrawal_id   bigint NOT NULL REFERENCES withdrawals (id),
    old_name        text NOT NULL,
    new_name        text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT identity_corrections_one_per_refusal UNIQUE (withdrawal_id),
    CONSTRAINT identity_corrections_changes_the_name CHECK (new_name <> old_name)
);
CREATE INDEX identity_corrections_user ON identity_corrections (user_id, created_at);
