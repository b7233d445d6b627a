//! The double-entry ledger, in integer fen. PostgreSQL holds its rules (migration 0004): a
//! transaction's legs are posted by one statement and balance, entries are append-only, a
//! balance moves only with its entries, a user's balance never goes below zero, and every
//! operation's idempotency key is unique. This module posts and audits.

use std::collections::HashMap;

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::context::Ctx;
use crate::db::{QueryContext, constraint, violated_constraint};
use crate::deadline::Deadline;
use crate::error::{Code, Error, Result};
use crate::ids::{GroupId, UserId, WithdrawalId};
use crate::money::Fen;
use crate::operators::{self, ConsolePrincipal};

/// An account: a user's available or held money, or one of the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Account {
    Available(UserId),
    Held(UserId),
    /// Pays the groups' daily income.
    GroupIncome,
    /// Pays the ad-click income.
    AdIncome,
    /// Pays the masters' commission.
    Commission,
    /// Money on its way to (or in) the users' WeChat wallets.
    Payouts,
}

impl Account {
    fn key(self) -> (Option<UserId>, &'static str) {
        match self {
            Account::Available(u) => (Some(u), "available"),
            Account::Held(u) => (Some(u), "held"),
            Account::GroupIncome => (None, "group_income"),
            Account::AdIncome => (None, "ad_income"),
            Account::Commission => (None, "commission"),
            Account::Payouts => (None, "payouts"),
        }
    }
}

/// One leg of a transaction.
#[derive(Debug, Clone)]
pub struct Leg {
    pub account: Account,
    pub amount_fen: Fen,
    /// What the owner's flow calls it (group_income, withdrawal_hold, …).
    pub kind: &'static str,
    pub group_id: Option<GroupId>,
    pub source_user_id: Option<UserId>,
    pub withdrawal_id: Option<WithdrawalId>,
}

impl Leg {
    pub fn new(account: Account, amount_fen: Fen, kind: &'static str) -> Self {
        Leg { account, amount_fen, kind, group_id: None, source_user_id: None, withdrawal_id: None }
    }

    pub fn withdrawal(mut self, id: WithdrawalId) -> Self {
        self.withdrawal_id = Some(id);
        self
    }
}

/// Moves `amount_fen` from one account to another as one transaction's two legs.
pub fn transfer(from: Account, to: Account, amount_fen: Fen, kind: &'static str) -> [Leg; 2] {
    [Leg::new(from, -amount_fen, kind), Leg::new(to, amount_fen, kind)]
}

/// Posts a transaction in the caller's database transaction. `None` when `idem_key` was posted
/// before (nothing is done again); 3002 when a user's balance would go below zero (the caller's
/// transaction is then unusable and must be rolled back).
pub async fn post(
    client: &impl GenericClient,
    idem_key: &str,
    kind: &str,
    day: NaiveDate,
    legs: &[Leg],
) -> Result<Option<i64>> {
    let row = client
        .query_opt(
            "INSERT INTO ledger_txns (idem_key, kind, day) VALUES ($1, $2, $3) ON CONFLICT (idem_key) DO NOTHING RETURNING id",
            &[&idem_key, &kind, &day],
        )
        .await
        .db("failed to open a ledger transaction")?;
    let Some(row) = row else {
        tracing::info!(idem_key, "ledger transaction posted before");
        return Ok(None);
    };
    let txn_id: i64 = row.get("id");
    let ids = account_ids(client, legs.iter().map(|l| l.account)).await?;
    let account_ids: Vec<i64> = legs.iter().map(|l| ids[&l.account]).collect();
    let amounts: Vec<Fen> = legs.iter().map(|l| l.amount_fen).collect();
    let kinds: Vec<&str> = legs.iter().map(|l| l.kind).collect();
    let groups: Vec<Option<GroupId>> = legs.iter().map(|l| l.group_id).collect();
    let sources: Vec<Option<UserId>> = legs.iter().map(|l| l.source_user_id).collect();
    let withdrawals: Vec<Option<WithdrawalId>> = legs.iter().map(|l| l.withdrawal_id).collect();
    let posted = client
        .execute(
            "INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day, group_id, source_user_id, withdrawal_id)
             SELECT $1, a, m, k, $2, g, s, w
             FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) AS t(a, m, k, g, s, w)",
            &[&txn_id, &day, &account_ids, &amounts, &kinds, &groups, &sources, &withdrawals],
        )
        .await;
    match posted {
        Ok(_) => Ok(Some(txn_id)),
        Err(e) if violated_constraint(&e) == Some(constraint::USER_BALANCE_NOT_NEGATIVE) => {
            Err(Error::rejected(Code::InsufficientBalance, "余额不足"))
        }
        Err(e) => Err(Error::Unexpected(anyhow::Error::new(e).context("failed to post ledger entries"))),
    }
}

