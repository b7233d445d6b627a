//! j. WITHDRAW_WARMUP + WITHDRAW_REQUESTS users with a phone and an identity, their balances
//!    posted as one ledger transaction from the platform's ad-income account, each logged in (a
//!    session minted as h's owners are); then POST /api/withdrawals once per user (WITHDRAW_WARMUP
//!    of them first as a warm-up), WITHDRAW_CONCURRENCY in flight, each asking an amount between
//!    the day's limits; against GET /_local/clock at the same concurrency for
//!    WITHDRAW_ANCHOR_SECONDS, and the local SQS's own SendMessageBatch (one message, as the
//!    outbox sends a withdrawal's payout) into a queue of the bench's. Every answer must be 1200
//!    with the withdrawal pending for the amount asked, every user's held money that amount and
//!    the rest still available, and the ledger audit clean. The payouts consumer does not run:
//!    the payouts stay queued.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use gpet::ledger::{Account, Leg};
use gpet::payouts::PayoutMessage;
use gpet::{Fen, UserId, WithdrawalId};
use serde::Serialize;
use serde_json::{Value, json};

use crate::figures::{Table, fine_ratio, fine_times, ratio, same, times};
use crate::load::{ClosedRoute, Request, Target, closed_loop, closed_loop_each, failures};
use crate::rng::Rng;
use crate::stack::Stack;

/// Requests in flight, and how many (each one a distinct user: once a day each), after a
/// warm-up of WITHDRAW_WARMUP more.
const WITHDRAW_CONCURRENCY: usize = 50;
const WITHDRAW_REQUESTS: usize = 2_000;
const WITHDRAW_WARMUP: usize = 200;
/// The anchors' length (GET /_local/clock, and the local SQS's own SendMessageBatch, at the
/// same concurrency).
const WITHDRAW_ANCHOR_SECONDS: u64 = 10;
/// A request publishes its payout to the local SQS (moto, tens of messages a second here) while
/// the others wait: an answer may take seconds, and is still measured rather than abandoned.
const WITHDRAW_TIMEOUT: Duration = Duration::from_secs(60);
/// The warm-up of the clock anchor.
const WARMUP_SECONDS: u64 = 1;

#[derive(Serialize)]
pub struct Withdrawals {
    concurrency: usize,
    requests: usize,
    warmup_requests: usize,
    anchor_seconds: u64,
    anchor: &'static str,
    sqs_anchor: &'static str,
    routes: [ClosedRoute; 3],
    answers_1200: usize,
    answers_other: usize,
    ratio_to_static: Option<f64>,
    ratio_to_sqs: Option<f64>,
    ratio_p50: Option<f64>,
    held_fen: i64,
    asked_fen: i64,
    pending_withdrawals: i64,
    audit_ok: bool,
}

