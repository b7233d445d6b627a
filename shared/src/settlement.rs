//! Daily settlement (结算) of day D: every group active at some time during D earns the income
//! of its stars on D for the owner who held it on D (the longest, when it changed hands that
//! day; never one who had the robot join it after D), the ad income recorded on D is credited,
//! and the platform pays on top the master's and grand-master's commission per apprentice and
//! kind, floor(total × rate).
//!
//! A run walks fixed steps of owners by id range (fixed, with the rules, when the day is first
//! started). A step is one database transaction: its ledger transaction (idempotency key
//! `settle:{day}:{step}`) and its row in settlement_steps commit together. So whoever runs a
//! step first credits it, a second runner at the same time waits on the key and skips it, and a
//! run killed half-way leaves whole steps done and the rest to the next run.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::clock::{BusinessDay, shanghai};
use crate::context::Ctx;
use crate::db::{QueryContext, text_enum};
use crate::deadline::Deadline;
use crate::error::{Error, Result};
use crate::ledger;
use crate::money::Fen;
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest};
use crate::settings::{self, GroupSettings, MoneySettings};

/// Steps a run is cut into (fewer for small user tables: a step covers at least STEP_MIN ids).
const STEPS: i64 = 50;
const STEP_MIN: i64 = 1_000;
/// Less budget than this left: no step is started (it could only be cut).
const MIN_STEP_TIME: Duration = Duration::from_millis(500);

/// The rules a run settles by, fixed when it is first started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub star_thresholds: [u32; 4],
    pub star_income_fen: [u32; 5],
    pub master_rate_bp: u32,
    pub master_ad_rate_bp: u32,
    pub grand_master_rate_bp: u32,
    pub grand_master_ad_rate_bp: u32,
}

impl Rules {
    pub fn of(groups: &GroupSettings, money: &MoneySettings) -> Self {
        Rules {
            star_thresholds: groups.star_thresholds,
            star_income_fen: groups.star_income_fen,
            master_rate_bp: money.master_rate_bp,
            master_ad_rate_bp: money.master_ad_rate_bp,
            grand_master_rate_bp: money.grand_master_rate_bp,
            grand_master_ad_rate_bp: money.grand_master_ad_rate_bp,
        }
    }
}