async fn account_ids(
    client: &impl GenericClient,
    accounts: impl Iterator<Item = Account>,
) -> Result<HashMap<Account, i64>> {
    let accounts: Vec<Account> = accounts.collect();
    let users: Vec<UserId> = accounts.iter().filter_map(|a| a.key().0).collect();
    let rows = client
        .query("SELECT id, user_id, kind FROM accounts WHERE user_id = ANY($1) OR user_id IS NULL", &[&users])
        .await
        .db("failed to find accounts")?;
    let found: HashMap<(Option<UserId>, String), i64> =
        rows.iter().map(|r| ((r.get("user_id"), r.get::<_, String>("kind")), r.get("id"))).collect();
    accounts
        .into_iter()
        .map(|a| {
            let (user, kind) = a.key();
            found
                .get(&(user, kind.to_owned()))
                .map(|id| (a, *id))
                .ok_or_else(|| Error::Unexpected(anyhow::anyhow!("no account {a:?}")))
        })
        .collect()
}

/// A user's two balances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Balances {
    pub available_fen: Fen,
    pub held_fen: Fen,
}

pub async fn balances(client: &impl GenericClient, user_id: UserId) -> Result<Balances> {
    let rows = client
        .query("SELECT kind, balance_fen FROM accounts WHERE user_id = $1", &[&user_id])
        .await
        .db("failed to read balances")?;
    let mut b = Balances::default();
    for r in rows {
        match r.get::<_, &str>("kind") {
            "available" => b.available_fen = r.get("balance_fen"),
            "held" => b.held_fen = r.get("balance_fen"),
            _ => {}
        }
    }
    Ok(b)
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Audit {
    pub id: i64,
    pub at: chrono::DateTime<chrono::FixedOffset>,
    pub ok: bool,
    /// Whether every check ran (false: the audit was behind and out of time; the next continues).
    pub complete: bool,
    pub checks: Vec<Check>,
    pub accounts: i64,
    pub entries: i64,
    pub transactions: i64,
}

/// One read-only, repeatable-read transaction: what an audit counts on.
async fn snapshot(client: &mut deadpool_postgres::Client) -> Result<deadpool_postgres::Transaction<'_>> {
    client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .db("failed to begin the audit")
}

/// Every invariant, counted on one snapshot of the database, every entry ever posted recounted.
pub async fn check(client: &mut deadpool_postgres::Client) -> Result<(Vec<Check>, [i64; 3])> {
    let tx = snapshot(client).await?;
    let out = checks_on(&tx, None).await?;
    tx.commit().await.db("failed to end the audit")?;
    Ok(out)
}

/// Where the audit's stored sums stand: the entries up to `upto` are summed per account in
/// `ledger_audit_sums`, `counted` of them.
#[derive(Debug, Clone, Copy)]
struct Checkpoint {
    upto: i64,
    counted: i64,
}

