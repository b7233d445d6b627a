//! Sending a task's message to its groups, for both kinds of task: an owner's mass message
//! (群发, table `broadcasts`) and an operators' ad campaign (`campaigns`). One row per task and
//! group in `deliveries` records the outcome. Only `online` robots send, each through its send
//! governor ([`crate::governor`]: a random gap, caps per minute and per day, a cool-down after
//! the platform's risk control), and a group receives at most `group_daily_cap` mass messages and
//! ads a business day. A delivery is claimed in its row before its send, and a run starts no send
//! it cannot start before its deadline's stop: a run killed at its timeout (or overlapping
//! another) never sends a delivery twice, and leaves the rest pending. A send the platform
//! refuses for its robot (banned, logged out, risk control) was not made: the delivery waits; a
//! banned robot's deliveries fail with a reason the owner reads, unless their group moved to
//! another robot first.

use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use crate::content::Content;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::deadline::Deadline;
use crate::error::{Code, Result};
use crate::governor::{self, Answered, Turn as GovernorTurn};
use crate::health;
use crate::ids::GroupId;
use crate::partners::robot::To;
use crate::settings::{self, RobotSettings};

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

/// One robot's pending deliveries loaded at once.
const SHARE: i64 = 100;

/// The pending deliveries of online robots, under their group's daily cap: $1 the task kind,
/// $2 `silent_after_secs`, $3 the cap, $4 the business day's start, $5 one robot or all.
fn pending_from(table: &str) -> String {
    format!(
        "FROM deliveries d JOIN {table} t ON t.id = d.task_id AND t.state = 'sending'
         JOIN groups g ON g.id = d.group_id JOIN robots r ON r.id = g.robot_id
         WHERE d.task_kind = $1 AND d.state = 'pending' AND ($5::bigint IS NULL OR r.id = $5)
           AND {health} = 'online' AND {under_cap}",
        health = health::health_sql("r", "$2"),
        under_cap = UNDER_GROUP_CAP.replace("$cap", "$3").replace("$since", "$4"),
    )
}

