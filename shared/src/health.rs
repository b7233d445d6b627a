//! Robot health. The robot platform says what a robot is (`robot_online`, `robot_offline` with
//! `logout`, `banned` or `restricted`) and that it lives (`heartbeat`, every 60 s); an operator
//! may quarantine a robot. A robot's health is one rule, `robot_health()` in PostgreSQL
//! (migration 0012): `quarantined`, else `banned`, else `offline`, else `silent` (heard from
//! before, not for `robots.silent_after_secs` of real time), else `online`. Only `online` robots
//! are offered and send.
//!
//! While a group's robot is out of service its owner sees why, and the time is recorded as the
//! group's outage (`group_outages`, business time): the rating does not count outage days
//! toward the no-session cancellation, and settlement protects the income of long outages.
//! The robot-health job (every minute) notices silences, mails an alert when a robot leaves
//! `online` and when the healthy robots' free places fall below the setting's share.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::alerts;
use crate::context::Ctx;
use crate::db::{QueryContext, text_enum};
use crate::error::{Error, Result};
use crate::operators::{self, ConsolePrincipal};
use crate::settings::{self, RobotSettings};

text_enum! {
    /// What a robot is fit for now (robots.health_seen keeps the one the job last saw).
    pub enum Health {
        /// Heard from, logged in, not quarantined: offered and sending.
        Online = "online",
        /// No heartbeat for `silent_after_secs` (real time).
        Silent = "silent",
        /// Logged out or restricted by WeChat.
        Offline = "offline",
        Banned = "banned",
        /// Kept out of use by an operator.
        Quarantined = "quarantined",
    }
}

text_enum! {
    /// The platform's word for a robot (robots.platform_state).
    pub enum PlatformState {
        Online = "online",
        Logout = "logout",
        Banned = "banned",
        Restricted = "restricted",
    }
}

/// The health of robot row `r` (the SQL of `robot_health()` with the settings' silence).
pub fn health_sql(alias: &str, silent_after_param: &str) -> String {
    format!(
        "robot_health({alias}.platform_state, {alias}.quarantined_at, {alias}.last_heartbeat_at, {silent_after_param}::integer)"
    )
}

/// What an owner reads about their group's robot when it is not online.
pub fn issue(health: Health, platform_state: PlatformState) -> Option<&'static str> {
    match (health, platform_state) {
        (Health::Online, _) => None,
        (Health::Silent, _) => Some("机器人暂无响应，可能已掉线"),
        (Health::Offline, PlatformState::Restricted) => Some("机器人被微信限制使用"),
        (Health::Offline, _) => Some("机器人已掉线（账号已登出）"),
        (Health::Banned, _) => Some("机器人已被微信封禁"),
        (Health::Quarantined, _) => Some("机器人维护中"),
    }
}

/// The console's words for a health.
fn health_words(health: Health) -> &'static str {
    match health {
        Health::Online => "在线",
        Health::Silent => "无心跳",
        Health::Offline => "离线",
        Health::Banned => "封禁",
        Health::Quarantined => "隔离",
    }
}

/// A risk event as the console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RiskEvent {
    /// `banned`, `logout`, `restricted`, `online`, `rate_limited`, `silent`, `quarantined`, `released`.
    pub kind: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// Records a risk event (business time).
pub async fn record(
    client: &impl GenericClient,
    robot_id: i64,
    kind: &str,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO robot_risk_events (robot_id, kind, detail, at) VALUES ($1, $2, $3, $4)",
            &[&robot_id, &kind, &detail, &at],
        )
        .await
        .db("failed to record a risk event")?;
    Ok(())
}

/// The last `n` risk events of these robots, newest first.
pub async fn recent(
    client: &impl GenericClient,
    robot_ids: &[i64],
    n: i64,
) -> Result<std::collections::HashMap<i64, Vec<RiskEvent>>> {
    let rows = client
        .query(
            "SELECT e.robot_id, e.kind, e.detail, e.at FROM unnest($1::bigint[]) AS r(id)
             CROSS JOIN LATERAL (SELECT * FROM robot_risk_events e WHERE e.robot_id = r.id ORDER BY e.id DESC LIMIT $2) e",
            &[&robot_ids, &n],
        )
        .await
        .db("failed to load risk events")?;
    let mut out: std::collections::HashMap<i64, Vec<RiskEvent>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(r.get("robot_id")).or_default().push(RiskEvent {
            kind: r.get("kind"),
            detail: r.get("detail"),
            at: r.get("at"),
        });
    }
    Ok(out)
}