/// The invariants on the caller's snapshot. With a checkpoint, only the entries after it are
/// read (a transaction is checked once, when its entries are new; an account's balance against
/// the stored sum plus what was posted since); without, every entry.
async fn checks_on(
    tx: &tokio_postgres::Transaction<'_>,
    checkpoint: Option<Checkpoint>,
) -> Result<(Vec<Check>, [i64; 3])> {
    let Checkpoint { upto, counted } = checkpoint.unwrap_or(Checkpoint { upto: 0, counted: 0 });
    let summed = checkpoint.is_some();
    let count = |sql: &'static str, params: &'static [&'static str]| {
        let tx = &tx;
        async move {
            // The parameters a statement takes, by name: the checkpoint and whether sums are kept.
            // Each statement answers one figure, named `figure`.
            let values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|p| match *p {
                    "upto" => &upto as &(dyn tokio_postgres::types::ToSql + Sync),
                    _ => &summed,
                })
                .collect();
            tx.query_one(sql, &values).await.db("failed to audit the ledger").map(|r| r.get::<_, i64>("figure"))
        }
    };
    let unbalanced = count(
        "SELECT count(*) AS figure
         FROM (SELECT txn_id FROM ledger_entries WHERE id > $1 GROUP BY txn_id HAVING sum(amount_fen) <> 0) t",
        &["upto"],
    )
    .await?;
    let drifted = count(
        "SELECT count(*) AS figure FROM accounts a
         LEFT JOIN ledger_audit_sums s ON $2 AND s.account_id = a.id
         LEFT JOIN (SELECT account_id, sum(amount_fen) AS s FROM ledger_entries WHERE id > $1 GROUP BY account_id) e
           ON e.account_id = a.id
         WHERE a.balance_fen <> coalesce(s.sum_fen, 0) + coalesce(e.s, 0)",
        &["upto", "summed"],
    )
    .await?;
    let negative =
        count("SELECT count(*) AS figure FROM accounts WHERE user_id IS NOT NULL AND balance_fen < 0", &[]).await?;
    let total = count("SELECT coalesce(sum(balance_fen), 0)::bigint AS figure FROM accounts", &[]).await?;
    let holds = count(
        "SELECT count(*) AS figure FROM accounts a
         LEFT JOIN (SELECT user_id, sum(amount_fen) AS s FROM withdrawals
                    WHERE state IN ('pending', 'submitted', 'waiting_user') GROUP BY user_id) w ON w.user_id = a.user_id
         WHERE a.kind = 'held' AND a.balance_fen <> coalesce(w.s, 0)",
        &[],
    )
    .await?;
    let payouts = count(
        "SELECT (SELECT balance_fen FROM accounts WHERE user_id IS NULL AND kind = 'payouts')
              - (SELECT coalesce(sum(amount_fen), 0) FROM withdrawals WHERE state = 'success')::bigint AS figure",
        &[],
    )
    .await?;
    // A step is checked with its transaction's entries, when they are new.
    let settled = count(
        "SELECT count(*) AS figure FROM settlement_steps s
         JOIN (SELECT txn_id, sum(amount_fen) FILTER (WHERE amount_fen > 0) AS credited FROM ledger_entries
               WHERE id > $1 GROUP BY txn_id) e
           USING (txn_id)
         WHERE e.credited <> s.group_income_fen + s.ad_income_fen + s.commission_fen + s.protected_income_fen",
        &["upto"],
    )
    .await?;
    let sizes = [
        count("SELECT count(*) AS figure FROM accounts", &[]).await?,
        counted + count("SELECT count(*) AS figure FROM ledger_entries WHERE id > $1", &["upto"]).await?,
        count("SELECT count(*) AS figure FROM ledger_txns", &[]).await?,
    ];
    let check = |name: &str, ok: bool, detail: String| Check { name: name.to_owned(), ok, detail };
    Ok((
        vec![
            check("交易借贷平衡", unbalanced == 0, format!("{unbalanced} 笔交易分录合计不为零")),
            check("余额等于分录合计", drifted == 0, format!("{drifted} 个账户余额与分录合计不符")),
            check("用户余额非负", negative == 0, format!("{negative} 个用户账户为负")),
            check("全部账户合计为零", total == 0, format!("全部账户合计 {total} 分")),
            check("冻结金额等于未完成提现", holds == 0, format!("{holds} 个用户的冻结金额与未完成提现不符")),
            check("已打款等于成功提现", payouts == 0, format!("打款账户与成功提现相差 {payouts} 分")),
            check("结算步骤与入账一致", settled == 0, format!("{settled} 个结算步骤的合计与入账不符")),
        ],
        sizes,
    ))
}

