//! Payouts through WeChat Pay's transfer bills: the `payouts` consumer sends, the notification
//! callback and the `payout-reconcile` job settle what is unknown, and the console reconciles a
//! day against WeChat Pay's records.
//!
//! The rules: an order number is stored before it is sent; an unknown outcome (a timeout,
//! SYSTEM_ERROR, NOT_ENOUGH, an answer that does not verify) is queried, and sent again only
//! when WeChat Pay has no bill of that number, always with the parameters stored with the
//! withdrawal; a new number is used only by an operator's retry after WeChat Pay said FAIL.
//! SUCCESS moves the held money to the payouts account; FAIL and CANCELLED give it back.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::clock::BusinessDay;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};
use crate::partners::wechat_pay::{Bill, PayError, Transfer};
use crate::settings::{self, MoneySettings};
use crate::withdrawals::{self, Move};

/// What the payouts queue carries.
#[derive(Debug, Deserialize)]
struct Message {
    withdrawal_id: i64,
    attempt: i32,
}

/// The remark on the user's WeChat receipt.
const REMARK: &str = "gpet 群主收益提现";
/// A reconcile run stops starting new queries after this long.
const RECONCILE_BUDGET: Duration = Duration::from_secs(40);

/// A withdrawal as the payout needs it.
struct Payout {
    id: i64,
    user_id: i64,
    amount_fen: i64,
    state: String,
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
        id: r.get(0),
        user_id: r.get(1),
        amount_fen: r.get(2),
        state: r.get(3),
        attempt: r.get(4),
        out_bill_no: r.get(5),
        openid: r.get(6),
        user_name: r.get(7),
        package_info: r.get(8),
    }
}

/// The consumer: answers the message ids to retry.
#[tracing::instrument(skip_all, fields(messages = messages.len()))]
pub async fn consume(ctx: &Ctx, messages: &[(String, String)]) -> Result<Vec<String>> {
    let mut failed = Vec::new();
    for (id, body) in messages {
        let message: Message = match serde_json::from_str(body) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(message_id = id, error = %e, "unreadable payout message");
                failed.push(id.clone());
                continue;
            }
        };
        if let Err(e) = pay(ctx, message.withdrawal_id, message.attempt).await {
            tracing::error!(message_id = id, withdrawal_id = message.withdrawal_id, error = %e, "payout failed; retried");
            failed.push(id.clone());
        }
    }
    Ok(failed)
}