text_enum! {
    /// Where the settlement of a day is (settlement_runs.state).
    pub enum RunState {
        /// Steps remain: the next run (or the console's) continues.
        Running = "running",
        Done = "done",
        /// The last run stopped on an error; a re-run continues where it stopped.
        Failed = "failed",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SettlementRun {
    #[schema(value_type = String)]
    pub day: BusinessDay,
    pub state: RunState,
    pub steps_total: i32,
    pub steps_done: i64,
    pub progress_pct: i64,
    pub groups_credited: i64,
    pub users_credited: i64,
    pub group_income_fen: Fen,
    pub ad_income_fen: Fen,
    pub commission_fen: Fen,
    /// 保障收益: the floor of the income of groups whose robot was out (no commission on it).
    pub protected_income_fen: Fen,
    pub total_fen: Fen,
    pub started_at: DateTime<FixedOffset>,
    pub finished_at: Option<DateTime<FixedOffset>>,
    pub error: Option<String>,
    /// How many times the day was started.
    pub runs: i32,
}

const RUN_SQL: &str = "SELECT r.day, r.state, r.steps_total, r.started_at, r.finished_at, r.error, r.runs,
        count(s.step) AS steps_done, coalesce(sum(s.groups_credited), 0)::bigint AS groups_credited,
        coalesce(r.users_credited, (SELECT count(DISTINCT p.user_id) FROM settlement_payees p WHERE p.day = r.day))
            AS users_credited,
        coalesce(sum(s.group_income_fen), 0)::bigint AS group_income_fen,
        coalesce(sum(s.ad_income_fen), 0)::bigint AS ad_income_fen,
        coalesce(sum(s.commission_fen), 0)::bigint AS commission_fen,
        coalesce(sum(s.protected_income_fen), 0)::bigint AS protected_income_fen
     FROM settlement_runs r LEFT JOIN settlement_steps s ON s.day = r.day";

fn run_of(r: &tokio_postgres::Row) -> SettlementRun {
    let steps_total: i32 = r.get("steps_total");
    let steps_done: i64 = r.get("steps_done");
    let (group, ad, commission, protected): (Fen, Fen, Fen, Fen) =
        (r.get("group_income_fen"), r.get("ad_income_fen"), r.get("commission_fen"), r.get("protected_income_fen"));
    SettlementRun {
        day: BusinessDay::from_date(r.get("day")),
        state: r.get("state"),
        steps_total,
        steps_done,
        progress_pct: if steps_total == 0 { 100 } else { steps_done * 100 / i64::from(steps_total) },
        groups_credited: r.get("groups_credited"),
        users_credited: r.get("users_credited"),
        group_income_fen: group,
        ad_income_fen: ad,
        commission_fen: commission,
        protected_income_fen: protected,
        total_fen: group + ad + commission + protected,
        started_at: r.get::<_, DateTime<Utc>>("started_at").with_timezone(&shanghai()),
        finished_at: r.get::<_, Option<DateTime<Utc>>>("finished_at").map(|t| t.with_timezone(&shanghai())),
        error: r.get("error"),
        runs: r.get("runs"),
    }
}

/// A day's run, for finance and admins.
pub async fn get(ctx: &Ctx, by: &ConsolePrincipal, day: BusinessDay) -> Result<SettlementRun> {
    by.require(operators::FINANCE)?;
    load_run(ctx, day).await
}

async fn load_run(ctx: &Ctx, day: BusinessDay) -> Result<SettlementRun> {
    let client = ctx.db()?.client().await?;
    let sql = format!("{RUN_SQL} WHERE r.day = $1 GROUP BY r.day");
    let row = client.query_opt(&sql, &[&day.date()]).await.db("failed to load the run")?;
    row.as_ref().map(run_of).ok_or_else(|| Error::not_found("这一天还没有结算"))
}

/// The runs, newest day first, for finance and admins.
pub async fn list(ctx: &Ctx, by: &ConsolePrincipal, page: PageRequest) -> Result<Page<SettlementRun>> {
    by.require(operators::FINANCE)?;
    let client = ctx.db()?.client().await?;
    let sql = format!("{RUN_SQL} GROUP BY r.day ORDER BY r.day DESC LIMIT $1 OFFSET $2");
    let rows = client.query(&sql, &[&page.page_size, &page.offset()]).await.db("failed to list runs")?;
    let total: i64 = client
        .query_one("SELECT count(*) AS total FROM settlement_runs", &[])
        .await
        .db("failed to count runs")?
        .get("total");
    Ok(Page::new(rows.iter().map(run_of).collect(), total, page))
}

/// Starts (or continues, harmlessly) the settlement of `day`, working for at most `budget`;
/// answers the run, `running` when steps remain for the next call.
#[tracing::instrument(skip(ctx), fields(day = %day))]
pub async fn run(ctx: &Ctx, day: BusinessDay, budget: Duration) -> Result<SettlementRun> {
    if day >= ctx.clock.today() {
        return Err(Error::bad_request(format!("只能结算今天之前的日子，{day} 还没有过完")));
    }
    let started = Instant::now();
    let (width, steps, rules) = start(ctx, day).await?;
    if let Err(e) = settle_steps(ctx, day, width, steps, &rules, started, budget).await {
        tracing::error!(error = %e, "settlement failed");
        record_failure(ctx, day, &e.to_string()).await;
        return Err(e);
    }
    load_run(ctx, day).await
}

/// A run asked for in the console ([`run`]), by finance or admins.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn console_run(
    ctx: &Ctx,
    by: &ConsolePrincipal,
    day: BusinessDay,
    budget: Duration,
) -> Result<SettlementRun> {
    by.require(operators::FINANCE)?;
    run(ctx, day, budget).await
}

/// Marks the run failed and mails the alert. The failure may have been the database itself (a
/// connection killed mid-step): each is tried three times on a fresh connection, and whatever
/// happens here only adds to the log — the caller answers the settlement's own error.
async fn record_failure(ctx: &Ctx, day: BusinessDay, message: &str) {
    for attempt in 1..=3 {
        let recorded = async {
            let client = ctx.db()?.client().await?;
            client
                .execute(
                    "UPDATE settlement_runs SET state = 'failed', error = $2, updated_at = now() WHERE day = $1 AND state <> 'done'",
                    &[&day.date(), &message],
                )
                .await
                .db("failed to record the failure")?;
            drop(client);
            let text = format!("{day} 的结算失败：{message}\n可在运营后台「结算」重新运行（已完成的步骤不会重复入账）。");
            let key = format!("settlement-failed:{day}:{}", Utc::now().timestamp() / 3600);
            alerts::raise(ctx, alerts::Alert::SettlementFailed, &key, &format!("[gpet] 结算失败 {day}"), &text).await
        }
        .await;
        match recorded {
            Ok(_) => return,
            Err(e) => {
                tracing::error!(attempt, error = %e, "the settlement's failure was not recorded");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            }
        }
    }
}

/// The run's fixed shape: created on the first start, counted on every start.
async fn start(ctx: &Ctx, day: BusinessDay) -> Result<(i64, i32, Rules)> {
    let client = ctx.db()?.client().await?;
    let max_id: i64 = client
        .query_one("SELECT coalesce(max(id), 0) AS max_id FROM users", &[])
        .await
        .db("failed to size the run")?
        .get("max_id");
    let width = ((max_id + 1) / STEPS + 1).max(STEP_MIN);
    let steps = i32::try_from((max_id + width) / width).unwrap_or(i32::MAX);
    let rules = Rules::of(&settings::load(&client).await?, &settings::load(&client).await?);
    let rules_json = serde_json::to_value(&rules).expect("rules serialize");
    let row = client
        .query_one(
            "INSERT INTO settlement_runs (day, state, step_width, steps_total, rules) VALUES ($1, 'running', $2, $3, $4)
             ON CONFLICT (day) DO UPDATE SET runs = settlement_runs.runs + 1, updated_at = now(),
                 state = CASE WHEN settlement_runs.state = 'done' THEN 'done' ELSE 'running' END,
                 error = CASE WHEN settlement_runs.state = 'done' THEN settlement_runs.error END
             RETURNING step_width, steps_total, rules",
            &[&day.date(), &width, &steps, &rules_json],
        )
        .await
        .db("failed to start the run")?;
    let rules: Rules = serde_json::from_value(row.get("rules"))
        .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("a run's rules are unreadable")))?;
    Ok((row.get("step_width"), row.get("steps_total"), rules))
}

