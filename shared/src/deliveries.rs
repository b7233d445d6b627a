//! Sending a task's message to its groups, for both kinds of task: an owner's mass message
//! (群发, table `broadcasts`) and an operators' ad campaign (`campaigns`). One row per task and
//! group in `deliveries` records the outcome; a robot never sends twice within the gap
//! (*default* 3 s), whichever dispatcher sends. A delivery is claimed in its row before its
//! send, and a run starts no send it cannot start before its deadline's stop: a run killed at its
//! timeout (or overlapping another) never sends a delivery twice, and leaves the rest pending.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use redis::Script;
use serde::Serialize;

use crate::content::Content;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::deadline::Deadline;
use crate::error::{Code, Result, Unexpected};
use crate::ids::GroupId;
use crate::partners::robot::To;
use crate::settings::{self, GroupSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    Broadcast,
    Campaign,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Broadcast => "broadcast",
            TaskKind::Campaign => "campaign",
        }
    }

    fn table(self) -> &'static str {
        match self {
            TaskKind::Broadcast => "broadcasts",
            TaskKind::Campaign => "campaigns",
        }
    }

    fn due_column(self) -> &'static str {
        match self {
            TaskKind::Broadcast => "send_at",
            TaskKind::Campaign => "starts_at",
        }
    }
}

const BATCH: i64 = 500;

