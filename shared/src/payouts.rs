//! Payouts through WeChat Pay's transfer bills: the `payouts` consumer sends, the notification
//! callback and the `payout-reconcile` job settle what is unknown, and the console reconciles a
//! day against WeChat Pay's records (the day's fund-flow bill and the per-bill query).
//!
//! The rules: an order number is stored before it is sent; an unknown outcome (a timeout,
//! SYSTEM_ERROR, NOT_ENOUGH, an answer that does not verify) is queried, and sent again only
//! when WeChat Pay has no bill of that number, always with the parameters stored with the
//! withdrawal; a new number is used only by an operator's retry after WeChat Pay said FAIL.
//! SUCCESS moves the held money to the payouts account; FAIL and CANCELLED give it back.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::clock::BusinessDay;
use crate::context::Ctx;
use crate::db::{QueryContext, text_enum};
use crate::deadline::Deadline;
use crate::error::{Code, Error, Result};
use crate::ids::{UserId, WithdrawalId};
use crate::money::Fen;
use crate::partners::wechat_pay::{Bill, BillError, Direction, FUND_FLOW_ACCOUNT, FundFlowSummary, PayError, Transfer};
use crate::settings::{self, MoneySettings};
use crate::withdrawals::{self, Move, WithdrawalState};

/// What the payouts queue carries: written to the outbox by the withdrawal (or its retry), read
/// by the consumer. `{"withdrawal_id": 42, "attempt": 1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutMessage {
    pub withdrawal_id: WithdrawalId,
    pub attempt: i32,
}

impl PayoutMessage {
    /// The outbox row's body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a payout message serializes")
    }
}

text_enum! {
    /// Where one order number (payout_attempts.state) is: what reconciliation compares with
    /// WeChat Pay's bill of that number.
    pub enum AttemptState {
        Pending = "pending",
        Submitted = "submitted",
        Success = "success",
        Failed = "failed",
        /// An operator rejected the withdrawal before it was sent.
        Rejected = "rejected",
    }
}

/// The remark on the user's WeChat receipt.
const REMARK: &str = "gpet 群主收益提现";

/// A withdrawal as the payout needs it.
struct Payout {
    id: WithdrawalId,
    user_id: UserId,
    amount_fen: Fen,
    state: WithdrawalState,
    attempt: i32,
    out_bill_no: String,
    openid: String,
    user_name: String,
    package_info: Option<String>,
}

impl Payout {
    async fn post(
        &self,
        client: &impl deadpool_postgres::GenericClient,
        day: chrono::NaiveDate,
        step: Move,
    ) -> Result<()> {
        withdrawals::post_move(client, (self.id, self.attempt), self.user_id, self.amount_fen, day, step).await
    }
}

const PAYOUT_SQL: &str =
    "SELECT id, user_id, amount_fen, state, attempt, out_bill_no, openid, user_name, package_info FROM withdrawals";

fn payout_of(r: &tokio_postgres::Row) -> Payout {
    Payout {
        id: r.get("id"),
        user_id: r.get("user_id"),
        amount_fen: r.get("amount_fen"),
        state: r.get("state"),
        attempt: r.get("attempt"),
        out_bill_no: r.get("out_bill_no"),
        openid: r.get("openid"),
        user_name: r.get("user_name"),
        package_info: r.get("package_info"),
    }
}

/// How many payouts a consumer batch works on at once.
const PAYOUTS_AT_ONCE: usize = 4;
/// The longest one payout takes to start and finish with WeChat Pay: a query and a create, 8 s
/// each at worst. None is started with less time left before the stop, so none is cut midway.
const PAYOUT_NEEDS: Duration = Duration::from_secs(16);

/// The consumer: answers the message ids to retry (those failed, and those not started before
/// the deadline: they come back, a slow WeChat Pay delaying them but never dead-lettering them).
#[tracing::instrument(skip_all, fields(messages = messages.len()))]
pub async fn consume(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> Result<Vec<String>> {
    // Made first, then driven: a stream's closure over borrowed messages is not `Send` enough
    // for rustc (its lifetimes are not general enough), a list of futures is.
    let payouts: Vec<_> = messages.iter().map(|message| pay_message(ctx, message, deadline)).collect();
    let failed: Vec<Option<String>> = futures::stream::iter(payouts).buffer_unordered(PAYOUTS_AT_ONCE).collect().await;
    Ok(failed.into_iter().flatten().collect())
}

/// One message of the consumer: its id when it is to come back.
async fn pay_message(ctx: &Ctx, (id, body): &(String, String), deadline: Deadline) -> Option<String> {
    let message: PayoutMessage = match serde_json::from_str(body) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(message_id = id, error = %e, "unreadable payout message");
            return Some(id.clone());
        }
    };
    if !deadline.allows(PAYOUT_NEEDS) {
        return Some(id.clone());
    }
    match pay(ctx, message.withdrawal_id, message.attempt).await {
        Ok(()) => None,
        Err(e) => {
            tracing::error!(message_id = id, withdrawal_id = message.withdrawal_id.get(), error = %e, "payout failed; retried");
            Some(id.clone())
        }
    }
}