async fn settle_steps(
    ctx: &Ctx,
    day: BusinessDay,
    width: i64,
    steps: i32,
    rules: &Rules,
    started: Instant,
    budget: Duration,
) -> Result<()> {
    let mut client = ctx.db()?.client().await?;
    let done: HashSet<i32> = client
        .query("SELECT step FROM settlement_steps WHERE day = $1", &[&day.date()])
        .await
        .db("failed to load the steps done")?
        .iter()
        .map(|r| r.get("step"))
        .collect();
    for (n, step) in (0..steps).filter(|s| !done.contains(s)).enumerate() {
        let left = budget.saturating_sub(started.elapsed());
        if left < MIN_STEP_TIME {
            tracing::info!(step, "budget spent; the next call continues");
            return Ok(());
        }
        // A step may not outlast the budget (the console's call answers within API Gateway's
        // 30 s): cut, it is rolled back whole and the next call does it again.
        let settled = settle_step(&mut client, day, step, width, rules, left).await;
        if settled.as_ref().is_err_and(cut_short) {
            if n == 0 && left >= budget.mul_f32(0.9) {
                return Err(Error::Unexpected(anyhow::anyhow!(
                    "step {step} alone takes longer than one call's {} s: the settlement job (02:00, or a re-run) settles it",
                    budget.as_secs()
                )));
            }
            tracing::info!(step, "the step outlasted the budget and was rolled back; the next call does it again");
            return Ok(());
        }
        settled?;
    }
    // Done when every step is: the users credited are counted once (a master paid by several
    // steps is one user) and their notes cleared, in one transaction; a finished run keeps its count.
    let tx = client.transaction().await.db("failed to begin finishing the run")?;
    let finished = tx
        .execute(
            "UPDATE settlement_runs SET state = 'done', finished_at = coalesce(finished_at, now()), updated_at = now(), error = NULL,
                 users_credited = coalesce(users_credited, (SELECT count(DISTINCT user_id) FROM settlement_payees WHERE day = $1))
             WHERE day = $1 AND (SELECT count(*) FROM settlement_steps WHERE day = $1) = steps_total",
            &[&day.date()],
        )
        .await
        .db("failed to finish the run")?;
    if finished > 0 {
        tx.execute("DELETE FROM settlement_payees WHERE day = $1", &[&day.date()])
            .await
            .db("failed to clear the run's payees")?;
    }
    tx.commit().await.db("failed to finish the run")?;
    tracing::info!(finished, "settlement steps walked");
    Ok(())
}