/// Reserves the robot's next send time (real time, ms): at least `gap` after its last one.
/// Answers how long to wait.
const THROTTLE_SCRIPT: &str = r#"
local now, gap = tonumber(ARGV[1]), tonumber(ARGV[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, last + gap)
redis.call('SET', KEYS[1], at, 'PX', gap + 60000)
return at - now
"#;

pub async fn reserve(ctx: &Ctx, robot_id: i64, gap: Duration) -> Result<Duration> {
    let mut redis = ctx.cache()?.conn();
    let wait: i64 = Script::new(THROTTLE_SCRIPT)
        .key(ctx.cache()?.key(format!("GPET:ROBOT_LAST_SEND:{robot_id}")))
        .arg(Utc::now().timestamp_millis())
        .arg(gap.as_millis() as i64)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to reserve a send")?;
    Ok(Duration::from_millis(wait.max(0) as u64))
}

#[derive(Debug, Default, Serialize)]
pub struct DispatchReport {
    pub started: u64,
    pub sent: usize,
    pub failed: usize,
    pub finished: u64,
    /// Claims of killed runs taken back: never attempted, so pending again.
    pub reclaimed: u64,
    /// Claims of killed runs cut off while sending: recorded failed, never sent again.
    pub abandoned: u64,
}

struct Pending {
    task_id: i64,
    group_id: i64,
    group_wxid: String,
    active: bool,
    robot_id: i64,
    robot_wxid: String,
    content: serde_json::Value,
}

/// Sends what is due: starts due tasks (a campaign picks its target groups then), sends every
/// pending delivery robot by robot, throttled, and closes tasks with nothing pending.
#[tracing::instrument(skip_all, fields(kind = kind.as_str()))]
pub async fn dispatch(ctx: &Ctx, kind: TaskKind, deadline: Deadline) -> Result<DispatchReport> {
    // No lock between runs: a delivery is claimed in its row before it is sent, so runs that
    // overlap (a slow one and the next minute's) share the work and never send one twice, and
    // a run killed at its timeout leaves no lock behind.
    let client = ctx.db()?.client().await?;
    let mut report = DispatchReport::default();
    let now = ctx.clock.now();
    let (table, due) = (kind.table(), kind.due_column());
    report.started = match kind {
        TaskKind::Broadcast => client
            .execute(
                &format!("UPDATE {table} SET state = 'sending' WHERE state = 'scheduled' AND {due} <= $1"),
                &[&now],
            )
            .await
            .db("failed to start due tasks")?,
        // A campaign's targets are the groups that qualify when it starts.
        TaskKind::Campaign => client
            .execute(
                "WITH due AS (UPDATE campaigns SET state = 'sending', updated_at = now()
                              WHERE state = 'scheduled' AND starts_at <= $1 RETURNING id, min_stars),
                      targets AS (INSERT INTO deliveries (task_kind, task_id, group_id)
                                  SELECT 'campaign', due.id, g.id FROM due JOIN groups g
                                    ON g.state = 'active' AND g.launch_on AND g.stars >= due.min_stars
                                  ON CONFLICT DO NOTHING)
                 SELECT count(*) FROM due",
                &[&now],
            )
            .await
            .db("failed to start due campaigns")?,
    };
    (report.reclaimed, report.abandoned) = expire_claims(&client, kind).await?;
    let settings: GroupSettings = settings::load(&client).await?;
    let gap = Duration::from_secs(u64::from(settings.send_gap_secs));
    loop {
        let rows = client
            .query(
                &format!(
                    "SELECT d.task_id, d.group_id, g.group_wxid, g.state = 'active' AS active, r.id AS robot_id,
                            r.wxid AS robot_wxid, t.content
                     FROM deliveries d JOIN {table} t ON t.id = d.task_id AND t.state = 'sending'
                     JOIN groups g ON g.id = d.group_id JOIN robots r ON r.id = g.robot_id
                     WHERE d.task_kind = $1 AND d.state = 'pending'
                     ORDER BY d.task_id, d.group_id LIMIT $2"
                ),
                &[&kind.as_str(), &BATCH],
            )
            .await
            .db("failed to load pending deliveries")?;
        if rows.is_empty() {
            break;
        }
        let mut by_robot: BTreeMap<i64, Vec<Pending>> = BTreeMap::new();
        for r in &rows {
            by_robot.entry(r.get("robot_id")).or_default().push(Pending {
                task_id: r.get("task_id"),
                group_id: r.get("group_id"),
                group_wxid: r.get("group_wxid"),
                active: r.get("active"),
                robot_id: r.get("robot_id"),
                robot_wxid: r.get("robot_wxid"),
                content: r.get("content"),
            });
        }
        // Robots send side by side; each robot's sends are spaced by the gap.
        let outcomes = futures::future::join_all(
            by_robot.into_values().map(|pending| send_in_turn(ctx, kind, pending, gap, deadline)),
        )
        .await;
        let mut progressed = 0;
        for outcome in outcomes {
            let (sent, failed) = outcome?;
            report.sent += sent;
            report.failed += failed;
            progressed += sent + failed;
        }
        if progressed == 0 || !deadline.has_time() {
            break;
        }
    }
    report.finished = client
        .execute(
            &format!(
                "UPDATE {table} t SET state = 'done' WHERE t.state = 'sending'
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.task_kind = $1 AND d.task_id = t.id
                                 AND d.state IN ('pending', 'sending'))"
            ),
            &[&kind.as_str()],
        )
        .await
        .db("failed to finish tasks")?;
    tracing::info!(
        started = report.started,
        sent = report.sent,
        failed = report.failed,
        finished = report.finished,
        "dispatched"
    );
    Ok(report)
}

