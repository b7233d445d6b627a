//! The owner's account: balances, income today (unsettled) and in total, the last 15 days by
//! kind, and the flows (流水) of the last 15 days with their source.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::clock::shanghai;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::Result;
use crate::ids::{GroupId, UserId, WithdrawalId};
use crate::ledger;
use crate::money::Fen;
use crate::paging::{Page, PageRequest};
use crate::settings::{self, GroupSettings, MoneySettings};

/// Days of history shown.
pub const DAYS: i64 = 15;

/// The entry kinds that are income, as credited by settlement.
pub const INCOME_KINDS: [&str; 7] = [
    "group_income",
    "protected_income",
    "ad_income",
    "master_commission",
    "grand_master_commission",
    "master_ad_commission",
    "grand_master_ad_commission",
];

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DailyIncome {
    pub day: String,
    pub group_fen: Fen,
    pub ad_fen: Fen,
    pub commission_fen: Fen,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawRules {
    pub min_fen: Fen,
    pub max_fen: Fen,
    pub withdrawn_today: bool,
    pub phone_bound: bool,
    pub identity_bound: bool,
    pub frozen: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountSummary {
    pub available_fen: Fen,
    pub held_fen: Fen,
    /// Today's ad clicks and today's group income as today's sessions so far would rate it:
    /// not settled yet.
    pub today_income_fen: Fen,
    /// Every income credited by settlement.
    pub total_income_fen: Fen,
    /// Withdrawn and paid.
    pub paid_fen: Fen,
    /// The last 15 settled days, oldest first, every day present.
    pub daily: Vec<DailyIncome>,
    pub withdraw: WithdrawRules,
}

pub async fn summary(ctx: &Ctx, user_id: UserId) -> Result<AccountSummary> {
    let client = ctx.db()?.client().await?;
    let balances = ledger::balances(&client, user_id).await?;
    let today = ctx.clock.today();
    let groups: GroupSettings = settings::load(&client).await?;
    let money: MoneySettings = settings::load(&client).await?;
    let sessions: Vec<i64> = client
        .query(
            "SELECT coalesce(gd.sessions, 0)::bigint AS sessions FROM groups g
             LEFT JOIN group_daily gd ON gd.group_id = g.id AND gd.day = $2
             WHERE g.owner_id = $1 AND g.state = 'active'",
            &[&user_id, &today.date()],
        )
        .await
        .db("failed to load today's sessions")?
        .iter()
        .map(|r| r.get("sessions"))
        .collect();
    let projected: Fen = sessions.iter().map(|s| Fen::new(groups.income_fen(groups.stars(*s)))).sum();
    let ads_today: Fen = client
        .query_one(
            "SELECT coalesce(sum(amount_fen), 0)::bigint AS ads_fen FROM ad_clicks WHERE day = $1 AND owner_id = $2",
            &[&today.date(), &user_id],
        )
        .await
        .db("failed to sum today's clicks")?
        .get("ads_fen");
    let first = today.date() - chrono::Days::new(DAYS as u64);
    let rows = client
        .query(
            "SELECT e.day,
                    coalesce(sum(e.amount_fen) FILTER (WHERE e.kind IN ('group_income', 'protected_income')), 0)::bigint AS group_fen,
                    coalesce(sum(e.amount_fen) FILTER (WHERE e.kind = 'ad_income'), 0)::bigint AS ad_fen,
                    coalesce(sum(e.amount_fen) FILTER (WHERE e.kind LIKE '%commission'), 0)::bigint AS commission_fen
             FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
             WHERE a.user_id = $1 AND a.kind = 'available' AND e.day >= $2 AND e.kind = ANY($3)
             GROUP BY e.day",
            &[&user_id, &first, &INCOME_KINDS.as_slice()],
        )
        .await
        .db("failed to load the daily income")?;
    let by_day: std::collections::HashMap<NaiveDate, (Fen, Fen, Fen)> =
        rows.iter().map(|r| (r.get("day"), (r.get("group_fen"), r.get("ad_fen"), r.get("commission_fen")))).collect();
    let daily = (1..=DAYS)
        .rev()
        .map(|back| {
            let day = today.date() - chrono::Days::new(back as u64);
            let (g, a, c) = by_day.get(&day).copied().unwrap_or_default();
            DailyIncome { day: day.to_string(), group_fen: g, ad_fen: a, commission_fen: c }
        })
        .collect();
    let totals = client
        .query_one(
            "SELECT (SELECT coalesce(sum(e.amount_fen), 0)::bigint FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
                     WHERE a.user_id = $1 AND a.kind = 'available' AND e.kind = ANY($2)) AS total_income_fen,
                    (SELECT coalesce(sum(amount_fen), 0)::bigint FROM withdrawals WHERE user_id = $1 AND state = 'success')
                        AS paid_fen,
                    EXISTS (SELECT 1 FROM withdrawals WHERE user_id = $1 AND day = $3 AND state NOT IN ('failed', 'rejected'))
                        AS withdrawn_today,
                    u.phone IS NOT NULL AS phone_bound, u.identity_name IS NOT NULL AS identity_bound, u.frozen
             FROM users u WHERE u.id = $1",
            &[&user_id, &INCOME_KINDS.as_slice(), &today.date()],
        )
        .await
        .db("failed to total the account")?;
    Ok(AccountSummary {
        available_fen: balances.available_fen,
        held_fen: balances.held_fen,
        today_income_fen: projected + ads_today,
        total_income_fen: totals.get("total_income_fen"),
        paid_fen: totals.get("paid_fen"),
        daily,
        withdraw: WithdrawRules {
            min_fen: Fen::from(money.withdraw_min_fen),
            max_fen: Fen::from(money.withdraw_max_fen),
            withdrawn_today: totals.get("withdrawn_today"),
            phone_bound: totals.get("phone_bound"),
            identity_bound: totals.get("identity_bound"),
            frozen: totals.get("frozen"),
        },
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Flow {
    pub id: i64,
    pub at: DateTime<FixedOffset>,
    /// The business day the money belongs to.
    pub day: String,
    pub kind: String,
    /// + into the balance, − out of it.
    pub amount_fen: Fen,
    pub title: String,
    pub group_id: Option<GroupId>,
    pub group_name: Option<String>,
    pub source_user_id: Option<UserId>,
    pub source_nickname: Option<String>,
    pub withdrawal_id: Option<WithdrawalId>,
}

/// The owner's words for an entry kind.
pub fn title(kind: &str) -> &'static str {
    match kind {
        "group_income" => "群收益",
        "protected_income" => "保障收益",
        "ad_income" => "广告收益",
        "master_commission" => "徒弟分成",
        "grand_master_commission" => "徒孙分成",
        "master_ad_commission" => "徒弟广告分成",
        "grand_master_ad_commission" => "徒孙广告分成",
        "withdrawal_hold" => "提现冻结",
        "withdrawal_release" => "提现退回",
        _ => "其他",
    }
}

/// The flows of the available balance in the last 15 days, newest first.
pub async fn flows(ctx: &Ctx, user_id: UserId, page: PageRequest) -> Result<Page<Flow>> {
    let client = ctx.db()?.client().await?;
    let since = ctx.clock.today().date() - chrono::Days::new(DAYS as u64);
    let account: i64 = client
        .query_one("SELECT id FROM accounts WHERE user_id = $1 AND kind = 'available'", &[&user_id])
        .await
        .db("failed to find the account")?
        .get("id");
    let rows = client
        .query(
            &format!("{FLOW_SELECT} WHERE e.account_id = $1 AND e.day >= $2 ORDER BY e.id DESC LIMIT $3 OFFSET $4"),
            &[&account, &since, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to load flows")?;
    let total: i64 = client
        .query_one(
            "SELECT count(*) AS total FROM ledger_entries WHERE account_id = $1 AND day >= $2",
            &[&account, &since],
        )
        .await
        .db("failed to count flows")?
        .get("total");
    Ok(Page::new(rows.iter().map(flow_of).collect(), total, page))
}

const FLOW_SELECT: &str = "SELECT e.id, e.created_at, e.day, e.kind, e.amount_fen, e.group_id, g.name AS group_name,
        e.source_user_id, s.nickname AS source_nickname, e.withdrawal_id
    FROM ledger_entries e LEFT JOIN groups g ON g.id = e.group_id LEFT JOIN users s ON s.id = e.source_user_id";

fn flow_of(r: &tokio_postgres::Row) -> Flow {
    let kind: String = r.get("kind");
    Flow {
        id: r.get("id"),
        at: r.get::<_, DateTime<Utc>>("created_at").with_timezone(&shanghai()),
        day: r.get::<_, NaiveDate>("day").to_string(),
        title: title(&kind).to_owned(),
        kind,
        amount_fen: r.get("amount_fen"),
        group_id: r.get("group_id"),
        group_name: r.get("group_name"),
        source_user_id: r.get("source_user_id"),
        source_nickname: r.get("source_nickname"),
        withdrawal_id: r.get("withdrawal_id"),
    }
}

/// Income of one kind over the user's whole history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncomeOfKind {
    pub kind: String,
    /// The owner's words for it (群收益, 徒弟分成 …).
    pub title: String,
    pub total_fen: Fen,
}

/// A user's money as support reads it on the console: where it is, where it came from, where it
/// went.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserMoney {
    pub available_fen: Fen,
    pub held_fen: Fen,
    /// Every income kind, credited by settlement or by clicks, with its total (0 included).
    pub income: Vec<IncomeOfKind>,
    /// The latest flows of the available balance, newest first.
    pub flows: Vec<Flow>,
    /// The latest withdrawals, newest first.
    pub withdrawals: Vec<crate::withdrawals::Withdrawal>,
}

/// How many flows and withdrawals the console's user page shows (the withdrawals page has all).
pub const USER_MONEY_RECENT: i64 = 20;

pub async fn of_user(client: &impl GenericClient, user_id: UserId) -> Result<UserMoney> {
    let balances = ledger::balances(client, user_id).await?;
    let totals: std::collections::HashMap<String, Fen> = client
        .query(
            "SELECT e.kind, sum(e.amount_fen)::bigint AS total_fen FROM ledger_entries e JOIN accounts a ON a.id = e.account_id
             WHERE a.user_id = $1 AND a.kind = 'available' AND e.kind = ANY($2) GROUP BY e.kind",
            &[&user_id, &INCOME_KINDS.as_slice()],
        )
        .await
        .db("failed to total the income")?
        .iter()
        .map(|r| (r.get("kind"), r.get("total_fen")))
        .collect();
    let income = INCOME_KINDS
        .iter()
        .map(|kind| IncomeOfKind {
            kind: (*kind).to_owned(),
            title: title(kind).to_owned(),
            total_fen: totals.get(*kind).copied().unwrap_or_default(),
        })
        .collect();
    let flows = client
        .query(
            &format!(
                "{FLOW_SELECT} JOIN accounts a ON a.id = e.account_id WHERE a.user_id = $1 AND a.kind = 'available'
                 ORDER BY e.id DESC LIMIT $2"
            ),
            &[&user_id, &USER_MONEY_RECENT],
        )
        .await
        .db("failed to load flows")?
        .iter()
        .map(flow_of)
        .collect();
    Ok(UserMoney {
        available_fen: balances.available_fen,
        held_fen: balances.held_fen,
        income,
        flows,
        withdrawals: crate::withdrawals::latest(client, user_id, USER_MONEY_RECENT).await?,
    })
}