/// One step: the owners with ids in [step × width, (step + 1) × width).
/// Whether PostgreSQL cancelled a statement for its `statement_timeout`: the step was cut and its
/// transaction rolled back, nothing of it kept.
fn cut_short(e: &Error) -> bool {
    matches!(e, Error::Unexpected(e) if e.downcast_ref::<tokio_postgres::Error>()
        .is_some_and(|e| e.code() == Some(&tokio_postgres::error::SqlState::QUERY_CANCELED)))
}

/// Settles one step, each statement within `limit`.
async fn settle_step(
    client: &mut deadpool_postgres::Client,
    day: BusinessDay,
    step: i32,
    width: i64,
    rules: &Rules,
    limit: Duration,
) -> Result<()> {
    let tx = client.transaction().await.db("failed to begin a step")?;
    // The credit statement's estimated cost (tens of thousands of index lookups) would have it
    // compiled by JIT, which costs more than it saves at a step's size.
    tx.batch_execute(&format!("SET LOCAL jit = off; SET LOCAL statement_timeout = {}", limit.as_millis()))
        .await
        .db("failed to set up a step")?;
    let key = format!("settle:{day}:{step}");
    let Some(txn_id) = ledger::post(&tx, &key, "settlement", day.date(), &[]).await? else {
        return Ok(()); // another run did it (or is doing it and has now committed)
    };
    let (lo, hi) = (i64::from(step) * width, (i64::from(step) + 1) * width);
    let thresholds: Vec<i64> = rules.star_thresholds.iter().map(|t| i64::from(*t)).collect();
    let incomes: Vec<i64> = rules.star_income_fen.iter().map(|f| i64::from(*f)).collect();
    let rates: Vec<i64> =
        [rules.master_rate_bp, rules.master_ad_rate_bp, rules.grand_master_rate_bp, rules.grand_master_ad_rate_bp]
            .iter()
            .map(|r| i64::from(*r))
            .collect();
    let date: NaiveDate = day.date();
    let (start, end) = (day.start(), day.succ().start());
    let totals = tx
        .query_one(CREDIT_SQL, &[&txn_id, &date, &lo, &hi, &start, &end, &thresholds, &incomes, &rates])
        .await
        .db("failed to credit a settlement step")?;
    let (groups, group_fen, ad_fen, commission_fen, protected_fen): (i64, i64, i64, i64, i64) = (
        totals.get("groups_credited"),
        totals.get("group_income_fen"),
        totals.get("ad_income_fen"),
        totals.get("commission_fen"),
        totals.get("protected_income_fen"),
    );
    tx.execute(
        "INSERT INTO settlement_steps (day, step, txn_id, groups_credited, group_income_fen, ad_income_fen, commission_fen,
                                       protected_income_fen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&date, &step, &txn_id, &groups, &group_fen, &ad_fen, &commission_fen, &protected_fen],
    )
    .await
    .db("failed to record a step")?;
    tx.execute("UPDATE settlement_runs SET updated_at = now() WHERE day = $1", &[&date])
        .await
        .db("failed to touch the run")?;
    tx.commit().await.db("failed to commit a step")?;
    tracing::debug!(step, groups, group_fen, ad_fen, commission_fen, "step settled");
    Ok(())
}