/// Sends a pending withdrawal's attempt, or settles a submitted one; anything else was done.
async fn pay(ctx: &Ctx, id: i64, attempt: i32) -> Result<()> {
    let client = ctx.db()?.client().await?;
    let Some(row) = client.query_opt(&format!("{PAYOUT_SQL} WHERE id = $1"), &[&id]).await.db("failed to load")? else {
        tracing::warn!(id, "payout of an unknown withdrawal");
        return Ok(());
    };
    let payout = payout_of(&row);
    if payout.attempt != attempt {
        return Ok(());
    }
    match payout.state.as_str() {
        "pending" => {
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
        "submitted" => {
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
        amount_fen: payout.amount_fen,
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
                    payout.amount_fen as f64 / 100.0
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
            // Refused without a bill, unless the number is known: then its bill decides.
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
    if !matches!(payout.state.as_str(), "pending" | "submitted" | "waiting_user") {
        return Ok(());
    }
    if bill.transfer_amount.is_some_and(|a| a != payout.amount_fen) {
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
        Some(true) => "success",
        Some(false) => "failed",
        None => "submitted",
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
pub async fn reconcile(ctx: &Ctx) -> Result<ReconcileReport> {
    let started = Instant::now();
    let mut report = ReconcileReport::default();
    let client = ctx.db()?.client().await?;
    let stale: Vec<(i64, i32)> = client
        .query(
            "SELECT id, attempt FROM withdrawals WHERE state = 'pending' AND updated_at < now() - interval '2 minutes'
             ORDER BY id LIMIT 500",
            &[],
        )
        .await
        .db("failed to find stale payouts")?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
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
    for (id, attempt) in stale {
        pay(ctx, id, attempt).await?;
        report.requeued += 1;
    }
    for payout in due {
        if started.elapsed() > RECONCILE_BUDGET {
            break;
        }
        report.queried += 1;
        match ctx.pay()?.query(&payout.out_bill_no).await {
            Ok(Some(bill)) => learn(ctx, &payout, &bill).await?,
            Ok(None) if payout.state == "submitted" => {
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

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Side {
    pub amount_fen: i64,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Difference {
    pub out_bill_no: String,
    /// missing_at_wechat, missing_here, amount, state.
    pub kind: String,
    pub ours: Option<Side>,
    pub theirs: Option<Side>,
    pub note: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Reconciliation {
    pub day: String,
    pub ours: usize,
    pub theirs: usize,
    pub matched: usize,
    pub ours_total_fen: i64,
    pub theirs_total_fen: i64,
    pub differences: Vec<Difference>,
}

/// Our state of an attempt as WeChat Pay would name it, for comparing.
fn comparable(ours: &str, theirs: &str) -> bool {
    match ours {
        "success" => theirs == "SUCCESS",
        "failed" | "rejected" => theirs == "FAIL" || theirs == "CANCELLED",
        // Still open here: anything not final there is the same story.
        _ => !matches!(theirs, "SUCCESS" | "FAIL" | "CANCELLED"),
    }
}

/// A day's order numbers (created that business day) against WeChat Pay's bills of the day.
pub async fn reconciliation(
    ctx: &Ctx,
    by: &crate::operators::ConsolePrincipal,
    day: BusinessDay,
) -> Result<Reconciliation> {
    by.require(crate::operators::FINANCE)?;
    let client = ctx.db()?.client().await?;
    let rows = client
        .query(
            "SELECT out_bill_no, amount_fen, state FROM payout_attempts
             WHERE created_at >= $1 AND created_at < $2 AND state <> 'pending' AND state <> 'rejected'",
            &[&day.start(), &day.succ().start()],
        )
        .await
        .db("failed to load the day's payouts")?;
    let ours: BTreeMap<String, Side> =
        rows.iter().map(|r| (r.get(0), Side { amount_fen: r.get(1), state: r.get(2) })).collect();
    let bills = ctx
        .pay()?
        .bills_of(&day.to_string())
        .await
        .map_err(|e| Error::rejected(Code::ExternalFailed, format!("无法取得微信支付的账单：{e}")))?;
    let theirs: HashMap<String, Side> = bills
        .iter()
        .map(|b| (b.out_bill_no.clone(), Side { amount_fen: b.transfer_amount.unwrap_or(0), state: b.state.clone() }))
        .collect();
    let mut differences = Vec::new();
    let mut matched = 0;
    for (no, mine) in &ours {
        match theirs.get(no) {
            None => differences.push(Difference {
                out_bill_no: no.clone(),
                kind: "missing_at_wechat".into(),
                ours: Some(mine.clone()),
                theirs: None,
                note: "本地已提交，微信支付无此单".into(),
            }),
            Some(t) if t.amount_fen != mine.amount_fen => differences.push(Difference {
                out_bill_no: no.clone(),
                kind: "amount".into(),
                ours: Some(mine.clone()),
                theirs: Some(t.clone()),
                note: format!("金额不符：本地 {} 分，微信 {} 分", mine.amount_fen, t.amount_fen),
            }),
            Some(t) if !comparable(&mine.state, &t.state) => differences.push(Difference {
                out_bill_no: no.clone(),
                kind: "state".into(),
                ours: Some(mine.clone()),
                theirs: Some(t.clone()),
                note: format!("状态不符：本地 {}，微信 {}", mine.state, t.state),
            }),
            Some(_) => matched += 1,
        }
    }
    for bill in &bills {
        if !ours.contains_key(&bill.out_bill_no) {
            differences.push(Difference {
                out_bill_no: bill.out_bill_no.clone(),
                kind: "missing_here".into(),
                ours: None,
                theirs: theirs.get(&bill.out_bill_no).cloned(),
                note: "微信支付有此单，本地当天没有".into(),
            });
        }
    }
    Ok(Reconciliation {
        day: day.to_string(),
        ours: ours.len(),
        theirs: bills.len(),
        matched,
        ours_total_fen: ours.values().map(|s| s.amount_fen).sum(),
        theirs_total_fen: theirs.values().map(|s| s.amount_fen).sum(),
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_for_people() {
        assert_eq!(failure_reason("FAIL", Some("NAME_NOT_CORRECT")), "实名信息与微信实名不一致");
        assert!(failure_reason("CANCELLED", None).contains("确认收款"));
        assert!(failure_reason("FAIL", Some("SOMETHING_NEW")).contains("SOMETHING_NEW"));
        assert!(comparable("success", "SUCCESS"));
        assert!(!comparable("success", "FAIL"));
        assert!(comparable("waiting_user", "WAIT_USER_CONFIRM"));
        assert!(!comparable("submitted", "SUCCESS"));
    }
}