/// Sends a pending withdrawal's attempt, or settles a submitted one; anything else was done.
async fn pay(ctx: &Ctx, id: WithdrawalId, attempt: i32) -> Result<()> {
    let client = ctx.db()?.client().await?;
    let Some(row) = client.query_opt(&format!("{PAYOUT_SQL} WHERE id = $1"), &[&id]).await.db("failed to load")? else {
        tracing::warn!(id = id.get(), "payout of an unknown withdrawal");
        return Ok(());
    };
    let payout = payout_of(&row);
    if payout.attempt != attempt {
        return Ok(());
    }
    match payout.state {
        WithdrawalState::Pending => {
            let claimed = client
                .execute(
                    "UPDATE withdrawals SET state = 'submitted', updated_at = now(), next_check_at = now() + interval '1 minute'
                     WHERE id = $1 AND attempt = $2 AND state = 'pending'",
                    &[&id, &attempt],
                )
                .await
                .db("failed to claim the payout")?;
            if claimed == 0 {
                return Ok(()); // rejected meanwhile, or another delivery claimed it
            }
            client
                .execute(
                    "UPDATE payout_attempts SET state = 'submitted', updated_at = now() WHERE out_bill_no = $1",
                    &[&payout.out_bill_no],
                )
                .await
                .db("failed to mark the attempt")?;
            drop(client);
            send(ctx, &payout).await
        }
        WithdrawalState::Submitted => {
            drop(client);
            settle_unknown(ctx, &payout).await
        }
        _ => Ok(()),
    }
}

/// Sends the stored parameters (identical on every send of one order number).
async fn send(ctx: &Ctx, payout: &Payout) -> Result<()> {
    let transfer = Transfer {
        out_bill_no: &payout.out_bill_no,
        openid: &payout.openid,
        user_name: &payout.user_name,
        amount_fen: payout.amount_fen.get(),
        remark: REMARK,
    };
    match ctx.pay()?.create(&transfer).await {
        Ok(bill) => apply(ctx, &bill).await,
        Err(PayError::Refused { code, message, .. }) if code == "NOT_ENOUGH" || code == "NOTENOUGH" => {
            unknown(ctx, payout, &format!("{code} {message}")).await?;
            let money: MoneySettings = settings::load(&ctx.db()?.client().await?).await?;
            if money.merchant_low_balance_alert {
                let hour = chrono::Utc::now().timestamp() / 3600;
                let text = format!(
                    "微信支付商户运营账户余额不足（NOT_ENOUGH），提现 {} 的 {} 元未能打款，充值后会自动重试（同一单号）。",
                    payout.out_bill_no,
                    payout.amount_fen.get() as f64 / 100.0
                );
                alerts::raise(
                    ctx,
                    alerts::Alert::MerchantBalanceLow,
                    &format!("not-enough:{hour}"),
                    "[gpet] 商户余额不足",
                    &text,
                )
                .await?;
            }
            Ok(())
        }
        Err(PayError::Refused { code, message, .. }) => {
            // Refused without a bill, unless the number is known: then its bill decides. Both
            // the refusal and the query's "no such bill" are WeChat Pay's signed answers (an
            // unsigned one is `PayError::Unknown`): nothing else fails a payout, since a failed
            // payout may be retried under a new number.
            match ctx.pay()?.query(&payout.out_bill_no).await {
                Ok(Some(bill)) => apply(ctx, &bill).await,
                Ok(None) => {
                    let bill = Bill {
                        out_bill_no: payout.out_bill_no.clone(),
                        transfer_bill_no: None,
                        state: "FAIL".into(),
                        fail_reason: Some(code.clone()),
                        package_info: None,
                        transfer_amount: None,
                        create_time: None,
                        update_time: None,
                    };
                    tracing::warn!(code, message, "WeChat Pay refused the transfer");
                    apply(ctx, &bill).await
                }
                Err(e) => unknown(ctx, payout, &e.to_string()).await,
            }
        }
        Err(PayError::Unknown(e)) => unknown(ctx, payout, &e).await,
    }
}

/// Queries a submitted payout: its bill decides; no bill means it never arrived, so it is sent
/// again under the same number.
async fn settle_unknown(ctx: &Ctx, payout: &Payout) -> Result<()> {
    match ctx.pay()?.query(&payout.out_bill_no).await {
        Ok(Some(bill)) => learn(ctx, payout, &bill).await,
        Ok(None) => send(ctx, payout).await,
        Err(e) => unknown(ctx, payout, &e.to_string()).await,
    }
}

/// Applies a queried bill. A query does not show what the user's confirmation needs
/// (package_info): when we never had it (the create's answer was lost), the create is sent
/// again — same number, identical parameters — and its answer carries it.
async fn learn(ctx: &Ctx, payout: &Payout, bill: &Bill) -> Result<()> {
    if bill.state == "WAIT_USER_CONFIRM" && bill.package_info.is_none() && payout.package_info.is_none() {
        return send(ctx, payout).await;
    }
    apply(ctx, bill).await
}

/// Records an unknown outcome: the reconcile job queries it again in a minute.
async fn unknown(ctx: &Ctx, payout: &Payout, error: &str) -> Result<()> {
    tracing::warn!(out_bill_no = payout.out_bill_no, error, "payout outcome unknown; will query");
    let client = ctx.db()?.client().await?;
    client
        .execute(
            "UPDATE withdrawals SET last_error = $2, next_check_at = now() + interval '1 minute', updated_at = now()
             WHERE id = $1 AND state IN ('submitted', 'waiting_user')",
            &[&payout.id, &error],
        )
        .await
        .db("failed to record the error")?;
    drop(client);
    failure_streak(ctx, false).await
}

