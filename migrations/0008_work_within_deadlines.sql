-- Issue 13: every job within its invocation. A job stops taking work before its deadline and
-- leaves the rest claimed-and-resumable: deliveries are claimed before they are sent, a walk
-- over all groups keeps a cursor, the ledger audit keeps a checkpoint, and outbox rows SQS
-- refuses for what they are are set aside instead of being retried for ever.

-- A delivery is claimed ('sending', claimed_at) before its robot's turn comes, and stamped
-- attempted_at just before the platform is called. A claim older than the lease is taken back:
-- never attempted, it is pending again; attempted, its outcome is unknown and it is recorded
-- failed rather than sent a second time.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check CHECK (state IN ('pending', 'sending', 'sent', 'failed'));
ALTER TABLE deliveries ADD COLUMN claimed_at timestamptz;
ALTER TABLE deliveries ADD COLUMN attempted_at timestamptz;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_claimed CHECK ((state = 'sending') = (claimed_at IS NOT NULL));
CREATE INDEX deliveries_sending ON deliveries (task_kind, claimed_at) WHERE state = 'sending';

-- Where a job that walks a large table resumes (launch-sync: the last group id synced in the
-- current pass; 0 starts a new pass).
CREATE TABLE job_cursors (
    job             text PRIMARY KEY,
    position        bigint NOT NULL DEFAULT 0,
    -- When the pass under way started, and when the last one finished.
    pass_started_at timestamptz NOT NULL DEFAULT now(),
    last_pass_at    timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The ledger audit counts each entry once: the sums per account of the entries up to
-- entries_upto are kept, and an audit adds only what was posted since. entries_upto only moves
-- to entries an hour old (no posting transaction lasts that long), so no entry at or below it
-- can still commit later.
CREATE TABLE ledger_audit_checkpoint (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    entries_upto    bigint NOT NULL DEFAULT 0,
    entries_counted bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ledger_audit_checkpoint DEFAULT VALUES;
CREATE TABLE ledger_audit_sums (
    account_id      bigint PRIMARY KEY,
    sum_fen         bigint NOT NULL
);
-- Whether the audit covered everything (false: out of time, the next run continues).
ALTER TABLE ledger_audits ADD COLUMN complete boolean NOT NULL DEFAULT true;

-- A row SQS refuses for its content (a character it does not take, a body too long) can never
-- be sent: it is set aside with the reason, out of the relay's way, for an operator to see.
ALTER TABLE outbox ADD COLUMN set_aside_at timestamptz;
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL AND set_aside_at IS NULL;
