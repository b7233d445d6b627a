//! Withdrawals (提现): the owner asks, the money is held at once and the request is queued for
//! the payouts consumer (see [`crate::payouts`]); operators list, export, retry and reject.
//!
//! States: pending → submitted → waiting_user → success | failed, and rejected (by an operator,
//! from pending or failed). Once per business day: a failed or rejected one does not count (a
//! partial unique index decides between concurrent requests).

use chrono::{DateTime, FixedOffset, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::clock::shanghai;
use crate::context::Ctx;
use crate::db::{QueryContext, constraint, text_enum, violated_constraint};
use crate::error::{Code, Error, Result};
use crate::ids::{UserId, WithdrawalId};
use crate::ledger::{self, Account};
use crate::money::Fen;
use crate::operators::{self, ConsolePrincipal};
use crate::outbox;
use crate::paging::{Page, PageRequest};
use crate::payouts::PayoutMessage;
use crate::queue::Queue;
use crate::settings::{self, MoneySettings};

text_enum! {
    /// Where a withdrawal is (withdrawals.state).
    pub enum WithdrawalState {
        /// Held and queued; nothing sent yet.
        Pending = "pending",
        /// Sent to WeChat Pay (or about to be): its outcome is asked until known.
        Submitted = "submitted",
        /// WeChat Pay waits for the owner to confirm the receipt in WeChat.
        WaitingUser = "waiting_user",
        Success = "success",
        /// WeChat Pay failed or cancelled it; the money is back (an operator may retry).
        Failed = "failed",
        /// Rejected by an operator.
        Rejected = "rejected",
    }
}

impl WithdrawalState {
    /// As finance reads it (the console's words).
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待打款",
            Self::Submitted => "打款中",
            Self::WaitingUser => "待用户确认",
            Self::Success => "已到账",
            Self::Failed => "打款失败",
            Self::Rejected => "已驳回",
        }
    }

    /// Not finished: the money is still held.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Submitted | Self::WaitingUser)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Withdrawal {
    pub id: WithdrawalId,
    pub user_id: UserId,
    /// Console only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    pub amount_fen: Fen,
    pub state: WithdrawalState,
    /// Derived from the withdrawal and its attempt, stored before anything is sent.
    pub out_bill_no: String,
    pub attempt: i32,
    /// The business day asked (YYYY-MM-DD).
    pub day: String,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    /// What the user is told when it failed (打款失败原因).
    pub failure_reason: Option<String>,
    /// 3200 paid; 3001 WeChat said FAIL; 3004 cancelled or rejected; none while open.
    pub result_code: Option<i32>,
    pub wechat_state: Option<String>,
    /// While waiting for the user: what opens WeChat's confirmation.
    pub package_info: Option<String>,
    /// While waiting for the user: with `package_info`, what WeChat's JSSDK
    /// `requestMerchantTransfer` takes to show the confirmation.
    pub mch_id: Option<String>,
    pub app_id: Option<String>,
    /// When WeChat Pay refused the real name of this one and the owner corrected it since.
    pub name_corrected_at: Option<DateTime<FixedOffset>>,
}

pub(crate) const COLUMNS: &str = "w.id, w.user_id, u.nickname, w.amount_fen, w.state, w.out_bill_no, w.attempt, w.day,
    w.created_at, w.updated_at, w.finished_at, w.failure_reason, w.result_code, w.wechat_state, w.package_info,
    (SELECT c.created_at FROM identity_corrections c WHERE c.withdrawal_id = w.id) AS name_corrected_at";