/// What the user reads for WeChat Pay's fail reasons.
pub fn failure_reason(state: &str, fail_reason: Option<&str>) -> String {
    if state == "CANCELLED" {
        return "转账已取消：未在 24 小时内于微信中确认收款".to_owned();
    }
    let why = match fail_reason.unwrap_or("") {
        "NAME_NOT_CORRECT" | "REAL_NAME_CHECK_FAIL" => "实名信息与微信实名不一致",
        "ACCOUNT_FROZEN" => "微信账户已冻结",
        "ACCOUNT_NOT_EXIST" | "OPENID_INVALID" => "微信账户不存在",
        "TRANSFER_QUOTA_EXCEED" | "EXCEEDED_ESTIMATED_AMOUNT" => "超出微信收款额度",
        "TRANSFER_RISK" | "BLOCK_B2C_USERLIMITAMOUNT_MONTH" => "微信支付风控拦截",
        "PARAM_ERROR" | "INVALID_REQUEST" => "转账参数有误",
        "" => "微信支付转账失败",
        other => return format!("微信支付转账失败（{other}）"),
    };
    why.to_owned()
}

/// Applies a bill's state to its withdrawal, once: the notification, the consumer and the
/// reconcile job may all bring the same news.
pub async fn apply(ctx: &Ctx, bill: &Bill) -> Result<()> {
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let row = tx
        .query_opt(&format!("{PAYOUT_SQL} WHERE out_bill_no = $1 FOR UPDATE"), &[&bill.out_bill_no])
        .await
        .db("failed to lock the withdrawal")?;
    let Some(row) = row else {
        tracing::warn!(out_bill_no = bill.out_bill_no, state = bill.state, "news of an order number no longer current");
        return Ok(());
    };
    let payout = payout_of(&row);
    if !payout.state.is_open() {
        return Ok(());
    }
    if bill.transfer_amount.is_some_and(|a| a != payout.amount_fen.get()) {
        tracing::error!(out_bill_no = bill.out_bill_no, ?bill.transfer_amount, "WeChat Pay's amount differs; not applied");
        return Ok(());
    }
    let day = ctx.clock.today().date();
    let final_state = match bill.state.as_str() {
        "SUCCESS" => {
            payout.post(&tx, day, Move::Paid).await?;
            tx.execute(
                "UPDATE withdrawals SET state = 'success', result_code = $2, wechat_state = 'SUCCESS', transfer_bill_no = coalesce($3, transfer_bill_no),
                     package_info = NULL, last_error = NULL, next_check_at = NULL, finished_at = now(), updated_at = now()
                 WHERE id = $1",
                &[&payout.id, &(Code::TransferSucceeded.as_u16() as i32), &bill.transfer_bill_no],
            )
            .await
            .db("failed to record the success")?;
            Some(true)
        }
        "FAIL" | "CANCELLED" => {
            payout.post(&tx, day, Move::Release).await?;
            let code = if bill.state == "FAIL" { Code::TransferFailed } else { Code::WithdrawalFailed };
            tx.execute(
                "UPDATE withdrawals SET state = 'failed', result_code = $2, wechat_state = $3, fail_code = $4, failure_reason = $5,
                     transfer_bill_no = coalesce($6, transfer_bill_no), package_info = NULL, next_check_at = NULL,
                     finished_at = now(), updated_at = now()
                 WHERE id = $1",
                &[
                    &payout.id,
                    &(code.as_u16() as i32),
                    &bill.state,
                    &bill.fail_reason,
                    &failure_reason(&bill.state, bill.fail_reason.as_deref()),
                    &bill.transfer_bill_no,
                ],
            )
            .await
            .db("failed to record the failure")?;
            Some(false)
        }
        "WAIT_USER_CONFIRM" => {
            tx.execute(
                "UPDATE withdrawals SET state = 'waiting_user', wechat_state = $2, package_info = coalesce($3, package_info),
                     transfer_bill_no = coalesce($4, transfer_bill_no), last_error = NULL,
                     next_check_at = now() + interval '10 minutes', updated_at = now()
                 WHERE id = $1",
                &[&payout.id, &bill.state, &bill.package_info, &bill.transfer_bill_no],
            )
            .await
            .db("failed to record the wait")?;
            None
        }
        other => {
            tx.execute(
                "UPDATE withdrawals SET state = CASE WHEN state = 'pending' THEN 'submitted' ELSE state END, wechat_state = $2,
                     transfer_bill_no = coalesce($3, transfer_bill_no), last_error = NULL,
                     next_check_at = now() + interval '1 minute', updated_at = now()
                 WHERE id = $1",
                &[&payout.id, &other, &bill.transfer_bill_no],
            )
            .await
            .db("failed to record the state")?;
            None
        }
    };
    let attempt_state = match final_state {
        Some(true) => AttemptState::Success,
        Some(false) => AttemptState::Failed,
        None => AttemptState::Submitted,
    };
    tx.execute(
        "UPDATE payout_attempts SET state = $2, updated_at = now() WHERE out_bill_no = $1",
        &[&payout.out_bill_no, &attempt_state],
    )
    .await
    .db("failed to record the attempt")?;
    tx.commit().await.db("failed to commit the payout's news")?;
    tracing::info!(out_bill_no = payout.out_bill_no, state = bill.state, "payout news applied");
    if let Some(ok) = final_state {
        failure_streak(ctx, ok).await?;
    }
    Ok(())
}