/// Entries are added to the stored sums only once they are this old: a posting transaction is
/// far shorter, so none at or below them can still be committing.
const SUMMED_AFTER: &str = "1 hour";
/// Entries added to the stored sums per transaction while the audit catches up.
const CATCH_UP_CHUNK: i64 = 200_000;

/// Adds settled entries to the stored sums, a chunk per transaction, while the deadline allows;
/// answers whether it caught up (what is left to read is less than a chunk).
async fn catch_up(client: &mut deadpool_postgres::Client, deadline: Deadline) -> Result<bool> {
    loop {
        if !deadline.has_time() {
            return Ok(false);
        }
        let tx = client.transaction().await.db("failed to begin the audit's catch-up")?;
        let upto: i64 = tx
            .query_one("SELECT entries_upto FROM ledger_audit_checkpoint FOR UPDATE", &[])
            .await
            .db("failed to read the audit's checkpoint")?
            .get("entries_upto");
        let to: Option<i64> = tx
            .query_one(
                &format!(
                    "SELECT max(id) AS next_upto
                     FROM (SELECT id, created_at FROM ledger_entries WHERE id > $1 ORDER BY id LIMIT $2) t
                     WHERE created_at < now() - interval '{SUMMED_AFTER}'"
                ),
                &[&upto, &CATCH_UP_CHUNK],
            )
            .await
            .db("failed to find the audit's next checkpoint")?
            .get("next_upto");
        let Some(to) = to else { return Ok(true) };
        let added: i64 = tx
            .query_one(
                "WITH chunk AS (SELECT account_id, sum(amount_fen)::bigint AS s, count(*) AS n FROM ledger_entries
                                WHERE id > $1 AND id <= $2 GROUP BY account_id),
                      summed AS (INSERT INTO ledger_audit_sums (account_id, sum_fen) SELECT account_id, s FROM chunk
                                 ON CONFLICT (account_id) DO UPDATE SET sum_fen = ledger_audit_sums.sum_fen + EXCLUDED.sum_fen)
                 SELECT coalesce(sum(n), 0)::bigint AS added FROM chunk",
                &[&upto, &to],
            )
            .await
            .db("failed to add to the audit's sums")?
            .get("added");
        tx.execute(
            "UPDATE ledger_audit_checkpoint SET entries_upto = $1, entries_counted = entries_counted + $2, updated_at = now()",
            &[&to, &added],
        )
        .await
        .db("failed to move the audit's checkpoint")?;
        tx.commit().await.db("failed to commit the audit's catch-up")?;
        let left_to_read = to - upto >= CATCH_UP_CHUNK;
        if !left_to_read {
            return Ok(true);
        }
    }
}

/// The ledger-audit job: checks, stores the result, mails when something is wrong. Each entry
/// is read once into stored sums (incremental: a day's entries, not every one ever posted), as
/// far as the deadline allows; an audit that could not finish, or failed, raises an alert too.
#[tracing::instrument(skip_all)]
pub async fn audit(ctx: &Ctx, deadline: Deadline) -> Result<Audit> {
    let outcome = audit_within(ctx, deadline).await;
    let problem = match &outcome {
        Ok(audit) if audit.complete => None,
        Ok(_) => Some("账本校验未能在时限内完成（分录合计尚未追上），下一次继续；本次只校验了账户与提现。".to_owned()),
        Err(e) => Some(format!("账本校验未能运行：{e}")),
    };
    if let Some(text) = problem {
        let key = format!("ledger-audit-incomplete:{}", ctx.clock.today());
        alerts::raise(ctx, alerts::Alert::LedgerAuditFailed, &key, "[gpet] 账本校验未完成", &text).await?;
    }
    outcome
}