pub async fn measure(stack: &Stack) -> anyhow::Result<Withdrawals> {
    let users = WITHDRAW_WARMUP + WITHDRAW_REQUESTS;
    eprintln!(
        "withdrawals: {users} users with a balance, one POST /api/withdrawals each, {WITHDRAW_CONCURRENCY} in flight (closed loop)"
    );
    let mut db = stack.ctx().db()?.client().await?;
    let money: gpet::settings::MoneySettings = gpet::settings::load(&db).await?;
    let ids: Vec<i64> = db
        .query(
            "INSERT INTO users (openid, nickname, phone, phone_bound_at, identity_name, id_number_masked, identity_verified_at)
             SELECT 'o_bench_wd_' || i, '提现 ' || i, '196' || lpad(i::text, 8, '0'), now(), '提现用户' || i,
                    '110101********123X', now()
             FROM generate_series(1, $1) i
             RETURNING id",
            &[&(users as i32)],
        )
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    anyhow::ensure!(ids.len() == users, "made {} users, not {users}", ids.len());
    let mut rng = Rng::new(0x7769_7468_6472_6177);
    let (min, max) = (money.withdraw_min_fen as usize, money.withdraw_max_fen as usize);
    let amounts: Vec<i64> = (0..users).map(|_| rng.between(min, max) as i64).collect();
    let balances: Vec<i64> = amounts.iter().map(|a| a + rng.below(1_000) as i64).collect();
    let total: i64 = balances.iter().sum();
    let mut legs = vec![Leg::new(Account::AdIncome, -Fen::new(total), "ad_income")];
    legs.extend(
        ids.iter()
            .zip(&balances)
            .map(|(id, fen)| Leg::new(Account::Available(UserId::new(*id)), Fen::new(*fen), "ad_income")),
    );
    let today = stack.ctx().clock.today();
    let tx = db.transaction().await?;
    gpet::ledger::post(&tx, "bench:withdrawals:balances", "bench", today.date(), &legs)
        .await?
        .context("the bench's balances were posted before")?;
    tx.commit().await?;
    let mut tokens = Vec::with_capacity(users);
    for id in &ids {
        tokens.push(stack.session_token(&db, *id).await?);
    }
    drop(db);

    let http = &stack.http;
    let url = Arc::new(stack.url("/api/withdrawals"));
    let (tokens, amounts_shared, ids_shared) = (Arc::new(tokens), Arc::new(amounts.clone()), Arc::new(ids.clone()));
    let withdraw = {
        let http = http.clone();
        move |i: usize| -> Request {
            let (amount, user) = (amounts_shared[i], ids_shared[i]);
            let request = http
                .post(url.as_str())
                .bearer_auth(&tokens[i])
                .json(&json!({ "amount_fen": amount }))
                .timeout(WITHDRAW_TIMEOUT)
                .send();
            Box::pin(async move {
                let response =
                    request.await.map_err(|e| if e.is_timeout() { "timed out" } else { "no answer" }.to_owned())?;
                let status = response.status().as_u16();
                let answer: Value = response.json().await.map_err(|_| format!("HTTP {status}, not JSON"))?;
                let data = &answer["data"];
                match answer["code"].as_i64() {
                    Some(1200)
                        if data["state"] == "pending" && data["amount_fen"] == amount && data["user_id"] == user =>
                    {
                        Ok(())
                    }
                    Some(1200) => Err(format!("1200 with state {} for {} fen", data["state"], data["amount_fen"])),
                    Some(code) => Err(format!("HTTP {status}, code {code}")),
                    None => Err(format!("HTTP {status}, no code")),
                }
            })
        }
    };
    let clock = Target::clock(stack);
    let warm_up = Duration::from_secs(WARMUP_SECONDS);
    closed_loop(WITHDRAW_CONCURRENCY, warm_up, clock.request(http)).await;
    let warm = closed_loop_each(WITHDRAW_CONCURRENCY, 0..WITHDRAW_WARMUP, withdraw.clone()).await;
    let anchor =
        closed_loop(WITHDRAW_CONCURRENCY, Duration::from_secs(WITHDRAW_ANCHOR_SECONDS), clock.request(http)).await;
    let queue = stack
        .sqs
        .create_queue()
        .queue_name(format!("{}sqs-anchor", stack.local.resource_prefix))
        .send()
        .await
        .context("cannot create the SQS anchor's queue")?
        .queue_url()
        .context("the SQS anchor's queue has no URL")?
        .to_owned();
    let send = {
        let (sqs, queue) = (stack.sqs.clone(), Arc::new(queue.clone()));
        move |i: usize| -> Request {
            let entry = aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .message_body(
                    PayoutMessage { withdrawal_id: WithdrawalId::new(i as i64), attempt: 1 }.body().to_string(),
                )
                .build();
            let (sqs, queue) = (sqs.clone(), queue.clone());
            Box::pin(async move {
                let entry = entry.map_err(|e| format!("no entry: {e}"))?;
                let out = sqs
                    .send_message_batch()
                    .queue_url(queue.as_str())
                    .entries(entry)
                    .send()
                    .await
                    .map_err(|e| format!("not sent: {e}"))?;
                if out.failed().is_empty() { Ok(()) } else { Err("refused".to_owned()) }
            })
        }
    };
    let sqs_anchor = closed_loop(WITHDRAW_CONCURRENCY, Duration::from_secs(WITHDRAW_ANCHOR_SECONDS), send).await;
    let _ = stack.sqs.delete_queue().queue_url(&queue).send().await;
    let measured = closed_loop_each(WITHDRAW_CONCURRENCY, WITHDRAW_WARMUP..users, withdraw).await;
    let failures = failures([&warm, &measured]);
    anyhow::ensure!(
        failures.is_empty(),
        "POST /api/withdrawals did not always answer 1200 pending ({} did): {failures:?}",
        warm.ok() + measured.ok()
    );

    // Each user's money: the amount asked held, the rest available, one pending withdrawal of it.
    let db = stack.ctx().db()?.client().await?;
    let row = db
        .query_one(
            "SELECT count(*) FILTER (WHERE h.balance_fen <> t.amount OR a.balance_fen <> t.balance - t.amount) AS wrong,
                    coalesce(sum(h.balance_fen), 0)::bigint AS held,
                    (SELECT count(*) FROM withdrawals w WHERE w.user_id = ANY ($1) AND w.state = 'pending') AS pending,
                    (SELECT coalesce(sum(amount_fen), 0)::bigint FROM withdrawals w WHERE w.user_id = ANY ($1) AND w.state = 'pending')
                        AS pending_fen
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t (id, amount, balance)
             JOIN accounts h ON h.user_id = t.id AND h.kind = 'held'
             JOIN accounts a ON a.user_id = t.id AND a.kind = 'available'",
            &[&ids, &amounts, &balances],
        )
        .await?;
    let (wrong, held, pending, pending_fen): (i64, i64, i64, i64) =
        (row.get("wrong"), row.get("held"), row.get("pending"), row.get("pending_fen"));
    let asked: i64 = amounts.iter().sum();
    anyhow::ensure!(
        wrong == 0 && held == asked && pending == users as i64 && pending_fen == asked,
        "after {users} withdrawals of {asked} fen in all: {wrong} users' balances are off, {held} fen held, \
         {pending} withdrawals pending for {pending_fen} fen"
    );
    drop(db);
    let mut client = stack.ctx().db()?.client().await?;
    let (checks, _) = gpet::ledger::check(&mut client).await?;
    let failed: Vec<String> = checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
    anyhow::ensure!(failed.is_empty(), "the ledger audit failed after the withdrawals: {failed:?}");
    Ok(Withdrawals {
        concurrency: WITHDRAW_CONCURRENCY,
        requests: WITHDRAW_REQUESTS,
        warmup_requests: WITHDRAW_WARMUP,
        anchor_seconds: WITHDRAW_ANCHOR_SECONDS,
        anchor: "GET /_local/clock",
        sqs_anchor: "SendMessageBatch of one message to the local SQS (moto), as the outbox publishes a payout",
        answers_1200: measured.ok(),
        answers_other: measured.errors(),
        ratio_to_static: fine_ratio(measured.per_second(), anchor.per_second()),
        ratio_to_sqs: ratio(measured.per_second(), sqs_anchor.per_second()),
        ratio_p50: ratio(measured.p50(), anchor.p50()),
        routes: [
            measured.figures("POST /api/withdrawals"),
            anchor.figures("GET /_local/clock"),
            sqs_anchor.figures("SQS SendMessageBatch"),
        ],
        held_fen: held,
        asked_fen: asked,
        pending_withdrawals: pending,
        audit_ok: true,
    })
}