/// Counts payouts failing in a row (in Redis: a counter, not a record) and alerts once when the
/// count reaches the setting.
async fn failure_streak(ctx: &Ctx, success: bool) -> Result<()> {
    let cache = ctx.cache()?;
    let key = cache.key("GPET:PAYOUT_FAIL_STREAK");
    let mut conn = cache.conn();
    if success {
        let _: redis::RedisResult<()> = conn.del(&key).await;
        return Ok(());
    }
    let streak: i64 = match conn.incr(&key, 1).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "the failure streak was not counted");
            return Ok(());
        }
    };
    let money: MoneySettings = settings::load(&ctx.db()?.client().await?).await?;
    if streak == i64::from(money.payout_fail_alert_after) {
        let hour = chrono::Utc::now().timestamp() / 3600;
        let text = format!("连续 {streak} 笔打款失败或结果未知，请检查微信支付商户号与后台「提现管理」。");
        alerts::raise(
            ctx,
            alerts::Alert::PayoutsFailing,
            &format!("payouts-failing:{hour}"),
            "[gpet] 连续打款失败",
            &text,
        )
        .await?;
    }
    Ok(())
}

/// The transfer notification callback: verified and decrypted, then applied. Anything that
/// does not verify is refused (WeChat Pay sends it again).
pub async fn notified(ctx: &Ctx, headers: &http::HeaderMap, body: &[u8]) -> Result<Received> {
    let Some(bill) = ctx.pay()?.notification(headers, body) else {
        return Err(Error::unauthenticated("通知签名或内容无效"));
    };
    apply(ctx, &bill).await?;
    Ok(Received { out_bill_no: bill.out_bill_no, state: bill.state })
}

/// What a notification said, once applied.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Received {
    pub out_bill_no: String,
    pub state: String,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ReconcileReport {
    pub queried: usize,
    pub resent: usize,
    pub requeued: usize,
    pub errors: usize,
}

/// The payout-reconcile job (every 5 minutes): queues pending payouts whose message was lost and
/// queries the open ones that are due.
#[tracing::instrument(skip_all)]
pub async fn reconcile(ctx: &Ctx, deadline: Deadline) -> Result<ReconcileReport> {
    let mut report = ReconcileReport::default();
    let client = ctx.db()?.client().await?;
    let stale: Vec<(WithdrawalId, i32)> = client
        .query(
            "SELECT id, attempt FROM withdrawals WHERE state = 'pending' AND updated_at < now() - interval '2 minutes'
             ORDER BY id LIMIT 500",
            &[],
        )
        .await
        .db("failed to find stale payouts")?
        .iter()
        .map(|r| (r.get("id"), r.get("attempt")))
        .collect();
    let due: Vec<Payout> = client
        .query(
            &format!(
                "{PAYOUT_SQL} WHERE state IN ('submitted', 'waiting_user') AND coalesce(next_check_at, updated_at) <= now()
                 ORDER BY next_check_at NULLS FIRST LIMIT 500"
            ),
            &[],
        )
        .await
        .db("failed to find open payouts")?
        .iter()
        .map(payout_of)
        .collect();
    drop(client);
    // Each one is checked against the deadline before it starts: what is left stays as it is
    // (pending, or due to be queried) for the next run.
    for (id, attempt) in stale {
        if !deadline.allows(PAYOUT_NEEDS) {
            break;
        }
        pay(ctx, id, attempt).await?;
        report.requeued += 1;
    }
    for payout in due {
        if !deadline.allows(PAYOUT_NEEDS) {
            break;
        }
        report.queried += 1;
        match ctx.pay()?.query(&payout.out_bill_no).await {
            Ok(Some(bill)) => learn(ctx, &payout, &bill).await?,
            Ok(None) if payout.state == WithdrawalState::Submitted => {
                report.resent += 1;
                send(ctx, &payout).await?;
            }
            Ok(None) => {
                tracing::error!(
                    out_bill_no = payout.out_bill_no,
                    "WeChat Pay lost a bill that was waiting for its user"
                );
                unknown(ctx, &payout, "NOT_FOUND while waiting for the user").await?;
                report.errors += 1;
            }
            Err(e) => {
                unknown(ctx, &payout, &e.to_string()).await?;
                report.errors += 1;
            }
        }
    }
    tracing::info!(?report, "payouts reconciled");
    Ok(report)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub amount_fen: Fen,
    /// Ours: the attempt's state. WeChat Pay's: the bill's state as its query answers it, or
    /// `BILLED` when only the fund-flow bill speaks (the net paid out to the order number).
    pub state: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Difference {
    pub out_bill_no: String,
    /// missing_at_wechat, missing_here, amount, state, not_in_bill, unchecked.
    pub kind: String,
    pub ours: Option<Side>,
    pub theirs: Option<Side>,
    pub note: String,
}

/// What WeChat Pay's records of the day were.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BillSource {
    /// `file`: the day's fund-flow bill (资金账单), downloaded, its SHA-1 checked and its summary
    /// agreeing with its lines; `none`: WeChat Pay says the account had no fund flow that day
    /// (NO_STATEMENT_EXIST).
    pub kind: String,
    /// The account whose flows these are (OPERATION, 运营账户).
    pub account: String,
    /// The SHA-1 of the file, as announced by WeChat Pay and checked.
    pub sha1: Option<String>,
    /// The summary line of the file (all zero without a file).
    pub summary: FundFlowSummary,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub day: String,
    /// Our payout orders of the day: sent that day, paid that day, or in the day's bill.
    pub ours: usize,
    pub ours_total_fen: Fen,
    /// Those of ours that were paid, as far as the day's bill goes (a payout paid on another day
    /// is in that day's bill).
    pub ours_paid: usize,
    pub ours_paid_fen: Fen,
    /// Order numbers the bill shows money paid out to, and the net paid (支出 − 收入).
    pub theirs: usize,
    pub theirs_total_fen: Fen,
    pub matched: usize,
    /// How many bills were asked about one by one (our orders the bill does not settle).
    pub queried: usize,
    /// Orders left unchecked (past the limit of one reconciliation, in number or time, or their
    /// query failed), each listed as a difference of kind `unchecked`.
    pub unchecked: usize,
    pub bill: BillSource,
    pub differences: Vec<Difference>,
}