/// Opens an outage for each active group of the robot that has none open (business time `at`),
/// holding the stars each group had.
async fn open_outages(client: &impl GenericClient, robot_id: i64, reason: &str, at: DateTime<Utc>) -> Result<u64> {
    client
        .execute(
            "INSERT INTO group_outages (group_id, robot_id, reason, stars_before, started_at)
             SELECT g.id, g.robot_id, $2, g.stars, $3 FROM groups g WHERE g.robot_id = $1 AND g.state = 'active'
             ON CONFLICT (group_id) WHERE ended_at IS NULL DO NOTHING",
            &[&robot_id, &reason, &at],
        )
        .await
        .db("failed to open outages")
}

/// Closes the open outages of the robot's groups (only those opened for `reason` when given).
async fn close_outages(
    client: &impl GenericClient,
    robot_id: i64,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<u64> {
    client
        .execute(
            "UPDATE group_outages SET ended_at = GREATEST(started_at, $3)
             WHERE robot_id = $1 AND ended_at IS NULL AND ($2::text IS NULL OR reason = $2)",
            &[&robot_id, &reason, &at],
        )
        .await
        .db("failed to close outages")
}

/// Closes a group's open outage (it moved to another robot).
pub async fn close_group_outage(client: &impl GenericClient, group_id: i64, at: DateTime<Utc>) -> Result<()> {
    client
        .execute(
            "UPDATE group_outages SET ended_at = GREATEST(started_at, $2) WHERE group_id = $1 AND ended_at IS NULL",
            &[&group_id, &at],
        )
        .await
        .db("failed to close the group's outage")?;
    Ok(())
}

/// A heartbeat: the robot lives (received now, real time); a silence it ends is over at `at`.
pub async fn heartbeat(client: &impl GenericClient, robot_id: i64, at: DateTime<Utc>) -> Result<()> {
    client
        .execute("UPDATE robots SET last_heartbeat_at = now() WHERE id = $1", &[&robot_id])
        .await
        .db("failed to record a heartbeat")?;
    close_outages(client, robot_id, Some("silent"), at).await?;
    Ok(())
}

/// The platform says the robot is `state` since `at` (business time). An older word than the
/// one held changes nothing. Answers whether it was applied.
pub async fn platform_says(
    client: &mut deadpool_postgres::Client,
    robot_id: i64,
    state: PlatformState,
    at: DateTime<Utc>,
    event_id: &str,
) -> Result<bool> {
    let tx = client.transaction().await.db("failed to begin")?;
    let done = tx
        .execute("INSERT INTO robot_events_done (event_id) VALUES ($1) ON CONFLICT DO NOTHING", &[&event_id])
        .await
        .db("failed to mark the event")?;
    if done == 0 {
        return Ok(false);
    }
    let row = tx
        .query_one(
            "SELECT platform_state, platform_state_at, quarantined_at IS NOT NULL AS quarantined FROM robots WHERE id = $1 FOR UPDATE",
            &[&robot_id],
        )
        .await
        .db("failed to load the robot")?;
    let held_at: Option<DateTime<Utc>> = row.get("platform_state_at");
    if held_at.is_some_and(|held| held > at) {
        tx.commit().await.db("failed to commit the event")?;
        return Ok(false);
    }
    let before: PlatformState = row.get("platform_state");
    tx.execute(
        "UPDATE robots SET platform_state = $2, platform_state_at = $3,
             last_heartbeat_at = CASE WHEN $2 = 'online' THEN now() ELSE last_heartbeat_at END
         WHERE id = $1",
        &[&robot_id, &state, &at],
    )
    .await
    .db("failed to store the robot's state")?;
    if before != state {
        record(&tx, robot_id, state.as_str(), None, at).await?;
    }
    match state {
        PlatformState::Online if !row.get::<_, bool>("quarantined") => {
            close_outages(&tx, robot_id, None, at).await?;
        }
        PlatformState::Online => {}
        out => {
            open_outages(&tx, robot_id, out.as_str(), at).await?;
        }
    }
    tx.commit().await.db("failed to commit the robot's state")?;
    tracing::info!(robot_id, state = state.as_str(), "robot state");
    Ok(true)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Quarantine {
    /// 1 to 100 characters once trimmed.
    #[schema(pattern = r"^\s*\S(?:[\s\S]{0,98}\S)?\s*$")]
    pub reason: String,
}

/// An operator keeps a robot out of use: not offered, not sending; its groups' owners see
/// 机器人维护中 and the time counts as an outage.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, robot_id))]
pub async fn quarantine(ctx: &Ctx, by: &ConsolePrincipal, robot_id: i64, request: Quarantine) -> Result<()> {
    by.require(operators::CONTENT_EDITORS)?;
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 100 {
        return Err(Error::bad_request("reason 须为 1 到 100 个字"));
    }
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let now = ctx.clock.now();
    let changed = tx
        .execute(
            "UPDATE robots SET quarantined_at = $2, quarantine_reason = $3, updated_at = now()
             WHERE id = $1 AND quarantined_at IS NULL",
            &[&robot_id, &now, &reason],
        )
        .await
        .db("failed to quarantine the robot")?;
    if changed == 0 {
        exists(&tx, robot_id).await?;
        return Err(Error::bad_request("机器人已在隔离中"));
    }
    record(&tx, robot_id, "quarantined", Some(reason), now).await?;
    open_outages(&tx, robot_id, "quarantined", now).await?;
    operators::audit(
        &tx,
        by.operator.id,
        "robot.quarantine",
        Some(&robot_id.to_string()),
        serde_json::json!({"reason": reason}),
    )
    .await?;
    tx.commit().await.db("failed to commit the quarantine")
}

/// Ends a quarantine: the robot is as the platform says it is.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, robot_id))]
pub async fn release(ctx: &Ctx, by: &ConsolePrincipal, robot_id: i64) -> Result<()> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let now = ctx.clock.now();
    let row = tx
        .query_opt(
            "UPDATE robots SET quarantined_at = NULL, quarantine_reason = NULL, updated_at = now()
             WHERE id = $1 AND quarantined_at IS NOT NULL RETURNING platform_state",
            &[&robot_id],
        )
        .await
        .db("failed to release the robot")?;
    let Some(row) = row else {
        exists(&tx, robot_id).await?;
        return Err(Error::bad_request("机器人不在隔离中"));
    };
    record(&tx, robot_id, "released", None, now).await?;
    if row.get::<_, PlatformState>("platform_state") == PlatformState::Online {
        close_outages(&tx, robot_id, None, now).await?;
    }
    operators::audit(&tx, by.operator.id, "robot.release", Some(&robot_id.to_string()), serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit the release")
}

async fn exists(client: &impl GenericClient, robot_id: i64) -> Result<()> {
    client
        .query_opt("SELECT 1 FROM robots WHERE id = $1", &[&robot_id])
        .await
        .db("failed to load the robot")?
        .map(|_| ())
        .ok_or_else(|| Error::not_found("机器人不存在"))
}

/// The ids of the enabled robots that are not online now.
pub async fn unavailable(client: &impl GenericClient, settings: &RobotSettings) -> Result<Vec<i64>> {
    let rows = client
        .query(
            &format!("SELECT r.id FROM robots r WHERE {} <> 'online'", health_sql("r", "$1")),
            &[&(settings.silent_after_secs as i32)],
        )
        .await
        .db("failed to load the robots' health")?;
    Ok(rows.iter().map(|r| r.get("id")).collect())
}

#[derive(Debug, Default, Serialize)]
pub struct HealthReport {
    pub robots: usize,
    /// Robots whose health changed since the last run.
    pub changed: usize,
    pub alerts: usize,
    pub healthy_free: i64,
    pub total_free: i64,
}

/// robot-health (every minute): notices changes of health (a silence opens its groups'
/// outages from the last heartbeat), mails an alert when a robot leaves `online`, and when the
/// healthy robots' free places fall below the setting's share of all.
#[tracing::instrument(skip_all)]
pub async fn job(ctx: &Ctx) -> Result<HealthReport> {
    let client = ctx.db()?.client().await?;
    let settings: RobotSettings = settings::load(&client).await?;
    let silent_after = settings.silent_after_secs as i32;
    let now = ctx.clock.now();
    // One transition per robot and run: the row's health_seen moves once, so two runs at the
    // same time alert once.
    let changed = client
        .query(
            &format!(
                "WITH h AS (SELECT r.id, r.health_seen, {health} AS health FROM robots r WHERE r.enabled FOR UPDATE)
                 UPDATE robots r SET health_seen = h.health FROM h
                 WHERE r.id = h.id AND h.health <> h.health_seen
                 RETURNING r.id, r.wxid, r.nickname, h.health_seen AS before, h.health AS after,
                     $2::timestamptz - (now() - r.last_heartbeat_at) AS silent_since,
                     (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active') AS groups",
                health = health_sql("r", "$1")
            ),
            &[&silent_after, &now],
        )
        .await
        .db("failed to update the robots' health")?;
    let mut report = HealthReport { changed: changed.len(), ..HealthReport::default() };
    for row in &changed {
        let robot_id: i64 = row.get("id");
        let (before, after): (Health, Health) = (row.get("before"), row.get("after"));
        if after == Health::Silent {
            let since: DateTime<Utc> = row.get::<_, Option<DateTime<Utc>>>("silent_since").unwrap_or(now);
            record(&client, robot_id, "silent", Some(&format!("{} 秒无心跳", settings.silent_after_secs)), now).await?;
            open_outages(&client, robot_id, "silent", since.min(now)).await?;
        }
        if before == Health::Online && after != Health::Online {
            let (wxid, nickname): (String, String) = (row.get("wxid"), row.get("nickname"));
            let groups: i64 = row.get("groups");
            let subject = format!("[gpet] 机器人{}：{nickname}（{wxid}）", health_words(after));
            let text = format!(
                "机器人 {nickname}（{wxid}）的状态由「在线」变为「{}」，影响 {groups} 个群。\n\
                 它已不再分配、不再发送；可在运营后台「机器人」查看风险事件，为它的群批量准备替换机器人。",
                health_words(after)
            );
            let key = format!("robot-health:{robot_id}:{}", Utc::now().timestamp_millis());
            if alerts::raise(ctx, alerts::Alert::RobotDown, &key, &subject, &text).await? {
                report.alerts += 1;
            }
        }
    }
    let capacity = client
        .query_one(
            &format!(
                "SELECT count(*) AS robots,
                     coalesce(sum(free) FILTER (WHERE health = 'online'), 0)::bigint AS healthy_free,
                     coalesce(sum(free), 0)::bigint AS total_free
                 FROM (SELECT {health} AS health,
                         GREATEST(r.capacity - (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active'), 0) AS free
                       FROM robots r WHERE r.enabled) t",
                health = health_sql("r", "$1")
            ),
            &[&silent_after],
        )
        .await
        .db("failed to count the robots' capacity")?;
    report.robots = capacity.get::<_, i64>("robots") as usize;
    report.healthy_free = capacity.get("healthy_free");
    report.total_free = capacity.get("total_free");
    let pct = i64::from(settings.healthy_capacity_alert_pct);
    if pct > 0 && report.total_free > 0 && report.healthy_free * 100 < pct * report.total_free {
        let day = ctx.clock.today();
        let subject = "[gpet] 可用机器人容量不足".to_owned();
        let text = format!(
            "在线机器人的空余群位 {} 个，仅占全部启用机器人空余群位 {} 个的 {}%（低于设定的 {pct}%）。\n\
             请检查离线、封禁的机器人，或登记新的机器人。",
            report.healthy_free,
            report.total_free,
            report.healthy_free * 100 / report.total_free
        );
        if alerts::raise(ctx, alerts::Alert::RobotCapacityLow, &format!("robot-capacity:{day}"), &subject, &text)
            .await?
        {
            report.alerts += 1;
        }
    }
    tracing::info!(changed = report.changed, alerts = report.alerts, "robot health checked");
    Ok(report)
}