pub(crate) fn of_row(r: &tokio_postgres::Row, with_nickname: bool) -> Withdrawal {
    let at = |column: &str| r.get::<_, DateTime<Utc>>(column).with_timezone(&shanghai());
    let state: WithdrawalState = r.get("state");
    let out_bill_no: String = r.get("out_bill_no");
    Withdrawal {
        id: r.get("id"),
        user_id: r.get("user_id"),
        nickname: with_nickname.then(|| r.get("nickname")),
        amount_fen: r.get("amount_fen"),
        state,
        out_bill_no,
        attempt: r.get("attempt"),
        day: r.get::<_, chrono::NaiveDate>("day").to_string(),
        created_at: at("created_at"),
        updated_at: at("updated_at"),
        finished_at: r.get::<_, Option<DateTime<Utc>>>("finished_at").map(|t| t.with_timezone(&shanghai())),
        failure_reason: r.get("failure_reason"),
        result_code: r.get("result_code"),
        wechat_state: r.get("wechat_state"),
        package_info: r.get("package_info"),
        mch_id: None,
        app_id: None,
        name_corrected_at: r.get::<_, Option<DateTime<Utc>>>("name_corrected_at").map(|t| t.with_timezone(&shanghai())),
    }
}

/// Adds what the H5 passes to the JS-SDK's `requestMerchantTransfer` for the owner to confirm
/// the receipt in WeChat.
fn with_merchant(ctx: &Ctx, mut w: Withdrawal) -> Withdrawal {
    if w.state == WithdrawalState::WaitingUser
        && let Ok(merchant) = ctx.merchant()
    {
        w.mch_id = Some(merchant.mch_id.clone());
        w.app_id = Some(merchant.app_id.clone());
    }
    w
}

/// The order number of a withdrawal's attempt: letters and digits, as WeChat Pay asks.
pub fn out_bill_no(id: WithdrawalId, attempt: i32) -> String {
    format!("GW{id}A{attempt}")
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWithdrawal {
    pub amount_fen: Fen,
}

/// Holds the money and queues the payout; 1200 means held, the outcome comes later.
#[tracing::instrument(skip(ctx))]
pub async fn request(ctx: &Ctx, user_id: UserId, new: &NewWithdrawal) -> Result<Withdrawal> {
    let mut client = ctx.db()?.client().await?;
    let money: MoneySettings = settings::load(&client).await?;
    let amount = new.amount_fen;
    let (min, max) = (Fen::from(money.withdraw_min_fen), Fen::from(money.withdraw_max_fen));
    if amount < min || amount > max {
        return Err(Error::bad_request(format!("提现金额须在 {min} 到 {max} 元之间")));
    }
    let user = client
        .query_opt("SELECT frozen, phone, identity_name, openid, snapshot FROM users WHERE id = $1", &[&user_id])
        .await
        .db("failed to load the user")?
        .ok_or_else(|| Error::not_found("用户不存在"))?;
    let (frozen, phone, name, openid, snapshot): (bool, Option<String>, Option<String>, String, bool) =
        (user.get("frozen"), user.get("phone"), user.get("identity_name"), user.get("openid"), user.get("snapshot"));
    if frozen || snapshot {
        return Err(Error::rejected(Code::WithdrawalFailed, "账户已冻结，不能提现，请联系客服"));
    }
    if phone.is_none() {
        return Err(Error::rejected(Code::PhoneMissing, "请先绑定手机号"));
    }
    let Some(name) = name else {
        return Err(Error::rejected(Code::IdentityMissing, "请先完成实名认证"));
    };
    if ledger::balances(&client, user_id).await?.available_fen < amount {
        return Err(Error::rejected(Code::InsufficientBalance, "余额不足"));
    }
    let day = ctx.clock.today().date();
    let tx = client.transaction().await.db("failed to begin")?;
    let inserted = tx
        .query_one(
            "WITH next AS (SELECT nextval('withdrawals_id_seq') AS id)
             INSERT INTO withdrawals (id, user_id, amount_fen, day, state, out_bill_no, openid, user_name)
             SELECT id, $1, $2, $3, 'pending', 'GW' || id || 'A1', $4, $5 FROM next RETURNING id",
            &[&user_id, &amount, &day, &openid, &name],
        )
        .await;
    let id: WithdrawalId = match inserted {
        Ok(row) => row.get("id"),
        Err(e) if violated_constraint(&e) == Some(constraint::WITHDRAWALS_ONCE_A_DAY) => {
            return Err(Error::rejected(Code::AlreadyWithdrawnToday, "今天已经提现过了，请明天再来"));
        }
        Err(e) => return Err(Error::Unexpected(anyhow::Error::new(e).context("failed to record the withdrawal"))),
    };
    hold(&tx, id, 1, user_id, amount, day).await?;
    let outbox_ids =
        outbox::enqueue(&tx, Queue::Payouts, &[PayoutMessage { withdrawal_id: id, attempt: 1 }.body()]).await?;
    tx.commit().await.db("failed to commit the withdrawal")?;
    drop(client);
    outbox::publish(ctx, &outbox_ids).await;
    tracing::info!(id = id.get(), amount = amount.get(), "withdrawal held and queued");
    get_any(ctx, id).await
}

/// The ledger's moves of a withdrawal's attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// available → held, when asked (or retried).
    Hold,
    /// held → available: failed, cancelled or rejected.
    Release,
    /// held → the platform's payouts account: in the user's wallet.
    Paid,
}