/// The most bills one reconciliation asks about one by one; the rest are listed as unchecked.
pub const RECONCILIATION_QUERIES: usize = 100;
/// How many of those queries run at once (WeChat Pay allows 100 a second per merchant, and the
/// payouts share them).
const QUERIES_AT_ONCE: usize = 8;
/// A reconciliation starts no query after this long (the console's request must answer).
const RECONCILIATION_BUDGET: Duration = Duration::from_secs(15);
/// How long before the day an attempt paid that day may have been sent (a transfer waits 24
/// hours at most for its user; retries and checks add a little).
const PAID_WITHIN_DAYS: i32 = 7;

/// The bill's state of an order number that only the fund-flow bill speaks of.
const BILLED: &str = "BILLED";

/// Our state of an attempt as WeChat Pay would name it, for comparing.
fn comparable(ours: AttemptState, theirs: &str) -> bool {
    match ours {
        AttemptState::Success => theirs == "SUCCESS",
        AttemptState::Failed | AttemptState::Rejected => theirs == "FAIL" || theirs == "CANCELLED",
        // Still open here: anything not final there is the same story.
        _ => !matches!(theirs, "SUCCESS" | "FAIL" | "CANCELLED"),
    }
}

/// What the finance console reads when WeChat Pay's bill cannot be had; `data.reason` names the
/// case for the page.
fn bill_error(day: BusinessDay, e: &BillError) -> Error {
    let (reason, msg) = match e {
        BillError::NotReady(_) => {
            ("not_ready", format!("微信支付的 {day} 资金账单尚未生成（次日 10 点后可查），请稍后再试"))
        }
        BillError::NotFound(what) => ("not_found", format!("微信支付答复 404，无法{what}：请检查微信支付的接口地址")),
        BillError::Refused { code, message, .. } => {
            ("refused", format!("微信支付拒绝了 {day} 资金账单的申请：{message}（{code}）"))
        }
        BillError::Unavailable(_) => ("unavailable", "暂时无法从微信支付取得资金账单，请稍后再试".to_owned()),
        BillError::ForeignHost(host) => {
            ("foreign_host", format!("资金账单的下载地址不在微信支付的域名上（{host}），已拒绝下载"))
        }
        BillError::HashMismatch { .. } => {
            ("hash_mismatch", "账单校验失败：下载的资金账单与微信支付给出的 SHA-1 摘要不符，请重新对账".to_owned())
        }
        BillError::Malformed(detail) => ("malformed", format!("资金账单格式错误：{detail}")),
    };
    tracing::warn!(%day, reason, error = %e, "the fund-flow bill could not be had");
    Error::rejected(Code::ExternalFailed, msg).with_data(serde_json::json!({ "reason": reason, "day": day }))
}

/// What the day's bill says of one order number.
#[derive(Debug, Default, Clone, Copy)]
struct Billed {
    paid_fen: Fen,
    returned_fen: Fen,
}

impl Billed {
    fn net(self) -> Fen {
        self.paid_fen - self.returned_fen
    }
}

/// What WeChat Pay's query said of one order number.
type QueryAnswer = Result<Option<Bill>, PayError>;

/// One of our attempts.
struct Attempt {
    out_bill_no: String,
    state: AttemptState,
    /// Ours, as a difference shows it.
    side: Side,
}

impl Attempt {
    fn new(out_bill_no: String, amount_fen: Fen, state: AttemptState) -> Self {
        Attempt { out_bill_no, state, side: Side { amount_fen, state: state.as_str().to_owned() } }
    }
}

/// How an attempt compares, before or after asking WeChat Pay about it.
enum Judged {
    Matched,
    /// Consistent, and paid on another day (so in that day's bill, not this one's).
    PaidElsewhere,
    Differs(Difference),
}

fn yuan(fen: Fen) -> String {
    format!("{fen} 元")
}