impl Withdrawals {
    pub fn table(&self) -> Table {
        let mut table = ClosedRoute::table(
            format!(
                "j. Withdrawal requests, closed loop: {} in flight, {} requests (each a distinct user) after {} of warm-up; anchor {} s",
                self.concurrency, self.requests, self.warmup_requests, self.anchor_seconds
            ),
            26,
            "other",
        );
        for r in &self.routes {
            table.row(r.cells());
        }
        table.note(format!(
            "withdrawals/s vs /_local/clock/s: {}   vs SQS SendMessageBatch/s: {}   p50 vs /_local/clock p50: {}   answers: {} × 1200 pending, {} other",
            fine_times(self.ratio_to_static),
            times(self.ratio_to_sqs),
            times(self.ratio_p50),
            self.answers_1200,
            self.answers_other
        ));
        table.note(
            "(a withdrawal holds the money in one transaction, then publishes its payout from the outbox to SQS, holding a\n \
             database connection meanwhile: the local SQS is moto, whose own rate at this concurrency is the SQS line above)",
        );
        table.note(format!(
            "cross-check: held {} fen for {} fen asked, {} withdrawals pending, ledger audit ok: {}",
            self.held_fen,
            self.asked_fen,
            self.pending_withdrawals,
            same(self.held_fen == self.asked_fen)
        ));
        table
    }
}