/// One robot's deliveries, one after the other; answers (sent, failed).
async fn send_in_turn(
    ctx: &Ctx,
    kind: TaskKind,
    pending: Vec<Pending>,
    gap: Duration,
    deadline: Deadline,
) -> Result<(usize, usize)> {
    let (mut sent, mut failed) = (0, 0);
    for p in pending {
        // A reservation is a gap at least: none is taken that could not be sent before the stop.
        if !deadline.allows(gap) {
            break;
        }
        // Whether this run claimed the row (a send is only ever made on a claimed row).
        let mut claimed = false;
        let outcome: std::result::Result<(), String> = if !p.active {
            Err(REASON_EXITED.to_owned())
        } else {
            match Content::from_json(p.content.clone()) {
                Err(_) => Err("消息内容无法读取".to_owned()),
                Ok(content) => {
                    // The reservation may wait longer than a gap (another run may share the robot):
                    // nothing is claimed unless the send can start before the stop.
                    let wait = reserve(ctx, p.robot_id, gap).await?;
                    if !deadline.allows(wait) {
                        break;
                    }
                    if !claim(ctx, kind, &p).await? {
                        continue; // another run has it
                    }
                    claimed = true;
                    tokio::time::sleep(wait).await;
                    // Checked at send time, after the wait: the group may have left, or been
                    // joined again by someone else, since the delivery was loaded.
                    match refusal_at_send(ctx, kind, p.task_id, p.group_id).await? {
                        Some(reason) => Err(reason.to_owned()),
                        None => {
                            attempting(ctx, kind, &p).await?;
                            ctx.robot()?
                                .send(&p.robot_wxid, To::Group(&p.group_wxid), &content)
                                .await
                                .map(|_| ())
                                .map_err(|e| {
                                    tracing::warn!(error = %e, task_id = p.task_id, group_id = p.group_id, "send failed");
                                    e.reason()
                                })
                        }
                    }
                }
            }
        };
        let (state, code, reason) = match &outcome {
            Ok(()) => ("sent", None, None),
            Err(reason) => ("failed", Some(i32::from(Code::SendMessageFailed.as_u16())), Some(reason.as_str())),
        };
        let from = if claimed { "sending" } else { "pending" };
        let recorded = ctx
            .db()?
            .client()
            .await?
            .execute(
                "UPDATE deliveries SET state = $4, code = $5, reason = $6, sent_at = $7, claimed_at = NULL
                 WHERE task_kind = $1 AND task_id = $2 AND group_id = $3 AND state = $8",
                &[&kind.as_str(), &p.task_id, &p.group_id, &state, &code, &reason, &ctx.clock.now(), &from],
            )
            .await
            .db("failed to record a delivery")?;
        if recorded == 0 {
            continue; // another run recorded it first
        }
        if outcome.is_ok() { sent += 1 } else { failed += 1 }
    }
    Ok((sent, failed))
}

/// How long a claimed delivery may stay in flight. A run lasts a minute at most, so a claim
/// older than this belongs to a run that was killed (its timeout, a crash).
const CLAIM_LEASE_SECS: f64 = 300.0;

/// What the owner reads of a send cut off half-way: it may or may not have gone out, and it is
/// not sent again (a second copy in the group is worse than a missing one).
const REASON_UNKNOWN: &str = "发送过程中任务中止，结果未知，未重发";

/// Claims a pending delivery for this run: false when another run holds it or has recorded it.
async fn claim(ctx: &Ctx, kind: TaskKind, p: &Pending) -> Result<bool> {
    Ok(ctx
        .db()?
        .client()
        .await?
        .execute(
            "UPDATE deliveries SET state = 'sending', claimed_at = now(), attempted_at = NULL
             WHERE task_kind = $1 AND task_id = $2 AND group_id = $3 AND state = 'pending'",
            &[&kind.as_str(), &p.task_id, &p.group_id],
        )
        .await
        .db("failed to claim a delivery")?
        == 1)
}

/// Stamps a claimed delivery as about to be sent: from here on, a run killed before recording
/// the outcome leaves it unknown, never to be sent again.
async fn attempting(ctx: &Ctx, kind: TaskKind, p: &Pending) -> Result<()> {
    ctx.db()?
        .client()
        .await?
        .execute(
            "UPDATE deliveries SET attempted_at = now() WHERE task_kind = $1 AND task_id = $2 AND group_id = $3",
            &[&kind.as_str(), &p.task_id, &p.group_id],
        )
        .await
        .db("failed to mark a delivery attempted")?;
    Ok(())
}