fn difference(attempt: &Attempt, kind: &str, theirs: Option<Side>, note: String) -> Judged {
    Judged::Differs(Difference {
        out_bill_no: attempt.out_bill_no.clone(),
        kind: kind.to_owned(),
        ours: Some(attempt.side.clone()),
        theirs,
        note,
    })
}

/// An attempt against the bill alone: `None` when the bill does not settle it (it has to be
/// asked about).
fn judge_by_bill(attempt: &Attempt, billed: Option<Billed>) -> Option<Judged> {
    let net = billed.map_or(Fen::ZERO, Billed::net);
    let ours = &attempt.side;
    let theirs = Some(Side { amount_fen: net, state: BILLED.to_owned() });
    if net == Fen::ZERO {
        return None;
    }
    if attempt.state != AttemptState::Success {
        let note = format!("资金账单有此单净支出 {}，本地状态为 {}", yuan(net), ours.state);
        return Some(difference(attempt, "state", theirs, note));
    }
    if net != ours.amount_fen {
        let note = format!("金额不符：本地 {}，资金账单净支出 {}", yuan(ours.amount_fen), yuan(net));
        return Some(difference(attempt, "amount", theirs, note));
    }
    Some(Judged::Matched)
}

/// The Beijing date of an RFC 3339 time.
fn beijing_date(rfc3339: &str) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| BusinessDay::of(t.with_timezone(&chrono::Utc)).date())
}

/// An attempt the bill does not settle, against what WeChat Pay's query says of it.
fn judge_by_query(attempt: &Attempt, day: BusinessDay, answer: QueryAnswer) -> Judged {
    let ours = &attempt.side;
    let bill = match answer {
        Err(e) => {
            return difference(attempt, "unchecked", None, format!("向微信支付查询此单失败，未能核对：{e}"));
        }
        // WeChat Pay refused the create (no bill was made) and we failed the payout: no money moved.
        Ok(None) if attempt.state == AttemptState::Failed => return Judged::Matched,
        Ok(None) => {
            let note = if attempt.state == AttemptState::Success {
                "本地已成功，但微信支付无此单，资金账单也无此笔支出".to_owned()
            } else {
                format!("本地为 {}，微信支付无此单", ours.state)
            };
            return difference(attempt, "missing_at_wechat", None, note);
        }
        Ok(Some(bill)) => bill,
    };
    let transferred = bill.transfer_amount.map(Fen::new);
    let theirs = Some(Side { amount_fen: transferred.unwrap_or(ours.amount_fen), state: bill.state.clone() });
    if transferred.is_some_and(|amount| amount != ours.amount_fen) {
        let note = format!("金额不符：本地 {}，微信 {}", yuan(ours.amount_fen), yuan(transferred.unwrap_or_default()));
        return difference(attempt, "amount", theirs, note);
    }
    if attempt.state == AttemptState::Success && bill.state == "SUCCESS" {
        return match bill.update_time.as_deref().and_then(beijing_date) {
            Some(paid) if paid != day.date() => Judged::PaidElsewhere,
            _ => difference(
                attempt,
                "not_in_bill",
                theirs,
                "微信支付显示转账成功，但当天资金账单没有这笔支出".to_owned(),
            ),
        };
    }
    if comparable(attempt.state, &bill.state) {
        return Judged::Matched;
    }
    difference(attempt, "state", theirs, format!("状态不符：本地 {}，微信 {}", ours.state, bill.state))
}

/// Which attempts are asked about first when there are more than one reconciliation may ask:
/// paid here but not in the bill, then open ones, then failed ones.
fn query_priority(state: AttemptState) -> u8 {
    match state {
        AttemptState::Success => 0,
        AttemptState::Failed | AttemptState::Rejected => 2,
        AttemptState::Pending | AttemptState::Submitted => 1,
    }
}