impl Move {
    fn name(self) -> &'static str {
        match self {
            Move::Hold => "hold",
            Move::Release => "release",
            Move::Paid => "paid",
        }
    }
}

/// Posts `step` for attempt `attempt` of withdrawal `id`, once (its idempotency key names the
/// withdrawal, the attempt and the move).
pub async fn post_move(
    client: &impl GenericClient,
    (id, attempt): (WithdrawalId, i32),
    user_id: UserId,
    amount: Fen,
    day: chrono::NaiveDate,
    step: Move,
) -> Result<()> {
    let (from, to, kind) = match step {
        Move::Hold => (Account::Available(user_id), Account::Held(user_id), "withdrawal_hold"),
        Move::Release => (Account::Held(user_id), Account::Available(user_id), "withdrawal_release"),
        Move::Paid => (Account::Held(user_id), Account::Payouts, "withdrawal_paid"),
    };
    let legs = ledger::transfer(from, to, amount, kind).map(|l| l.withdrawal(id));
    ledger::post(client, &format!("wd:{id}:{attempt}:{}", step.name()), kind, day, &legs).await?;
    Ok(())
}

/// Holds the money and puts the attempt's order number on record.
async fn hold(
    client: &impl GenericClient,
    id: WithdrawalId,
    attempt: i32,
    user_id: UserId,
    amount: Fen,
    day: chrono::NaiveDate,
) -> Result<()> {
    post_move(client, (id, attempt), user_id, amount, day, Move::Hold).await?;
    client
        .execute(
            "INSERT INTO payout_attempts (out_bill_no, withdrawal_id, attempt, amount_fen, state) VALUES ($1, $2, $3, $4, 'pending')",
            &[&out_bill_no(id, attempt), &id, &attempt, &amount],
        )
        .await
        .db("failed to record the attempt")?;
    Ok(())
}

async fn get_any(ctx: &Ctx, id: WithdrawalId) -> Result<Withdrawal> {
    let client = ctx.db()?.client().await?;
    let sql = format!("SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE w.id = $1");
    let row = client.query_opt(&sql, &[&id]).await.db("failed to load the withdrawal")?;
    row.map(|r| with_merchant(ctx, of_row(&r, true))).ok_or_else(|| Error::not_found("提现记录不存在"))
}

/// One of the owner's withdrawals.
pub async fn get(ctx: &Ctx, user_id: UserId, id: WithdrawalId) -> Result<Withdrawal> {
    let client = ctx.db()?.client().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE w.id = $1 AND w.user_id = $2"
    );
    let row = client.query_opt(&sql, &[&id, &user_id]).await.db("failed to load the withdrawal")?;
    row.map(|r| with_merchant(ctx, of_row(&r, false))).ok_or_else(|| Error::not_found("提现记录不存在"))
}

/// The owner's withdrawals, newest first.
pub async fn mine(ctx: &Ctx, user_id: UserId, page: PageRequest) -> Result<Page<Withdrawal>> {
    let client = ctx.db()?.client().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE w.user_id = $1
         ORDER BY w.id DESC LIMIT $2 OFFSET $3"
    );
    let rows = client.query(&sql, &[&user_id, &page.page_size, &page.offset()]).await.db("failed to list")?;
    let total: i64 = client
        .query_one("SELECT count(*) AS total FROM withdrawals WHERE user_id = $1", &[&user_id])
        .await
        .db("failed to count")?
        .get("total");
    Ok(Page::new(rows.iter().map(|r| with_merchant(ctx, of_row(r, false))).collect(), total, page))
}