async fn audit_within(ctx: &Ctx, deadline: Deadline) -> Result<Audit> {
    let mut client = ctx.db()?.client().await?;
    let complete = catch_up(&mut client, deadline).await?;
    let tx = snapshot(&mut client).await?;
    let row = tx
        .query_one("SELECT entries_upto, entries_counted FROM ledger_audit_checkpoint", &[])
        .await
        .db("failed to read the audit's checkpoint")?;
    let checkpoint = Checkpoint { upto: row.get("entries_upto"), counted: row.get("entries_counted") };
    let (checks, [accounts, entries, transactions]) = if complete {
        checks_on(&tx, Some(checkpoint)).await?
    } else {
        // Behind: reading every entry after the checkpoint is what there is no time for. The
        // checks on accounts and withdrawals alone (their tables are small) still run.
        let (checks, sizes) = checks_on(&tx, Some(Checkpoint { upto: i64::MAX, counted: checkpoint.counted })).await?;
        let entry_checks = ["交易借贷平衡", "余额等于分录合计", "结算步骤与入账一致"];
        (checks.into_iter().filter(|c| !entry_checks.contains(&c.name.as_str())).collect(), sizes)
    };
    tx.commit().await.db("failed to end the audit")?;
    let ok = checks.iter().all(|c| c.ok);
    let json = serde_json::to_value(&checks).expect("checks serialize");
    let row = client
        .query_one(
            "INSERT INTO ledger_audits (ok, checks, accounts, entries, transactions, complete) VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, at",
            &[&ok, &json, &accounts, &entries, &transactions, &complete],
        )
        .await
        .db("failed to store the audit")?;
    let id: i64 = row.get("id");
    if !ok {
        let failed: Vec<String> =
            checks.iter().filter(|c| !c.ok).map(|c| format!("{}：{}", c.name, c.detail)).collect();
        alerts::raise(
            ctx,
            alerts::Alert::LedgerAuditFailed,
            &format!("ledger-audit:{id}"),
            "[gpet] 账本校验失败",
            &failed.join("\n"),
        )
        .await?;
    }
    let at: chrono::DateTime<chrono::Utc> = row.get("at");
    Ok(Audit {
        id,
        at: at.with_timezone(&crate::clock::shanghai()),
        ok,
        complete,
        checks,
        accounts,
        entries,
        transactions,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub latest: Option<Audit>,
    /// The last 30, newest first.
    pub history: Vec<Audit>,
}

/// An audit now, asked from the console by finance or an admin (the job runs it at 03:00):
/// within `budget`, continued by the next run if the entries could not all be read.
pub async fn console_audit(ctx: &Ctx, by: &ConsolePrincipal, budget: std::time::Duration) -> Result<AuditReport> {
    by.require(operators::FINANCE)?;
    audit(ctx, Deadline::after(budget)).await?;
    audits(ctx, by).await
}

/// The audits, for finance and admins.
pub async fn audits(ctx: &Ctx, by: &ConsolePrincipal) -> Result<AuditReport> {
    by.require(operators::FINANCE)?;
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT id, at, ok, checks, accounts, entries, transactions, complete FROM ledger_audits ORDER BY id DESC LIMIT 30",
            &[],
        )
        .await
        .db("failed to load audits")?;
    let history: Vec<Audit> = rows
        .iter()
        .map(|r| Audit {
            id: r.get("id"),
            at: r.get::<_, chrono::DateTime<chrono::Utc>>("at").with_timezone(&crate::clock::shanghai()),
            ok: r.get("ok"),
            checks: serde_json::from_value(r.get("checks")).unwrap_or_default(),
            accounts: r.get("accounts"),
            entries: r.get("entries"),
            transactions: r.get("transactions"),
            complete: r.get("complete"),
        })
        .collect();
    Ok(AuditReport { latest: history.first().cloned(), history })
}
