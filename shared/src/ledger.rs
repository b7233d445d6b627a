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
use crate::db::{QueryContext, violated_constraint};
use crate::error::{Code, Error, Result};

/// An account: a user's available or held money, or one of the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Account {
    Available(i64),
    Held(i64),
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
    fn key(self) -> (Option<i64>, &'static str) {
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
    pub amount_fen: i64,
    /// What the owner's flow calls it (group_income, withdrawal_hold, …).
    pub kind: &'static str,
    pub group_id: Option<i64>,
    pub source_user_id: Option<i64>,
    pub withdrawal_id: Option<i64>,
}

impl Leg {
    pub fn new(account: Account, amount_fen: i64, kind: &'static str) -> Self {
        Leg { account, amount_fen, kind, group_id: None, source_user_id: None, withdrawal_id: None }
    }

    pub fn withdrawal(mut self, id: i64) -> Self {
        self.withdrawal_id = Some(id);
        self
    }
}

/// Moves `amount_fen` from one account to another as one transaction's two legs.
pub fn transfer(from: Account, to: Account, amount_fen: i64, kind: &'static str) -> [Leg; 2] {
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
    let txn_id: i64 = row.get(0);
    let ids = account_ids(client, legs.iter().map(|l| l.account)).await?;
    let account_ids: Vec<i64> = legs.iter().map(|l| ids[&l.account]).collect();
    let amounts: Vec<i64> = legs.iter().map(|l| l.amount_fen).collect();
    let kinds: Vec<&str> = legs.iter().map(|l| l.kind).collect();
    let groups: Vec<Option<i64>> = legs.iter().map(|l| l.group_id).collect();
    let sources: Vec<Option<i64>> = legs.iter().map(|l| l.source_user_id).collect();
    let withdrawals: Vec<Option<i64>> = legs.iter().map(|l| l.withdrawal_id).collect();
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
        Err(e) if violated_constraint(&e) == Some("user_balance_not_negative") => {
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
    let users: Vec<i64> = accounts.iter().filter_map(|a| a.key().0).collect();
    let rows = client
        .query("SELECT id, user_id, kind FROM accounts WHERE user_id = ANY($1) OR user_id IS NULL", &[&users])
        .await
        .db("failed to find accounts")?;
    let found: HashMap<(Option<i64>, String), i64> =
        rows.iter().map(|r| ((r.get(1), r.get::<_, String>(2)), r.get(0))).collect();
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
    pub available_fen: i64,
    pub held_fen: i64,
}

pub async fn balances(client: &impl GenericClient, user_id: i64) -> Result<Balances> {
    let rows = client
        .query("SELECT kind, balance_fen FROM accounts WHERE user_id = $1", &[&user_id])
        .await
        .db("failed to read balances")?;
    let mut b = Balances::default();
    for r in rows {
        match r.get::<_, &str>(0) {
            "available" => b.available_fen = r.get(1),
            "held" => b.held_fen = r.get(1),
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
    pub checks: Vec<Check>,
    pub accounts: i64,
    pub entries: i64,
    pub transactions: i64,
}

/// Every invariant, counted on one snapshot of the database.
pub async fn check(client: &mut deadpool_postgres::Client) -> Result<(Vec<Check>, [i64; 3])> {
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .db("failed to begin the audit")?;
    let count = |sql: &'static str| {
        let tx = &tx;
        async move { tx.query_one(sql, &[]).await.db("failed to audit the ledger").map(|r| r.get::<_, i64>(0)) }
    };
    let unbalanced =
        count("SELECT count(*) FROM (SELECT txn_id FROM ledger_entries GROUP BY txn_id HAVING sum(amount_fen) <> 0) t")
            .await?;
    let drifted = count(
        "SELECT count(*) FROM accounts a
         LEFT JOIN (SELECT account_id, sum(amount_fen) AS s FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id
         WHERE a.balance_fen <> coalesce(e.s, 0)",
    )
    .await?;
    let negative = count("SELECT count(*) FROM accounts WHERE user_id IS NOT NULL AND balance_fen < 0").await?;
    let total = count("SELECT coalesce(sum(balance_fen), 0)::bigint FROM accounts").await?;
    let holds = count(
        "SELECT count(*) FROM accounts a
         LEFT JOIN (SELECT user_id, sum(amount_fen) AS s FROM withdrawals
                    WHERE state IN ('pending', 'submitted', 'waiting_user') GROUP BY user_id) w ON w.user_id = a.user_id
         WHERE a.kind = 'held' AND a.balance_fen <> coalesce(w.s, 0)",
    )
    .await?;
    let payouts = count(
        "SELECT (SELECT balance_fen FROM accounts WHERE user_id IS NULL AND kind = 'payouts')
              - (SELECT coalesce(sum(amount_fen), 0) FROM withdrawals WHERE state = 'success')::bigint",
    )
    .await?;
    let settled = count(
        "SELECT count(*) FROM settlement_steps s
         JOIN (SELECT txn_id, sum(amount_fen) FILTER (WHERE amount_fen > 0) AS credited FROM ledger_entries GROUP BY txn_id) e
           USING (txn_id)
         WHERE e.credited <> s.group_income_fen + s.ad_income_fen + s.commission_fen",
    )
    .await?;
    let sizes = [
        count("SELECT count(*) FROM accounts").await?,
        count("SELECT count(*) FROM ledger_entries").await?,
        count("SELECT count(*) FROM ledger_txns").await?,
    ];
    tx.commit().await.db("failed to end the audit")?;
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

/// The ledger-audit job: checks, stores the result, mails when something is wrong.
#[tracing::instrument(skip_all)]
pub async fn audit(ctx: &Ctx) -> Result<Audit> {
    let mut client = ctx.db()?.client().await?;
    let (checks, [accounts, entries, transactions]) = check(&mut client).await?;
    let ok = checks.iter().all(|c| c.ok);
    let json = serde_json::to_value(&checks).expect("checks serialize");
    let row = client
        .query_one(
            "INSERT INTO ledger_audits (ok, checks, accounts, entries, transactions) VALUES ($1, $2, $3, $4, $5)
             RETURNING id, at",
            &[&ok, &json, &accounts, &entries, &transactions],
        )
        .await
        .db("failed to store the audit")?;
    let id: i64 = row.get(0);
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
    let at: chrono::DateTime<chrono::Utc> = row.get(1);
    Ok(Audit { id, at: at.with_timezone(&crate::clock::shanghai()), ok, checks, accounts, entries, transactions })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditReport {
    pub latest: Option<Audit>,
    /// The last 30, newest first.
    pub history: Vec<Audit>,
}

pub async fn audits(ctx: &Ctx) -> Result<AuditReport> {
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT id, at, ok, checks, accounts, entries, transactions FROM ledger_audits ORDER BY id DESC LIMIT 30",
            &[],
        )
        .await
        .db("failed to load audits")?;
    let history: Vec<Audit> = rows
        .iter()
        .map(|r| Audit {
            id: r.get(0),
            at: r.get::<_, chrono::DateTime<chrono::Utc>>(1).with_timezone(&crate::clock::shanghai()),
            ok: r.get(2),
            checks: serde_json::from_value(r.get(3)).unwrap_or_default(),
            accounts: r.get(4),
            entries: r.get(5),
            transactions: r.get(6),
        })
        .collect();
    Ok(AuditReport { latest: history.first().cloned(), history })
}