/// A user's latest withdrawals, newest first, as the console shows them.
pub(crate) async fn latest(client: &impl GenericClient, user_id: UserId, limit: i64) -> Result<Vec<Withdrawal>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE w.user_id = $1 ORDER BY w.id DESC LIMIT $2"
    );
    let rows = client.query(&sql, &[&user_id, &limit]).await.db("failed to list")?;
    Ok(rows.iter().map(|r| of_row(r, true)).collect())
}

/// The console's filters.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub state: Option<WithdrawalState>,
    pub day: Option<chrono::NaiveDate>,
    pub user_id: Option<UserId>,
}

impl Filter {
    pub fn parse(query: &std::collections::HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let state = get("state")
            .map(|s| s.parse::<WithdrawalState>().map_err(|_| Error::bad_request(format!("未知的提现状态 {s}"))))
            .transpose()?;
        let day = get("day")
            .map(|d| crate::clock::BusinessDay::parse(d).map(|d| d.date()).map_err(Error::bad_request))
            .transpose()?;
        let user_id = get("user_id")
            .map(|u| u.parse::<UserId>().map_err(|_| Error::bad_request("user_id 须为整数")))
            .transpose()?;
        Ok(Filter { state, day, user_id })
    }
}

const FILTER_SQL: &str = "($1::text IS NULL OR w.state = $1) AND ($2::date IS NULL OR w.day = $2) AND ($3::bigint IS NULL OR w.user_id = $3)";

pub async fn search(ctx: &Ctx, by: &ConsolePrincipal, filter: &Filter, page: PageRequest) -> Result<Page<Withdrawal>> {
    by.require(operators::FINANCE)?;
    let client = ctx.db()?.client().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE {FILTER_SQL}
         ORDER BY w.id DESC LIMIT $4 OFFSET $5"
    );
    let rows = client
        .query(&sql, &[&filter.state, &filter.day, &filter.user_id, &page.page_size, &page.offset()])
        .await
        .db("failed to search withdrawals")?;
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) AS total FROM withdrawals w WHERE {FILTER_SQL}"),
            &[&filter.state, &filter.day, &filter.user_id],
        )
        .await
        .db("failed to count withdrawals")?
        .get("total");
    Ok(Page::new(rows.iter().map(|r| of_row(r, true)).collect(), total, page))
}

/// The most rows one export holds: with the longest nicknames and reasons a row is under 500
/// bytes, so an export stays well inside Lambda's 6 MB answer.
pub const MAX_EXPORT_ROWS: i64 = 10_000;
/// The longest date range one export covers.
pub const MAX_EXPORT_DAYS: i64 = 31;
/// What an export may weigh, whatever its rows: Lambda answers at most 6 MB, envelope included.
const MAX_EXPORT_BYTES: usize = 5 << 20;

/// The business days an export covers, both included: `from` and `to` (at most
/// [`MAX_EXPORT_DAYS`]), or the filter's `day`. Required: an export of everything is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportRange {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

impl ExportRange {
    /// The download's file name: the day, or the first and last days.
    pub fn file_name(&self) -> String {
        if self.from == self.to {
            format!("withdrawals-{}.csv", self.from)
        } else {
            format!("withdrawals-{}-{}.csv", self.from, self.to)
        }
    }

    pub fn parse(query: &std::collections::HashMap<String, String>, filter: &Filter) -> Result<Self> {
        let get = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let day = |k: &str, v: &str| {
            crate::clock::BusinessDay::parse(v).map(|d| d.date()).map_err(|e| Error::bad_request(format!("{k}：{e}")))
        };
        let range = match (get("from"), get("to"), filter.day) {
            (Some(from), Some(to), _) => ExportRange { from: day("from", from)?, to: day("to", to)? },
            (None, None, Some(d)) => ExportRange { from: d, to: d },
            (Some(_), None, _) | (None, Some(_), _) => return Err(Error::bad_request("导出须同时指定 from 与 to")),
            (None, None, None) => {
                return Err(Error::bad_request(format!(
                    "导出须指定日期范围：day，或 from 与 to（最多 {MAX_EXPORT_DAYS} 天）"
                )));
            }
        };
        if range.to < range.from {
            return Err(Error::bad_request("导出的结束日期不能早于开始日期"));
        }
        if (range.to - range.from).num_days() + 1 > MAX_EXPORT_DAYS {
            return Err(Error::bad_request(format!("一次最多导出 {MAX_EXPORT_DAYS} 天，请缩小日期范围")));
        }
        Ok(range)
    }
}

