//! Sending a task's message to its groups, for both kinds of task: an owner's mass message
//! (群发, table `broadcasts`) and an operators' ad campaign (`campaigns`). One row per task and
//! group in `deliveries` records the outcome; a robot never sends twice within the gap
//! (*default* 3 s), whichever dispatcher sends.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use redis::Script;
use serde::Serialize;

use crate::content::Content;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Result, Unexpected};
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

    /// One lock per kind: dispatch runs of a kind never overlap.
    fn lock_key(self) -> i64 {
        match self {
            TaskKind::Broadcast => 0x6770_6574_0001,
            TaskKind::Campaign => 0x6770_6574_0002,
        }
    }
}

/// A dispatch run stops starting sends after this long (its Lambda has a minute).
const RUN_BUDGET: Duration = Duration::from_secs(40);
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
    /// Another run of this kind held the lock.
    pub skipped: bool,
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
pub async fn dispatch(ctx: &Ctx, kind: TaskKind) -> Result<DispatchReport> {
    let started_at = Instant::now();
    let client = ctx.db()?.client().await?;
    let locked: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&kind.lock_key()])
        .await
        .db("failed to take the dispatch lock")?
        .get(0);
    if !locked {
        return Ok(DispatchReport { skipped: true, ..DispatchReport::default() });
    }
    let result = dispatch_locked(ctx, &client, kind, started_at).await;
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&kind.lock_key()])
        .await
        .db("failed to release the dispatch lock")?;
    result
}

async fn dispatch_locked(
    ctx: &Ctx,
    client: &deadpool_postgres::Client,
    kind: TaskKind,
    started_at: Instant,
) -> Result<DispatchReport> {
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
    let settings: GroupSettings = settings::load(client).await?;
    let gap = Duration::from_secs(u64::from(settings.send_gap_secs));
    loop {
        let rows = client
            .query(
                &format!(
                    "SELECT d.task_id, d.group_id, g.group_wxid, g.state = 'active', r.id, r.wxid, t.content
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
            by_robot.entry(r.get(4)).or_default().push(Pending {
                task_id: r.get(0),
                group_id: r.get(1),
                group_wxid: r.get(2),
                active: r.get(3),
                robot_id: r.get(4),
                robot_wxid: r.get(5),
                content: r.get(6),
            });
        }
        // Robots send side by side; each robot's sends are spaced by the gap.
        let outcomes = futures::future::join_all(
            by_robot.into_values().map(|pending| send_in_turn(ctx, kind, pending, gap, started_at)),
        )
        .await;
        let mut progressed = 0;
        for outcome in outcomes {
            let (sent, failed) = outcome?;
            report.sent += sent;
            report.failed += failed;
            progressed += sent + failed;
        }
        if progressed == 0 || started_at.elapsed() >= RUN_BUDGET {
            break;
        }
    }
    report.finished = client
        .execute(
            &format!(
                "UPDATE {table} t SET state = 'done' WHERE t.state = 'sending'
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.task_kind = $1 AND d.task_id = t.id AND d.state = 'pending')"
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
    started_at: Instant,
) -> Result<(usize, usize)> {
    let (mut sent, mut failed) = (0, 0);
    for p in pending {
        if started_at.elapsed() >= RUN_BUDGET {
            break;
        }
        let outcome: std::result::Result<(), String> = if !p.active {
            Err("群已退出，未发送".to_owned())
        } else {
            match Content::from_json(p.content.clone()) {
                Err(_) => Err("消息内容无法读取".to_owned()),
                Ok(content) => {
                    tokio::time::sleep(reserve(ctx, p.robot_id, gap).await?).await;
                    ctx.robot()?.send(&p.robot_wxid, To::Group(&p.group_wxid), &content).await.map(|_| ()).map_err(
                        |e| {
                            tracing::warn!(error = %e, task_id = p.task_id, group_id = p.group_id, "send failed");
                            e.reason()
                        },
                    )
                }
            }
        };
        let (state, code, reason) = match &outcome {
            Ok(()) => ("sent", None, None),
            Err(reason) => ("failed", Some(i32::from(Code::SendMessageFailed.as_u16())), Some(reason.as_str())),
        };
        ctx.db()?
            .client()
            .await?
            .execute(
                "UPDATE deliveries SET state = $4, code = $5, reason = $6, sent_at = $7
                 WHERE task_kind = $1 AND task_id = $2 AND group_id = $3",
                &[&kind.as_str(), &p.task_id, &p.group_id, &state, &code, &reason, &ctx.clock.now()],
            )
            .await
            .db("failed to record a delivery")?;
        if outcome.is_ok() { sent += 1 } else { failed += 1 }
    }
    Ok((sent, failed))
}

/// One group's outcome of a task.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub group_id: i64,
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
            "SELECT d.task_id, d.group_id, g.name, d.state, d.code, d.reason, d.sent_at
             FROM deliveries d JOIN groups g ON g.id = d.group_id
             WHERE d.task_kind = $1 AND d.task_id = ANY($2) ORDER BY d.task_id, d.group_id",
            &[&kind.as_str(), &task_ids],
        )
        .await
        .db("failed to load deliveries")?;
    let mut out: std::collections::HashMap<i64, Vec<Target>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(r.get(0)).or_default().push(Target {
            group_id: r.get(1),
            group_name: r.get(2),
            state: r.get(3),
            code: r.get(4),
            reason: r.get(5),
            sent_at: r.get(6),
        });
    }
    Ok(out)
}
