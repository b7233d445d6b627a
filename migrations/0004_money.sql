-- Money: a double-entry ledger in integer fen, ad-click income, daily settlement, withdrawals
-- paid through WeChat Pay's transfer bills, the ledger audit and alerts.
--
-- The ledger's rules live here, not only in code:
--   * entries are append-only, and every statement's entries balance per transaction (a
--     transaction's legs are posted together), so every transaction sums to zero;
--   * an account's balance is changed only by the trigger that posts entries, so it is always
--     the sum of its entries; a user's balance never goes below zero;
--   * every money operation has an idempotency key, unique.
-- A settlement posts a million entries in a few dozen statements: what is checked per entry is
-- checked per statement instead (an entry's transaction and account exist: see ledger_post).

-- Platform accounts first: the lowest ids, locked first by every posting (see ledger_post).
CREATE TABLE accounts (
    id              bigserial PRIMARY KEY,
    user_id         bigint REFERENCES users (id),
    kind            text NOT NULL CHECK (kind IN ('available', 'held', 'group_income', 'ad_income', 'commission', 'payouts')),
    balance_fen     bigint NOT NULL DEFAULT 0,
    CONSTRAINT accounts_owner CHECK ((user_id IS NULL) = (kind IN ('group_income', 'ad_income', 'commission', 'payouts'))),
    CONSTRAINT user_balance_not_negative CHECK (user_id IS NULL OR balance_fen >= 0)
-- Room on each page for the new versions of its rows: a balance update (no indexed column
-- changes) then stays on its page without touching the indexes (a HOT update).
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX accounts_of_user ON accounts (user_id, kind) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_of_platform ON accounts (kind) WHERE user_id IS NULL;
INSERT INTO accounts (kind) VALUES ('group_income'), ('ad_income'), ('commission'), ('payouts');

-- Every user has an available and a held account, from the moment they exist.
CREATE FUNCTION users_open_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts (user_id, kind) VALUES (NEW.id, 'available'), (NEW.id, 'held');
    RETURN NULL;
END $$;
CREATE TRIGGER users_open_accounts AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_open_accounts();
INSERT INTO accounts (user_id, kind) SELECT id, k FROM users, unnest(ARRAY['available', 'held']) AS k ORDER BY id, k;

CREATE TABLE ledger_txns (
    id              bigserial PRIMARY KEY,
    -- The operation's idempotency key: "settle:{day}:{step}", "wd:{id}:{attempt}:hold", …
    idem_key        text NOT NULL UNIQUE,
    kind            text NOT NULL,
    -- The business day the money belongs to.
    day             date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- txn_id and account_id reference ledger_txns and accounts: ledger_post checks that they exist
-- once per statement, where foreign keys would check (and lock) row by row; neither is ever
-- deleted, truncated or renumbered (the guards below), so the references cannot break later.
CREATE TABLE ledger_entries (
    id              bigserial PRIMARY KEY,
    txn_id          bigint NOT NULL,
    account_id      bigint NOT NULL,
    amount_fen      bigint NOT NULL CHECK (amount_fen <> 0),
    -- What the owner sees in their flows: group_income, ad_income, master_commission, …
    kind            text NOT NULL,
    day             date NOT NULL,
    -- The source: which group (groups are purged after 30 days, flows show 15), which apprentice.
    group_id        bigint,
    source_user_id  bigint,
    withdrawal_id   bigint,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- No index on txn_id: nothing looks entries up by transaction (a settlement step's totals come
-- from its INSERT's RETURNING), and keeping one cost a tenth of a settlement's time.
CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id);

-- Posting: the new entries of one statement exist in their transaction and balance per
-- transaction, their accounts exist and are locked in id order (no two postings deadlock), then
-- the balances move.
CREATE FUNCTION ledger_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wrong record;
    locked bigint;
BEGIN
    SELECT n.txn_id, n.off, t.id IS NULL AS missing INTO wrong
    FROM (SELECT txn_id, sum(amount_fen) AS off FROM new_entries GROUP BY txn_id) n
    LEFT JOIN ledger_txns t ON t.id = n.txn_id
    WHERE n.off <> 0 OR t.id IS NULL
    LIMIT 1;
    IF FOUND AND wrong.missing THEN
        RAISE EXCEPTION 'ledger transaction % does not exist', wrong.txn_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_txn_exists';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (off by % fen)', wrong.txn_id, wrong.off
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
    END IF;
    SELECT count(*) INTO locked
    FROM (SELECT 1 FROM accounts WHERE id IN (SELECT account_id FROM new_entries) ORDER BY id FOR UPDATE) l;
    IF locked <> (SELECT count(DISTINCT account_id) FROM new_entries) THEN
        RAISE EXCEPTION 'ledger entries name an account that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entries_account_exists';
    END IF;
    UPDATE accounts a SET balance_fen = a.balance_fen + d.delta
    FROM (SELECT account_id, sum(amount_fen) AS delta FROM new_entries GROUP BY account_id) d
    WHERE a.id = d.account_id AND d.delta <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_post AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_post();

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_txns_append_only BEFORE UPDATE OR DELETE ON ledger_txns
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_txns_no_truncate BEFORE TRUNCATE ON ledger_txns
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- A balance moves only inside ledger_post (trigger depth 2); accounts open empty, keep their
-- id, owner and kind, and are never deleted.
CREATE FUNCTION accounts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance_fen <> 0 THEN
            RAISE EXCEPTION 'accounts open with a zero balance' USING ERRCODE = 'restrict_violation';
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'accounts are never deleted' USING ERRCODE = 'restrict_violation';
    ELSE
        IF NEW.id <> OLD.id OR NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.kind <> OLD.kind THEN
            RAISE EXCEPTION 'an account keeps its owner and kind (and its id)' USING ERRCODE = 'restrict_violation';
        END IF;
        IF NEW.balance_fen <> OLD.balance_fen AND pg_trigger_depth() < 2 THEN
            RAISE EXCEPTION 'balances change only by ledger entries' USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$;
CREATE TRIGGER accounts_guard BEFORE INSERT OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_guard();
-- An update is looked at unless it is ledger_post's (its UPDATE runs at trigger depth 1) and
-- keeps the account's id, owner and kind: the function is not called for each balance posted.
CREATE TRIGGER accounts_guard_update BEFORE UPDATE ON accounts FOR EACH ROW
    WHEN (pg_trigger_depth() < 1 OR NEW.id <> OLD.id OR NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.kind <> OLD.kind)
    EXECUTE FUNCTION accounts_guard();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Ad-click income: recorded on the business day received, credited by that day's settlement.
CREATE TABLE ad_clicks (
    trans_id        text PRIMARY KEY,
    group_id        bigint NOT NULL,
    owner_id        bigint NOT NULL REFERENCES users (id),
    campaign_id     text,
    amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
    day             date NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ad_clicks_day_owner ON ad_clicks (day, owner_id);

-- Settlement of a day, in steps of owners by id range; a step's ledger transaction and its row
-- here commit together, so a step is done exactly once whoever runs it and however often.
CREATE TABLE settlement_runs (
    day             date PRIMARY KEY,
    state           text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    -- Fixed when the run is first started: re-runs take the same steps with the same rules.
    step_width      bigint NOT NULL CHECK (step_width > 0),
    steps_total     integer NOT NULL CHECK (steps_total >= 0),
    rules           jsonb NOT NULL,
    runs            integer NOT NULL DEFAULT 1,
    -- Counted once, when the last step is done (from settlement_payees, then cleared).
    users_credited  bigint,
    error           text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE settlement_steps (
    day             date NOT NULL REFERENCES settlement_runs (day),
    step            integer NOT NULL,
    txn_id          bigint NOT NULL UNIQUE REFERENCES ledger_txns (id),
    groups_credited bigint NOT NULL,
    group_income_fen bigint NOT NULL,
    ad_income_fen   bigint NOT NULL,
    commission_fen  bigint NOT NULL,
    done_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, step)
);

-- The users each step of a running settlement credited (a master can be credited by several
-- steps): counted once into settlement_runs.users_credited when the run is done, then deleted.
-- No key, so that a step's insert costs a heap append, not a unique check per user.
CREATE TABLE settlement_payees (
    day             date NOT NULL,
    user_id         bigint NOT NULL
);

-- Withdrawals and their payouts. out_bill_no is derived from the withdrawal and its attempt and
-- stored before anything is sent; the payee's parameters are kept so that a resend is identical.
CREATE TABLE withdrawals (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id),
    amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
    day             date NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'submitted', 'waiting_user', 'success', 'failed', 'rejected')),
    attempt         integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    out_bill_no     text NOT NULL UNIQUE,
    openid          text NOT NULL,
    user_name       text NOT NULL,
    transfer_bill_no text,
    wechat_state    text,
    package_info    text,
    fail_code       text,
    failure_reason  text,
    result_code     integer,
    last_error      text,
    next_check_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
-- Once per business day; a failed or rejected one does not count.
CREATE UNIQUE INDEX withdrawals_once_a_day ON withdrawals (user_id, day) WHERE state NOT IN ('failed', 'rejected');
CREATE INDEX withdrawals_user ON withdrawals (user_id, id);
CREATE INDEX withdrawals_open ON withdrawals (next_check_at) WHERE state IN ('pending', 'submitted', 'waiting_user');
CREATE INDEX withdrawals_day ON withdrawals (day);

-- Every order number ever used, for the day's reconciliation against WeChat's records.
CREATE TABLE payout_attempts (
    out_bill_no     text PRIMARY KEY,
    withdrawal_id   bigint NOT NULL REFERENCES withdrawals (id),
    attempt         integer NOT NULL,
    amount_fen      bigint NOT NULL,
    state           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (withdrawal_id, attempt)
);
CREATE INDEX payout_attempts_created ON payout_attempts (created_at);

CREATE TABLE ledger_audits (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    ok              boolean NOT NULL,
    checks          jsonb NOT NULL,
    accounts        bigint NOT NULL,
    entries         bigint NOT NULL,
    transactions    bigint NOT NULL
);

-- Alerts mailed, so that one condition mails once per period.
CREATE TABLE alerts (
    key             text PRIMARY KEY,
    subject         text NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now(),
    delivered       boolean NOT NULL
);