/// Takes back the claims of killed runs: one never attempted is pending again, one attempted is
/// recorded failed with its outcome unknown. Answers (reclaimed, abandoned).
async fn expire_claims(client: &deadpool_postgres::Client, kind: TaskKind) -> Result<(u64, u64)> {
    let code = i32::from(Code::SendMessageFailed.as_u16());
    let rows = client
        .query(
            "UPDATE deliveries SET state = CASE WHEN attempted_at IS NULL THEN 'pending' ELSE 'failed' END,
                 code = CASE WHEN attempted_at IS NULL THEN NULL ELSE $2::integer END,
                 reason = CASE WHEN attempted_at IS NULL THEN NULL ELSE $3::text END,
                 claimed_at = NULL
             WHERE task_kind = $1 AND state = 'sending' AND claimed_at < now() - make_interval(secs => $4::float8)
             RETURNING state",
            &[&kind.as_str(), &code, &REASON_UNKNOWN, &CLAIM_LEASE_SECS],
        )
        .await
        .db("failed to take back expired claims")?;
    let reclaimed = rows.iter().filter(|r| r.get::<_, &str>("state") == "pending").count() as u64;
    Ok((reclaimed, rows.len() as u64 - reclaimed))
}

/// What the owner reads when the group changed hands before their message went out.
pub const REASON_NEW_OWNER: &str = "群已归属其他群主，未发送";
const REASON_EXITED: &str = "群已退出，未发送";

/// Why a delivery must not be sent now, if it must not: the group is no longer active, or (for
/// an owner's mass message) it no longer belongs to the task's owner — someone else had the
/// robot join it again after the task was made, and the message is not theirs to receive.
async fn refusal_at_send(ctx: &Ctx, kind: TaskKind, task_id: i64, group_id: i64) -> Result<Option<&'static str>> {
    let row = ctx
        .db()?
        .client()
        .await?
        .query_opt(
            "SELECT g.state = 'active' AS active,
                    ($1 <> 'broadcast' OR g.owner_id IS NOT DISTINCT FROM (SELECT b.owner_id FROM broadcasts b WHERE b.id = $2))
                        AS same_owner
             FROM groups g WHERE g.id = $3",
            &[&kind.as_str(), &task_id, &group_id],
        )
        .await
        .db("failed to check the group before sending")?;
    Ok(match row {
        None => Some(REASON_EXITED),
        Some(r) if !r.get::<_, bool>("same_owner") => Some(REASON_NEW_OWNER),
        Some(r) if !r.get::<_, bool>("active") => Some(REASON_EXITED),
        Some(_) => None,
    })
}

/// One group's outcome of a task.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub group_id: GroupId,
    pub group_name: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    /// 1602 when the send failed.
    pub code: Option<i32>,
    pub reason: Option<String>,
    pub sent_at: Option<chrono::DateTime<Utc>>,
}

/// The outcomes of these tasks, by task.
pub async fn targets(
    client: &impl deadpool_postgres::GenericClient,
    kind: TaskKind,
    task_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<Target>>> {
    let rows = client
        .query(
            "SELECT d.task_id, d.group_id, g.name AS group_name,
                    CASE WHEN d.state = 'sending' THEN 'pending' ELSE d.state END AS state, d.code, d.reason, d.sent_at
             FROM deliveries d JOIN groups g ON g.id = d.group_id
             WHERE d.task_kind = $1 AND d.task_id = ANY($2) ORDER BY d.task_id, d.group_id",
            &[&kind.as_str(), &task_ids],
        )
        .await
        .db("failed to load deliveries")?;
    let mut out: std::collections::HashMap<i64, Vec<Target>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(r.get("task_id")).or_default().push(Target {
            group_id: r.get("group_id"),
            group_name: r.get("group_name"),
            state: r.get("state"),
            code: r.get("code"),
            reason: r.get("reason"),
            sent_at: r.get("sent_at"),
        });
    }
    Ok(out)
}