/// Credits one step in one statement: the owners' group and ad income, their masters' and
/// grand-masters' commission on it, and the platform's paying legs; the ledger's trigger checks
/// that they balance, and notes the payees in settlement_payees. Answers the step's totals from
/// the entries inserted: groups credited, group income, ad income and commission fen. $1 txn,
/// $2 day, [$3, $4) owner ids, [$5, $6) the day's instants, $7 thresholds for 2★…5★, $8 income
/// at 1★…5★, $9 the four rates in basis points.
///
/// A step is ~20,000 groups of ~5,000 owners in a table of millions: the day's row of each group
/// and each payee's account are looked up by index (a lateral subquery, a join from the few
/// thousand payees), not hashed from a scan of the whole table.
const CREDIT_SQL: &str = "
WITH held AS (
    -- The groups some owner of the step held at some time during D (their memberships in
    -- group_owners, kept by a trigger on groups: a re-join by someone else since D does not
    -- change who held it then); a refused join never was a membership.
    SELECT DISTINCT o.group_id FROM group_owners o
    WHERE o.owner_id >= $3 AND o.owner_id < $4 AND o.since < $6 AND (o.until IS NULL OR o.until >= $5)
), g AS (
    -- Each is paid to the owner who held it longest during D (the first of them on a tie), so
    -- exactly one step, that owner's, credits it.
    SELECT h.group_id, d_owner.owner_id,
           ($8::bigint[])[coalesce(gd.stars::int, group_stars(coalesce(gd.sessions, 0), $7::bigint[]))] AS fen,
           gd.protected_stars
    FROM held h
    CROSS JOIN LATERAL (
        SELECT o.owner_id FROM group_owners o
        WHERE o.group_id = h.group_id AND o.since < $6 AND (o.until IS NULL OR o.until >= $5)
        GROUP BY o.owner_id
        ORDER BY sum(least(coalesce(o.until, $6), $6) - greatest(o.since, $5)) DESC, min(o.since)
        LIMIT 1) d_owner
    LEFT JOIN LATERAL (SELECT d.stars, d.sessions, d.protected_stars FROM group_daily d
                       WHERE d.group_id = h.group_id AND d.day = $2 OFFSET 0) gd ON true
    WHERE d_owner.owner_id >= $3 AND d_owner.owner_id < $4
), a AS (
    SELECT group_id, owner_id, sum(amount_fen)::bigint AS fen FROM ad_clicks
    WHERE day = $2 AND owner_id >= $3 AND owner_id < $4 GROUP BY group_id, owner_id
), own AS (
    SELECT owner_id AS user_id, 'group_income' AS kind, fen, group_id, NULL::bigint AS source FROM g WHERE fen > 0
    UNION ALL
    SELECT owner_id, 'ad_income', fen, group_id, NULL FROM a WHERE fen > 0
    UNION ALL
    -- Protected income (保障收益): a day its robot was out longer than the setting pays at
    -- least the stars the group held before the outage (the rating set protected_stars).
    SELECT owner_id, 'protected_income', ($8::bigint[])[protected_stars] - fen, group_id, NULL FROM g
    WHERE protected_stars IS NOT NULL AND ($8::bigint[])[protected_stars] > fen
), totals AS (
    SELECT t.user_id, t.gi, t.ai, u.master_id, u.grand_master_id
    FROM (SELECT user_id,
                 coalesce(sum(fen) FILTER (WHERE kind = 'group_income'), 0)::bigint AS gi,
                 coalesce(sum(fen) FILTER (WHERE kind = 'ad_income'), 0)::bigint AS ai
          FROM own GROUP BY user_id) t
    JOIN users u ON u.id = t.user_id
), commission AS (
    SELECT c.user_id, c.kind, c.fen, NULL::bigint AS group_id, t.user_id AS source
    FROM totals t CROSS JOIN LATERAL (VALUES
        (t.master_id, 'master_commission', t.gi * ($9::bigint[])[1] / 10000),
        (t.master_id, 'master_ad_commission', t.ai * ($9::bigint[])[2] / 10000),
        (t.grand_master_id, 'grand_master_commission', t.gi * ($9::bigint[])[3] / 10000),
        (t.grand_master_id, 'grand_master_ad_commission', t.ai * ($9::bigint[])[4] / 10000)) AS c (user_id, kind, fen)
    WHERE c.user_id IS NOT NULL AND c.fen > 0
), credits AS (
    SELECT * FROM own
    UNION ALL
    SELECT * FROM commission
), payees AS (
    SELECT acc.user_id, acc.id AS account_id
    FROM (SELECT DISTINCT user_id FROM credits) p JOIN accounts acc ON acc.user_id = p.user_id AND acc.kind = 'available'
), legs AS (
    SELECT p.account_id, c.fen AS amount, c.kind, c.group_id, c.source
    FROM credits c JOIN payees p USING (user_id)
    UNION ALL
    SELECT p.id, -t.total, t.entry_kind, NULL, NULL
    FROM (SELECT CASE WHEN kind IN ('group_income', 'ad_income') THEN kind
                      WHEN kind = 'protected_income' THEN 'group_income' ELSE 'commission' END AS payer,
                 CASE WHEN kind IN ('group_income', 'ad_income', 'protected_income') THEN kind ELSE 'commission' END AS entry_kind,
                 sum(fen)::bigint AS total
          FROM credits GROUP BY 1, 2) t
    JOIN accounts p ON p.user_id IS NULL AND p.kind = t.payer
), noted AS (
    -- Counted once over the steps when the run is done.
    INSERT INTO settlement_payees (day, user_id) SELECT $2, user_id FROM payees
), posted AS (
    INSERT INTO ledger_entries (txn_id, account_id, amount_fen, kind, day, group_id, source_user_id)
    SELECT $1, account_id, amount, kind, $2, group_id, source FROM legs
    RETURNING account_id, amount_fen, kind, group_id
)
SELECT count(DISTINCT group_id) FILTER (WHERE kind = 'group_income' AND amount_fen > 0) AS groups_credited,
       coalesce(sum(amount_fen) FILTER (WHERE kind = 'group_income' AND amount_fen > 0), 0)::bigint AS group_income_fen,
       coalesce(sum(amount_fen) FILTER (WHERE kind = 'ad_income' AND amount_fen > 0), 0)::bigint AS ad_income_fen,
       coalesce(sum(amount_fen) FILTER (WHERE kind LIKE '%commission' AND amount_fen > 0), 0)::bigint AS commission_fen,
       coalesce(sum(amount_fen) FILTER (WHERE kind = 'protected_income' AND amount_fen > 0), 0)::bigint AS protected_income_fen