/// One robot's work of a run: its pending deliveries, a share at a time, until none is left,
/// the robot must rest (its day spent, paused past the stop, refused by the platform) or the
/// deadline says stop.
async fn robot_turns(
    ctx: &Ctx,
    kind: TaskKind,
    robot_id: i64,
    settings: &RobotSettings,
    deadline: Deadline,
) -> Result<Turn> {
    let mut total = Turn::default();
    let sql = format!(
        "SELECT d.task_id, d.group_id, g.group_wxid, g.state = 'active' AS active, r.id AS robot_id,
                r.wxid AS robot_wxid, t.content
         {} ORDER BY d.task_id, d.group_id LIMIT $6",
        pending_from(kind.table())
    );
    while deadline.has_time() {
        let rows = ctx
            .db()?
            .client()
            .await?
            .query(
                &sql,
                &[
                    &kind.as_str(),
                    &(settings.silent_after_secs as i32),
                    &i64::from(settings.group_daily_cap),
                    &ctx.clock.today().start(),
                    &Some(robot_id),
                    &SHARE,
                ],
            )
            .await
            .db("failed to load pending deliveries")?;
        if rows.is_empty() {
            // Fresh claims of a run beside this one may yet be given back (at its stop): wait for
            // them. (A killed run's claims are older, and taken back after their lease.)
            let in_flight = ctx
                .db()?
                .client()
                .await?
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM deliveries d JOIN groups g ON g.id = d.group_id
                                    WHERE d.task_kind = $1 AND d.state = 'sending' AND g.robot_id = $2
                                      AND d.claimed_at > now() - interval '20 seconds') AS claimed",
                    &[&kind.as_str(), &robot_id],
                )
                .await
                .db("failed to look for claims in flight")?
                .get::<_, bool>("claimed");
            if !in_flight {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let pending = rows
            .iter()
            .map(|r| Pending {
                task_id: r.get("task_id"),
                group_id: r.get("group_id"),
                group_wxid: r.get("group_wxid"),
                active: r.get("active"),
                robot_id: r.get("robot_id"),
                robot_wxid: r.get("robot_wxid"),
                content: r.get("content"),
            })
            .collect();
        let turn = send_in_turn(ctx, kind, pending, settings, deadline).await?;
        total.sent += turn.sent;
        total.failed += turn.failed;
        total.deferred += turn.deferred;
        if turn.rest {
            break;
        }
        if turn.sent + turn.failed == 0 {
            // Another run beside this one claimed the share first: look again shortly for what
            // is left of the robot's (its claims may yet be given back).
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(total)
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
    /// Deliveries of groups whose robot is banned: failed with the reason.
    pub banned: u64,
    /// Sends the platform refused for their robot (banned, logged out, risk control): they wait.
    pub deferred: usize,
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
    report.banned = fail_banned(&client, kind, ctx.clock.now()).await?;
    let settings: RobotSettings = settings::load(&client).await?;
    // Every online robot with something to send works through its own deliveries, a share at a
    // time, side by side with the others (no robot waits for another's share).
    let robots: Vec<i64> = client
        .query(
            &format!("SELECT DISTINCT r.id {PENDING_FROM} ORDER BY r.id", PENDING_FROM = pending_from(table)),
            &[
                &kind.as_str(),
                &(settings.silent_after_secs as i32),
                &i64::from(settings.group_daily_cap),
                &ctx.clock.today().start(),
                &None::<i64>,
            ],
        )
        .await
        .db("failed to find the robots with deliveries")?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    let settings = &settings;
    let turns =
        futures::future::join_all(robots.iter().map(|robot_id| robot_turns(ctx, kind, *robot_id, settings, deadline)))
            .await;
    for turn in turns {
        let turn = turn?;
        report.sent += turn.sent;
        report.failed += turn.failed;
        report.deferred += turn.deferred;
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

/// What one robot's turn did.
#[derive(Debug, Default)]
struct Turn {
    sent: usize,
    failed: usize,
    /// Refused by the platform for the robot: pending again.
    deferred: usize,
    /// Whether the robot is done for this run (day spent, paused, refused, out of time).
    rest: bool,
}

/// One robot's deliveries, one after the other, each in a slot of its governor.
async fn send_in_turn(
    ctx: &Ctx,
    kind: TaskKind,
    pending: Vec<Pending>,
    settings: &RobotSettings,
    deadline: Deadline,
) -> Result<Turn> {
    let mut turn = Turn::default();
    for p in pending {
        // Whether this run claimed the row (a send is only ever made on a claimed row).
        let mut claimed = false;
        let outcome: std::result::Result<(), String> = if !p.active {
            Err(REASON_EXITED.to_owned())
        } else {
            match Content::from_json(p.content.clone()) {
                Err(_) => Err("消息内容无法读取".to_owned()),
                Ok(content) => {
                    // Nothing is claimed unless the robot's turn can come before the stop.
                    match governor::wait_for(ctx, settings, p.robot_id).await? {
                        Some(wait) if deadline.allows(wait) => {}
                        _ => {
                            turn.rest = true;
                            break;
                        }
                    }
                    if !claim(ctx, kind, &p, settings).await? {
                        continue; // another run has it, or the group's day is full
                    }
                    claimed = true;
                    // The robot's turn (another sender of it may go first: a run beside this one,
                    // a keyword reply).
                    if governor::turn(ctx, settings, p.robot_id, deadline.left()).await? != GovernorTurn::Now {
                        put_back(ctx, kind, &p).await?;
                        turn.rest = true;
                        break;
                    }
                    // Checked at send time, after the wait: the group may have left, or been
                    // joined again by someone else, since the delivery was loaded.
                    match attempting(ctx, kind, &p).await? {
                        Some(reason) => {
                            governor::give_back(ctx, p.robot_id).await?;
                            Err(reason.to_owned())
                        }
                        None => {
                            let answer = ctx.robot()?.send(&p.robot_wxid, To::Group(&p.group_wxid), &content).await;
                            let answered = match &answer {
                                Ok(_) => Answered::Accepted,
                                Err(e) if e.is_risk_control() => Answered::RiskRefused,
                                Err(_) => Answered::Other,
                            };
                            let pause = governor::finished(ctx, settings, p.robot_id, answered).await?;
                            match answer {
                                Ok(_) => Ok(()),
                                Err(e) if e.robot_unavailable() => {
                                    // Not sent: the delivery waits for the robot (or its group's next one).
                                    tracing::warn!(error = %e, robot_id = p.robot_id, "the platform refused the robot's send");
                                    put_back(ctx, kind, &p).await?;
                                    if e.is_risk_control() {
                                        let detail = format!("平台风控拒绝发送，暂停 {} 秒", pause.as_secs());
                                        let client = ctx.db()?.client().await?;
                                        health::record(
                                            &client,
                                            p.robot_id,
                                            "rate_limited",
                                            Some(&detail),
                                            ctx.clock.now(),
                                        )
                                        .await?;
                                    }
                                    turn.deferred += 1;
                                    turn.rest = true;
                                    break;
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, task_id = p.task_id, group_id = p.group_id, "send failed");
                                    Err(e.reason())
                                }
                            }
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
        if outcome.is_ok() { turn.sent += 1 } else { turn.failed += 1 }
    }
    Ok(turn)
}

/// A group under its daily cap of mass messages and ads (sent or in flight since `$since`, the
/// business day's start), with `d` the delivery and `$cap` the cap.
const UNDER_GROUP_CAP: &str = "(SELECT count(*) FROM deliveries x WHERE x.group_id = d.group_id
        AND (x.state = 'sending' OR x.state = 'sent' AND x.sent_at >= $since)) < $cap";

/// A claimed delivery the platform refused for its robot: pending again, as if never claimed.
async fn put_back(ctx: &Ctx, kind: TaskKind, p: &Pending) -> Result<()> {
    ctx.db()?
        .client()
        .await?
        .execute(
            "UPDATE deliveries SET state = 'pending', claimed_at = NULL, attempted_at = NULL
             WHERE task_kind = $1 AND task_id = $2 AND group_id = $3 AND state = 'sending'",
            &[&kind.as_str(), &p.task_id, &p.group_id],
        )
        .await
        .db("failed to put a delivery back")?;
    Ok(())
}

/// What the owner reads when the group's robot was banned before their message went out.
pub const REASON_BANNED: &str = "机器人已被微信封禁，未发送；可在群详情「更换机器人」";

/// Fails the pending deliveries of groups whose robot is banned.
async fn fail_banned(client: &deadpool_postgres::Client, kind: TaskKind, now: chrono::DateTime<Utc>) -> Result<u64> {
    client
        .execute(
            "UPDATE deliveries d SET state = 'failed', code = $2, reason = $3, sent_at = $4
             FROM groups g JOIN robots r ON r.id = g.robot_id
             WHERE d.task_kind = $1 AND d.state = 'pending' AND g.id = d.group_id AND r.platform_state = 'banned'",
            &[&kind.as_str(), &i32::from(Code::SendMessageFailed.as_u16()), &REASON_BANNED, &now],
        )
        .await
        .db("failed to fail the banned robots' deliveries")
}

/// How long a claimed delivery may stay in flight. A run lasts a minute at most, so a claim
/// older than this belongs to a run that was killed (its timeout, a crash).
const CLAIM_LEASE_SECS: f64 = 300.0;

/// What the owner reads of a send cut off half-way: it may or may not have gone out, and it is
/// not sent again (a second copy in the group is worse than a missing one).
const REASON_UNKNOWN: &str = "发送过程中任务中止，结果未知，未重发";

/// Claims a pending delivery for this run: false when another run holds it or has recorded it.
async fn claim(ctx: &Ctx, kind: TaskKind, p: &Pending, settings: &RobotSettings) -> Result<bool> {
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin a claim")?;
    // The group's row is locked first, so that the count below sees every claim before this one
    // (the broadcast and campaign dispatchers run side by side).
    tx.execute("SELECT 1 FROM groups WHERE id = $1 FOR UPDATE", &[&p.group_id]).await.db("failed to lock the group")?;
    let claimed = tx
        .execute(
            &format!(
                "UPDATE deliveries d SET state = 'sending', claimed_at = now(), attempted_at = NULL
                 WHERE task_kind = $1 AND task_id = $2 AND group_id = $3 AND state = 'pending' AND {}",
                UNDER_GROUP_CAP.replace("$cap", "$4").replace("$since", "$5")
            ),
            &[
                &kind.as_str(),
                &p.task_id,
                &p.group_id,
                &i64::from(settings.group_daily_cap),
                &ctx.clock.today().start(),
            ],
        )
        .await
        .db("failed to claim a delivery")?;
    tx.commit().await.db("failed to commit a claim")?;
    Ok(claimed == 1)
}

/// Stamps a claimed delivery as about to be sent, if it may be sent now: from here on, a run
/// killed before recording the outcome leaves it unknown, never to be sent again. Answers why it
/// must not be sent, if it must not (nothing stamped then). One statement on the way to a send:
/// it runs between the robot's slot and its send, so it adds to every gap.
async fn attempting(ctx: &Ctx, kind: TaskKind, p: &Pending) -> Result<Option<&'static str>> {
    let stamped = ctx
        .db()?
        .client()
        .await?
        .execute(
            "UPDATE deliveries d SET attempted_at = now() FROM groups g
             WHERE d.task_kind = $1 AND d.task_id = $2 AND d.group_id = $3 AND g.id = d.group_id AND g.state = 'active'
               AND ($1 <> 'broadcast'
                    OR g.owner_id IS NOT DISTINCT FROM (SELECT b.owner_id FROM broadcasts b WHERE b.id = $2))",
            &[&kind.as_str(), &p.task_id, &p.group_id],
        )
        .await
        .db("failed to mark a delivery attempted")?;
    if stamped == 1 {
        return Ok(None);
    }
    Ok(Some(refusal_at_send(ctx, kind, p.task_id, p.group_id).await?.unwrap_or(REASON_EXITED)))
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

/// Why a delivery must not be sent now, if it must not (asked when [`attempting`] refused to
/// stamp it): the group is no longer active, or (for an owner's mass message) it no longer
/// belongs to the task's owner — someone else had the
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