fn too_many_rows(n: i64) -> Error {
    Error::bad_request(format!(
        "符合条件的提现有 {n} 条，超过单次导出上限 {MAX_EXPORT_ROWS} 条：请缩小日期范围或增加筛选条件"
    ))
}

/// The withdrawals the filter selects within the range, as CSV (UTF-8 with a BOM, so that Excel
/// reads Chinese); more than [`MAX_EXPORT_ROWS`] rows is refused with a message saying so.
pub async fn csv(ctx: &Ctx, by: &ConsolePrincipal, filter: &Filter, range: ExportRange) -> Result<String> {
    by.require(operators::FINANCE)?;
    let client = ctx.db()?.client().await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
        [&filter.state, &filter.day, &filter.user_id, &range.from, &range.to];
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) AS total FROM withdrawals w WHERE {FILTER_SQL} AND w.day BETWEEN $4 AND $5"),
            &params,
        )
        .await
        .db("failed to count the export")?
        .get("total");
    if total > MAX_EXPORT_ROWS {
        return Err(too_many_rows(total));
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM withdrawals w JOIN users u ON u.id = w.user_id WHERE {FILTER_SQL} AND w.day BETWEEN $4 AND $5
         ORDER BY w.id LIMIT {}",
        MAX_EXPORT_ROWS + 1
    );
    let rows = client.query(&sql, &params).await.db("failed to export withdrawals")?;
    if rows.len() as i64 > MAX_EXPORT_ROWS {
        return Err(too_many_rows(rows.len() as i64));
    }
    let mut out = String::from(
        "\u{feff}提现编号,用户编号,昵称,金额（元）,状态,商户单号,业务日,申请时间（北京时间）,失败原因\r\n",
    );
    for w in rows.iter().map(|r| of_row(r, true)) {
        let fields = [
            w.id.to_string(),
            w.user_id.to_string(),
            w.nickname.unwrap_or_default(),
            w.amount_fen.to_string(),
            w.state.label().to_owned(),
            w.out_bill_no,
            w.day,
            w.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            w.failure_reason.unwrap_or_default(),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
        if out.len() > MAX_EXPORT_BYTES {
            return Err(Error::bad_request("导出内容超过 5 MB：请缩小日期范围或增加筛选条件"));
        }
    }
    Ok(out)
}

/// RFC 4180 quoting, and a leading quote mark for what a spreadsheet would run as a formula:
/// `=`, `+`, `-`, `@`, and a tab or carriage return (which spreadsheets skip before reading
/// a formula), as OWASP's CSV-injection advice lists them.
fn csv_field(value: &str) -> String {
    let value =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\r', '\n']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value }
}