/// A day's payouts against WeChat Pay's records: the day's fund-flow bill of the operation
/// account, and for each of our orders the bill does not settle (open, failed, cancelled, or
/// paid but absent), the bill queried by its order number.
///
/// The day is a business day, Asia/Shanghai, as WeChat Pay's `bill_date` is Beijing time; our
/// attempts are taken by when they were sent or paid in real time (the business clock is real
/// time in production).
#[tracing::instrument(skip(ctx, by))]
pub async fn reconciliation(
    ctx: &Ctx,
    by: &crate::operators::ConsolePrincipal,
    day: BusinessDay,
) -> Result<Reconciliation> {
    by.require(crate::operators::FINANCE)?;
    let pay = ctx.pay()?;
    let file = pay.fund_flow_bill(day.date()).await.map_err(|e| bill_error(day, &e))?;
    let bill = BillSource {
        kind: if file.is_some() { "file" } else { "none" }.to_owned(),
        account: FUND_FLOW_ACCOUNT.to_owned(),
        sha1: file.as_ref().map(|f| f.sha1.clone()),
        summary: file.as_ref().map(|f| f.summary).unwrap_or_default(),
    };
    // Per order number, what the day's bill paid out and paid back. A flow without a voucher
    // (a top-up, a fee) is named by its flow number.
    let mut billed: BTreeMap<String, Billed> = BTreeMap::new();
    for flow in file.iter().flat_map(|f| &f.flows) {
        let key = if flow.voucher_no.is_empty() { flow.flow_no.clone() } else { flow.voucher_no.clone() };
        let entry = billed.entry(key).or_default();
        match flow.direction {
            Direction::Expense => entry.paid_fen += Fen::new(flow.amount_fen),
            Direction::Income => entry.returned_fen += Fen::new(flow.amount_fen),
        }
    }
    let numbers: Vec<&str> = billed.keys().map(String::as_str).collect();
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT out_bill_no, amount_fen, state FROM payout_attempts
             WHERE (created_at >= $1 AND created_at < $2 AND state NOT IN ('pending', 'rejected'))
                OR (state = 'success' AND created_at >= $1 - make_interval(days => $4) AND created_at < $2
                    AND updated_at >= $1 AND updated_at < $2)
                OR out_bill_no = ANY($3)
             ORDER BY out_bill_no",
            &[&day.start(), &day.succ().start(), &numbers, &PAID_WITHIN_DAYS],
        )
        .await
        .db("failed to load the day's payouts")?;
    drop(client);
    let attempts: Vec<Attempt> =
        rows.iter().map(|r| Attempt::new(r.get("out_bill_no"), r.get("amount_fen"), r.get("state"))).collect();

    let mut judged: Vec<(usize, Judged)> = Vec::with_capacity(attempts.len());
    let mut to_ask: Vec<usize> = Vec::new();
    for (i, attempt) in attempts.iter().enumerate() {
        match judge_by_bill(attempt, billed.get(&attempt.out_bill_no).copied()) {
            Some(j) => judged.push((i, j)),
            None => to_ask.push(i),
        }
    }
    to_ask.sort_by_key(|&i| (query_priority(attempts[i].state), i));
    let beyond = to_ask.split_off(to_ask.len().min(RECONCILIATION_QUERIES));
    let started = Instant::now();
    let answers: Vec<(usize, Option<QueryAnswer>)> = futures::stream::iter(to_ask)
        .map(|i| {
            let out_bill_no = attempts[i].out_bill_no.as_str();
            async move {
                if started.elapsed() > RECONCILIATION_BUDGET {
                    return (i, None);
                }
                (i, Some(pay.query(out_bill_no).await))
            }
        })
        .buffer_unordered(QUERIES_AT_ONCE)
        .collect()
        .await;
    let mut queried = 0;
    let mut unchecked = 0;
    let not_asked = |attempt: &Attempt, why: String| difference(attempt, "unchecked", None, why);
    for (i, answer) in answers {
        let attempt = &attempts[i];
        match answer {
            Some(answer) => {
                queried += 1;
                let judgement = judge_by_query(attempt, day, answer);
                if matches!(&judgement, Judged::Differs(d) if d.kind == "unchecked") {
                    unchecked += 1;
                }
                judged.push((i, judgement));
            }
            None => {
                unchecked += 1;
                judged.push((i, not_asked(attempt, "本次对账已到时限，未向微信支付查询此单，请重新对账".to_owned())));
            }
        }
    }
    for i in beyond {
        unchecked += 1;
        let why = format!("超出单次对账的查询上限（{RECONCILIATION_QUERIES} 单），未向微信支付查询此单");
        judged.push((i, not_asked(&attempts[i], why)));
    }

    let mut differences = Vec::new();
    let mut matched = 0;
    let (mut ours_paid, mut ours_paid_fen) = (0, Fen::ZERO);
    for (i, judgement) in judged {
        let side = &attempts[i].side;
        let paid_here = attempts[i].state == AttemptState::Success && !matches!(judgement, Judged::PaidElsewhere);
        if paid_here {
            ours_paid += 1;
            ours_paid_fen += side.amount_fen;
        }
        match judgement {
            Judged::Matched | Judged::PaidElsewhere => matched += 1,
            Judged::Differs(d) => differences.push(d),
        }
    }
    // Money out of the account to an order number that is none of ours. Money in that is not
    // ours (a top-up of the account) is no difference; the summary counts it.
    let ours: HashSet<&str> = attempts.iter().map(|a| a.out_bill_no.as_str()).collect();
    for (no, b) in &billed {
        if b.net() > Fen::ZERO && !ours.contains(no.as_str()) {
            differences.push(Difference {
                out_bill_no: no.clone(),
                kind: "missing_here".into(),
                ours: None,
                theirs: Some(Side { amount_fen: b.net(), state: BILLED.to_owned() }),
                note: format!("资金账单有此笔支出 {}，本地没有这个单号", yuan(b.net())),
            });
        }
    }
    differences.sort_by(|a, b| a.out_bill_no.cmp(&b.out_bill_no).then_with(|| a.kind.cmp(&b.kind)));
    let paid_out: Vec<Fen> = billed.values().map(|b| b.net()).filter(|&net| net > Fen::ZERO).collect();
    let report = Reconciliation {
        day: day.to_string(),
        ours: attempts.len(),
        ours_total_fen: attempts.iter().map(|a| a.side.amount_fen).sum(),
        ours_paid,
        ours_paid_fen,
        theirs: paid_out.len(),
        theirs_total_fen: paid_out.iter().sum(),
        matched,
        queried,
        unchecked,
        bill,
        differences,
    };
    tracing::info!(
        ours = report.ours,
        theirs = report.theirs,
        matched = report.matched,
        differences = report.differences.len(),
        queried,
        unchecked,
        "day reconciled"
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_for_people() {
        assert_eq!(failure_reason("FAIL", Some("NAME_NOT_CORRECT")), "实名信息与微信实名不一致");
        assert!(failure_reason("CANCELLED", None).contains("确认收款"));
        assert!(failure_reason("FAIL", Some("SOMETHING_NEW")).contains("SOMETHING_NEW"));
        assert!(comparable(AttemptState::Success, "SUCCESS"));
        assert!(!comparable(AttemptState::Success, "FAIL"));
        // An attempt waiting for its user is still submitted here.
        assert!(comparable(AttemptState::Submitted, "WAIT_USER_CONFIRM"));
        assert!(!comparable(AttemptState::Submitted, "SUCCESS"));
    }

    #[test]
    fn the_payout_message_is_the_same_json_both_ways() {
        let message = PayoutMessage { withdrawal_id: WithdrawalId::new(42), attempt: 2 };
        assert_eq!(message.body(), serde_json::json!({ "withdrawal_id": 42, "attempt": 2 }));
        assert_eq!(serde_json::from_str::<PayoutMessage>(r#"{"attempt": 2, "withdrawal_id": 42}"#).unwrap(), message);
        assert!(serde_json::from_str::<PayoutMessage>(r#"{"withdrawal_id": "42", "attempt": 2}"#).is_err());
    }

    fn attempt(state: &str, amount_fen: i64) -> Attempt {
        Attempt::new("GW1A1".into(), Fen::new(amount_fen), state.parse().unwrap())
    }

    fn kind(judged: &Judged) -> &str {
        match judged {
            Judged::Matched => "matched",
            Judged::PaidElsewhere => "paid_elsewhere",
            Judged::Differs(d) => &d.kind,
        }
    }

    fn billed(paid_fen: i64, returned_fen: i64) -> Option<Billed> {
        Some(Billed { paid_fen: Fen::new(paid_fen), returned_fen: Fen::new(returned_fen) })
    }

    #[test]
    fn the_bill_settles_what_it_paid_and_leaves_the_rest_to_the_query() {
        let cases = [
            ("success", None, None, "paid here, not in the bill: ask"),
            ("success", billed(1_000, 0), Some("matched"), "paid in the bill"),
            ("success", billed(1_000, 1_000), None, "paid and paid back: ask"),
            ("success", billed(999, 0), Some("amount"), "paid another amount"),
            ("failed", billed(1_000, 0), Some("state"), "money left for a failed one"),
            ("submitted", billed(1_000, 0), Some("state"), "money left for an open one"),
            ("failed", None, None, "failed, nothing moved: ask"),
            ("submitted", None, None, "open, nothing moved: ask"),
        ];
        for (state, bill, expected, why) in cases {
            let judged = judge_by_bill(&attempt(state, 1_000), bill);
            assert_eq!(judged.as_ref().map(kind), expected, "{why}");
        }
    }

    #[test]
    fn the_query_tells_what_the_bill_did_not() {
        let day = BusinessDay::parse("2026-11-25").unwrap();
        let bill = |state: &str, amount: i64, updated: &str| {
            Ok(Some(Bill {
                out_bill_no: "GW1A1".into(),
                transfer_bill_no: Some("1330".into()),
                state: state.into(),
                fail_reason: None,
                package_info: None,
                transfer_amount: Some(amount),
                create_time: None,
                update_time: Some(updated.into()),
            }))
        };
        let late = "2026-11-26T00:00:01+08:00";
        let same_day = "2026-11-25T23:59:59+08:00";
        let cases: Vec<(&str, QueryAnswer, &str, &str)> = vec![
            ("failed", bill("FAIL", 1_000, same_day), "matched", "refused at WeChat Pay"),
            ("failed", bill("CANCELLED", 1_000, same_day), "matched", "declined by the user"),
            ("failed", Ok(None), "matched", "the create was refused: no bill"),
            ("failed", bill("SUCCESS", 1_000, same_day), "state", "paid there, failed here"),
            ("submitted", bill("WAIT_USER_CONFIRM", 1_000, same_day), "matched", "open on both sides"),
            ("submitted", bill("SUCCESS", 1_000, same_day), "state", "paid there, open here"),
            ("submitted", Ok(None), "missing_at_wechat", "never arrived"),
            ("success", Ok(None), "missing_at_wechat", "paid here only"),
            ("success", bill("SUCCESS", 1_000, late), "paid_elsewhere", "paid after midnight: tomorrow's bill"),
            ("success", bill("SUCCESS", 1_000, same_day), "not_in_bill", "paid that day, yet not in the bill"),
            ("success", bill("FAIL", 1_000, same_day), "state", "paid here, failed there"),
            ("success", bill("SUCCESS", 1_200, late), "amount", "another amount"),
            ("submitted", Err(PayError::Unknown("timeout".into())), "unchecked", "no answer"),
        ];
        for (state, answer, expected, why) in cases {
            let judged = judge_by_query(&attempt(state, 1_000), day, answer);
            assert_eq!(kind(&judged), expected, "{why}");
            if let Judged::Differs(d) = &judged {
                assert!(!d.note.is_empty() && d.ours.is_some(), "{why}");
            }
        }
    }
}