FROM posted";

/// The settlement job (02:00): yesterday, then any of the last week's days left unsettled, while
/// its deadline allows (a day cut short is finished by the next run).
pub async fn job(ctx: &Ctx, deadline: Deadline) -> Result<Vec<SettlementRun>> {
    let yesterday = ctx.clock.today().pred();
    let mut runs = vec![run(ctx, yesterday, deadline.left()).await?];
    let client = ctx.db()?.client().await?;
    // Unsettled: a run not done, or no run at all on a day there was something to settle (on or
    // after the first day of any run, group or ad click) — a day whose runs all failed before
    // starting has no row, and would otherwise never be settled.
    let unfinished: Vec<NaiveDate> = client
        .query(
            "SELECT d.day FROM (SELECT generate_series($1::date, $2::date - 1, interval '1 day')::date AS day) d
             LEFT JOIN settlement_runs r ON r.day = d.day
             WHERE r.day IS NOT NULL AND r.state <> 'done'
                OR r.day IS NULL AND d.day >= least(
                       (SELECT min(day) FROM settlement_runs),
                       (SELECT (min(joined_at) AT TIME ZONE 'Asia/Shanghai')::date FROM groups),
                       (SELECT min(day) FROM ad_clicks))
             ORDER BY d.day",
            &[&(yesterday.date() - chrono::Days::new(7)), &yesterday.date()],
        )
        .await
        .db("failed to find unsettled days")?
        .iter()
        .map(|r| r.get("day"))
        .collect();
    for day in unfinished {
        if !deadline.has_time() {
            break;
        }
        runs.push(run(ctx, BusinessDay::from_date(day), deadline.left()).await?);
    }
    Ok(runs)
}