/// Locks a withdrawal for an operator's action: its user, amount, state and attempt.
async fn lock(client: &impl GenericClient, id: WithdrawalId) -> Result<(UserId, Fen, WithdrawalState, i32)> {
    let row = client
        .query_opt("SELECT user_id, amount_fen, state, attempt FROM withdrawals WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .db("failed to lock the withdrawal")?
        .ok_or_else(|| Error::not_found("提现记录不存在"))?;
    Ok((row.get("user_id"), row.get("amount_fen"), row.get("state"), row.get("attempt")))
}

/// Retries a failed withdrawal: the money is held again and paid under a new order number.
#[tracing::instrument(skip(ctx, by))]
pub async fn retry(ctx: &Ctx, by: &ConsolePrincipal, id: WithdrawalId) -> Result<Withdrawal> {
    by.require(operators::FINANCE)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let (user_id, amount, state, attempt) = lock(&tx, id).await?;
    if state != WithdrawalState::Failed {
        return Err(Error::bad_request("只有失败的提现可以重试"));
    }
    let next = attempt + 1;
    let updated = tx
        .execute(
            "UPDATE withdrawals SET state = 'pending', attempt = $2, out_bill_no = $3, transfer_bill_no = NULL,
                 wechat_state = NULL, package_info = NULL, fail_code = NULL, failure_reason = NULL, result_code = NULL,
                 last_error = NULL, next_check_at = NULL, finished_at = NULL, updated_at = now()
             WHERE id = $1",
            &[&id, &next, &out_bill_no(id, next)],
        )
        .await;
    if let Err(e) = updated {
        if violated_constraint(&e) == Some(constraint::WITHDRAWALS_ONCE_A_DAY) {
            return Err(Error::rejected(Code::AlreadyWithdrawnToday, "该用户当天已有另一笔提现"));
        }
        return Err(Error::Unexpected(anyhow::Error::new(e).context("failed to retry")));
    }
    hold(&tx, id, next, user_id, amount, ctx.clock.today().date()).await?;
    let outbox_ids =
        outbox::enqueue(&tx, Queue::Payouts, &[PayoutMessage { withdrawal_id: id, attempt: next }.body()]).await?;
    operators::audit(
        &tx,
        by.operator.id,
        "withdrawal.retry",
        Some(&id.to_string()),
        serde_json::json!({ "attempt": next }),
    )
    .await?;
    tx.commit().await.db("failed to commit the retry")?;
    drop(client);
    outbox::publish(ctx, &outbox_ids).await;
    get_any(ctx, id).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// 1 to 200 characters once trimmed.
    #[schema(pattern = r"^\s*\S(?:[\s\S]{0,198}\S)?\s*$")]
    pub reason: String,
}

/// Rejects a pending or failed withdrawal; a pending one's hold is released.
#[tracing::instrument(skip(ctx, by))]
pub async fn reject(ctx: &Ctx, by: &ConsolePrincipal, id: WithdrawalId, rejection: &Rejection) -> Result<Withdrawal> {
    by.require(operators::FINANCE)?;
    let reason = rejection.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::bad_request("驳回理由须为 1 到 200 个字"));
    }
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let (user_id, amount, state, attempt) = lock(&tx, id).await?;
    if !matches!(state, WithdrawalState::Pending | WithdrawalState::Failed) {
        return Err(Error::bad_request("只有待处理或失败的提现可以驳回"));
    }
    if state == WithdrawalState::Pending {
        post_move(&tx, (id, attempt), user_id, amount, ctx.clock.today().date(), Move::Release).await?;
        tx.execute(
            "UPDATE payout_attempts SET state = 'rejected', updated_at = now() WHERE out_bill_no = $1",
            &[&out_bill_no(id, attempt)],
        )
        .await
        .db("failed to close the attempt")?;
    }
    tx.execute(
        "UPDATE withdrawals SET state = 'rejected', failure_reason = $2, result_code = $3, finished_at = now(), updated_at = now()
         WHERE id = $1",
        &[&id, &format!("运营驳回：{reason}"), &(Code::WithdrawalFailed.as_u16() as i32)],
    )
    .await
    .db("failed to reject")?;
    operators::audit(
        &tx,
        by.operator.id,
        "withdrawal.reject",
        Some(&id.to_string()),
        serde_json::json!({ "reason": reason }),
    )
    .await?;
    tx.commit().await.db("failed to commit the rejection")?;
    get_any(ctx, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("\t=1+2"), "'\t=1+2");
        assert_eq!(csv_field("\r=1+2"), "\"'\r=1+2\"");
        assert_eq!(csv_field("@cmd"), "'@cmd");
        assert_eq!(csv_field("a\tb"), "a\tb");
        assert_eq!(Fen::new(12345).to_string(), "123.45");
        assert_eq!(Fen::new(5).to_string(), "0.05");
        assert_eq!(out_bill_no(WithdrawalId::new(42), 2), "GW42A2");
    }
}
