//! Groups a robot is in: what owners and operators see (state, stars, sessions), the exits
//! (asked by the owner, forced by an operator, by the rating, by the launch switch) and the
//! daily jobs that rate, sync and purge them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::context::Ctx;
use crate::db::{QueryContext, text_enum};
use crate::deadline::Deadline;
use crate::error::{Error, Result};
use crate::health::{self, Health};
use crate::ids::{GroupId, UserId};
use crate::money::Fen;
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{self, Page, PageRequest, like_escape};
use crate::partners::launch;
use crate::replacements::{self, Replacement};
use crate::settings::{self, GroupSettings, RobotSettings};

pub const REASON_OWNER: &str = "群主要求退群";
pub const REASON_NO_SESSIONS: &str = "会话不足";
pub const REASON_LAUNCH_OFF: &str = "投放开关已关闭，机器人自动退群";
pub const REASON_REMOVED: &str = "机器人被移出群";
pub const REASON_QUIT: &str = "机器人已退群";

text_enum! {
    /// Whether the robot is in a group (groups.state), and if not, why it left.
    pub enum GroupState {
        /// In the group, for its owner: the group earns.
        Active = "active",
        /// Left for want of sessions (the rating's 会话不足).
        Cancelled = "cancelled",
        /// Left: asked by the owner or an operator, by the launch switch, or removed on WeChat.
        Left = "left",
        /// The join did not activate the group (its rules were not met); the robot left.
        Refused = "refused",
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: GroupId,
    pub group_wxid: String,
    pub name: String,
    pub robot_id: i64,
    pub robot_wxid: String,
    pub robot_nickname: String,
    pub state: GroupState,
    /// 1–5 from yesterday's sessions; 0 before the first rating.
    pub stars: i16,
    pub member_count: i32,
    pub sessions_today: i32,
    pub sessions_yesterday: i32,
    pub speakers_today: i32,
    /// The daily income at these stars.
    pub star_income_fen: Fen,
    /// What the next star needs and pays; none at 5★, before the first rating or when not active.
    pub next_star: Option<NextStar>,
    pub joined_at: DateTime<Utc>,
    pub exited_at: Option<DateTime<Utc>>,
    pub exit_reason: Option<String>,
    pub owner_id: Option<UserId>,
    pub owner_nickname: Option<String>,
    /// The health of the group's robot; while it is not `online`, `robot_issue` says why.
    pub robot_health: Health,
    pub robot_issue: Option<String>,
    /// While the robot is out: since when (business time), and the stars the group's income is
    /// protected at on days out longer than the setting (none before a first rating).
    pub outage_since: Option<DateTime<Utc>>,
    pub protected_stars: Option<i16>,
    /// The replacement robot prepared for the group (更换机器人), until it joins.
    pub replacement: Option<Replacement>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NextStar {
    pub stars: i16,
    /// Sessions a day that earn it (counted on the day, rated the next).
    pub sessions: u32,
    /// The daily income at it.
    pub income_fen: Fen,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayActivity {
    pub day: String,
    pub sessions: i32,
    pub speakers: i32,
    pub stars: Option<i16>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: Group,
    /// Oldest first, every day present.
    pub history: Vec<DayActivity>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupList {
    pub items: Vec<Group>,
    pub total: i64,
}

/// The groups' view: `$1` is today, `{silent}` the parameter holding `robots.silent_after_secs`.
fn group_select(silent: &str) -> String {
    format!(
        "SELECT g.id, g.group_wxid, g.name, g.robot_id, r.wxid AS robot_wxid, r.nickname AS robot_nickname,
            g.state, g.stars, g.member_count, g.joined_at, g.exited_at, g.exit_reason, g.owner_id, u.nickname AS owner_nickname,
            coalesce(t.sessions, 0) AS sessions_today, coalesce(t.speakers, 0) AS speakers_today,
            coalesce(y.sessions, 0) AS sessions_yesterday, {health} AS robot_health, r.platform_state,
            o.stars_before AS outage_stars, o.started_at AS outage_since
        FROM groups g JOIN robots r ON r.id = g.robot_id LEFT JOIN users u ON u.id = g.owner_id
        LEFT JOIN group_daily t ON t.group_id = g.id AND t.day = $1
        LEFT JOIN group_daily y ON y.group_id = g.id AND y.day = $1 - 1
        LEFT JOIN group_outages o ON o.group_id = g.id AND o.ended_at IS NULL",
        health = health::health_sql("r", silent)
    )
}

fn group_from_row(row: &tokio_postgres::Row, settings: &GroupSettings) -> Group {
    let stars: i16 = row.get("stars");
    let state: GroupState = row.get("state");
    let robot_health: Health = row.get("robot_health");
    let outage_stars: Option<i16> = row.get("outage_stars");
    Group {
        id: row.get("id"),
        group_wxid: row.get("group_wxid"),
        name: row.get("name"),
        robot_id: row.get("robot_id"),
        robot_wxid: row.get("robot_wxid"),
        robot_nickname: row.get("robot_nickname"),
        state,
        stars,
        member_count: row.get("member_count"),
        sessions_today: row.get("sessions_today"),
        sessions_yesterday: row.get("sessions_yesterday"),
        speakers_today: row.get("speakers_today"),
        star_income_fen: if state == GroupState::Active { Fen::new(settings.income_fen(stars)) } else { Fen::ZERO },
        next_star: settings.next_star(stars).filter(|_| state == GroupState::Active).map(|(next, sessions)| NextStar {
            stars: next,
            sessions,
            income_fen: Fen::new(settings.income_fen(next)),
        }),
        joined_at: row.get("joined_at"),
        exited_at: row.get("exited_at"),
        exit_reason: row.get("exit_reason"),
        owner_id: row.get("owner_id"),
        owner_nickname: row.get("owner_nickname"),
        robot_health,
        robot_issue: health::issue(robot_health, row.get("platform_state")).map(str::to_owned),
        outage_since: row.get("outage_since"),
        protected_stars: outage_stars.filter(|s| *s >= 1),
        replacement: None,
    }
}

/// The groups' views with their open replacements.
async fn views(
    client: &impl GenericClient,
    rows: &[tokio_postgres::Row],
    settings: &GroupSettings,
) -> Result<Vec<Group>> {
    let mut items: Vec<Group> = rows.iter().map(|r| group_from_row(r, settings)).collect();
    let ids: Vec<GroupId> = items.iter().map(|g| g.id).collect();
    let mut open = replacements::open(client, &ids).await?;
    for g in &mut items {
        g.replacement = open.remove(&g.id);
    }
    Ok(items)
}

fn silent_after(robots: &RobotSettings) -> i32 {
    robots.silent_after_secs as i32
}

async fn load(ctx: &Ctx, client: &impl GenericClient, id: GroupId, owner: Option<UserId>) -> Result<Group> {
    let settings: GroupSettings = settings::load(client).await?;
    let robots: RobotSettings = settings::load(client).await?;
    let row = client
        .query_opt(
            &format!("{} WHERE g.id = $2 AND ($3::bigint IS NULL OR g.owner_id = $3)", group_select("$4")),
            &[&ctx.clock.today().date(), &id, &owner, &silent_after(&robots)],
        )
        .await
        .db("failed to load the group")?
        .ok_or_else(|| Error::not_found("群不存在"))?;
    Ok(views(client, &[row], &settings).await?.remove(0))
}

/// One of the owner's groups (not found when it is someone else's).
pub async fn owned(ctx: &Ctx, client: &impl GenericClient, id: GroupId, owner_id: UserId) -> Result<Group> {
    load(ctx, client, id, Some(owner_id)).await
}

async fn history(ctx: &Ctx, client: &impl GenericClient, id: GroupId, days: i64) -> Result<Vec<DayActivity>> {
    let today = ctx.clock.today().date();
    let rows = client
        .query(
            "SELECT d.day, coalesce(a.sessions, 0) AS sessions, coalesce(a.speakers, 0) AS speakers, a.stars
             FROM (SELECT generate_series($2::date - ($3::int - 1), $2::date, interval '1 day')::date AS day) d
             LEFT JOIN group_daily a ON a.group_id = $1 AND a.day = d.day ORDER BY d.day",
            &[&id, &today, &(days as i32)],
        )
        .await
        .db("failed to load the group's history")?;
    Ok(rows
        .iter()
        .map(|r| DayActivity {
            day: BusinessDay::from_date(r.get("day")).to_string(),
            sessions: r.get("sessions"),
            speakers: r.get("speakers"),
            stars: r.get("stars"),
        })
        .collect())
}

/// The owner's groups, active first, newest first.
pub async fn for_owner(ctx: &Ctx, owner_id: UserId) -> Result<GroupList> {
    let client = ctx.db()?.client().await?;
    let settings: GroupSettings = settings::load(&client).await?;
    let robots: RobotSettings = settings::load(&client).await?;
    let rows = client
        .query(
            &format!(
                "{} WHERE g.owner_id = $2 ORDER BY g.state <> 'active', g.joined_at DESC, g.id DESC LIMIT 500",
                group_select("$3")
            ),
            &[&ctx.clock.today().date(), &owner_id, &silent_after(&robots)],
        )
        .await
        .db("failed to list the groups")?;
    let items = views(&client, &rows, &settings).await?;
    Ok(GroupList { total: items.len() as i64, items })
}

/// One of the owner's groups with its last 15 days.
pub async fn owner_detail(ctx: &Ctx, owner_id: UserId, id: GroupId) -> Result<GroupDetail> {
    let client = ctx.db()?.client().await?;
    let group = load(ctx, &client, id, Some(owner_id)).await?;
    Ok(GroupDetail { history: history(ctx, &client, id, 15).await?, group })
}

/// Marks an active group exited and asks its robot to leave. `state_at` orders membership
/// against the platform's events, whose times are real: it takes real time, while `exited_at`
/// (shown, and counted for the purge) takes business time. Answers whether this call made
/// the change (a group already exited stays as it was, with its first reason).
pub async fn exit(
    ctx: &Ctx,
    client: &impl GenericClient,
    id: GroupId,
    state: GroupState,
    reason: &str,
) -> Result<bool> {
    let row = client
        .query_opt(
            "UPDATE groups g SET state = $2, exit_reason = $3, exited_at = $4, state_at = GREATEST(g.state_at, now())
             FROM robots r WHERE g.id = $1 AND g.state = 'active' AND r.id = g.robot_id
             RETURNING r.wxid AS robot_wxid, g.group_wxid",
            &[&id, &state, &reason, &ctx.clock.now()],
        )
        .await
        .db("failed to mark the group exited")?;
    let Some(row) = row else { return Ok(false) };
    leave(ctx, row.get("robot_wxid"), row.get("group_wxid")).await;
    Ok(true)
}

/// Asks the robot platform to take the robot out; a failure is logged (the group is already
/// marked, and the platform's `left_group` event confirms the exit when it comes).
pub async fn leave(ctx: &Ctx, robot_wxid: &str, group_wxid: &str) {
    let result = match ctx.robot() {
        Ok(robot) => robot.leave(robot_wxid, group_wxid).await.map_err(anyhow::Error::new),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    };
    if let Err(e) = result {
        tracing::warn!(error = format!("{e:#}"), "the robot could not be asked to leave");
    }
}

/// A robot pulled into a group, with what the platform's member list says of it.
#[derive(Debug, Clone)]
pub struct Join<'a> {
    pub group_wxid: &'a str,
    pub name: &'a str,
    pub robot_id: i64,
    /// The owner whose paired WeChat id pulled the robot in.
    pub owner_id: i64,
    pub owner_frozen: bool,
    /// Whether the one who pulled the robot in is the group's owner (群主).
    pub by_group_owner: bool,
    /// The larger of the event's count and the member list's.
    pub member_count: i32,
    pub at: DateTime<Utc>,
}

impl Join<'_> {
    /// Why the join cannot activate the group (the robot says it and leaves), or None: it does.
    pub fn refusal(&self, settings: &GroupSettings) -> Option<String> {
        if self.owner_frozen {
            Some("群主账号已冻结".to_owned())
        } else if !self.by_group_owner {
            Some("邀请人不是群主，只有群主拉机器人进群才能激活".to_owned())
        } else if self.member_count < settings.min_members as i32 {
            Some(format!("群成员不足 {} 人（现有 {} 人）", settings.min_members, self.member_count))
        } else {
            None
        }
    }
}

/// Records a join in the caller's transaction: the group active for its owner, or refused with
/// `refusal` as its exit reason; a re-join starts its stars over. A join older than what the
/// group's row already holds changes nothing (a later event about it was applied first):
/// answers whether it was recorded.
pub async fn record_join(client: &impl GenericClient, join: &Join<'_>, refusal: Option<&str>) -> Result<bool> {
    let (state, exited_at) = match refusal {
        None => (GroupState::Active, None),
        Some(_) => (GroupState::Refused, Some(join.at)),
    };
    let row = client
        .query_opt(
            "INSERT INTO groups (group_wxid, name, robot_id, owner_id, state, state_at, member_count, member_count_at,
                                 joined_at, exited_at, exit_reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $6, $8, $9)
             ON CONFLICT (group_wxid) DO UPDATE SET name = EXCLUDED.name, robot_id = EXCLUDED.robot_id,
                 owner_id = EXCLUDED.owner_id, state = EXCLUDED.state, state_at = EXCLUDED.state_at,
                 member_count = EXCLUDED.member_count, member_count_at = EXCLUDED.member_count_at,
                 joined_at = EXCLUDED.joined_at, exited_at = EXCLUDED.exited_at, exit_reason = EXCLUDED.exit_reason,
                 stars = 0, rated_day = NULL
             WHERE groups.state_at < EXCLUDED.state_at
             RETURNING id",
            &[
                &join.group_wxid,
                &join.name,
                &join.robot_id,
                &join.owner_id,
                &state,
                &join.at,
                &join.member_count,
                &exited_at,
                &refusal,
            ],
        )
        .await
        .db("failed to store the group")?;
    Ok(row.is_some())
}

/// `DELETE /api/groups/{id}`: the owner asks the robot to leave.
#[tracing::instrument(skip_all, fields(owner_id, group_id = id.get()))]
pub async fn owner_exit(ctx: &Ctx, owner_id: UserId, id: GroupId) -> Result<Group> {
    let client = ctx.db()?.client().await?;
    let group = load(ctx, &client, id, Some(owner_id)).await?;
    if group.state != GroupState::Active {
        return Err(Error::bad_request("机器人已不在该群"));
    }
    exit(ctx, &client, id, GroupState::Left, REASON_OWNER).await?;
    load(ctx, &client, id, Some(owner_id)).await
}

#[derive(Debug, Default)]
pub struct Search {
    pub q: Option<String>,
    pub state: Option<GroupState>,
    pub robot_id: Option<i64>,
    pub owner_id: Option<UserId>,
}

impl Search {
    pub fn parse(query: &HashMap<String, String>) -> Result<Self> {
        let id = |name: &str| -> Result<Option<i64>> {
            match query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.parse().map(Some).map_err(|_| Error::bad_request(format!("{name} 须为整数"))),
            }
        };
        let q = paging::search_term(query, "q")?;
        let state = paging::search_term(query, "state")?;
        let (robot_id, owner_id) = (id("robot_id")?, id("owner_id")?.map(UserId::new));
        let state = state
            .map(|s| s.parse::<GroupState>())
            .transpose()
            .map_err(|_| Error::bad_request("state 须为 active、cancelled、left 或 refused"))?;
        Ok(Search { q, state, robot_id, owner_id })
    }
}

pub async fn search(ctx: &Ctx, search: Search, page: PageRequest) -> Result<Page<Group>> {
    let client = ctx.db()?.client().await?;
    let settings: GroupSettings = settings::load(&client).await?;
    let robots: RobotSettings = settings::load(&client).await?;
    let pattern = search.q.as_deref().map(|q| format!("%{}%", like_escape(q)));
    let filter = "($2::text IS NULL OR g.name ILIKE $2 OR g.group_wxid ILIKE $2)
        AND ($3::text IS NULL OR g.state = $3) AND ($4::bigint IS NULL OR g.robot_id = $4)
        AND ($5::bigint IS NULL OR g.owner_id = $5)";
    let today = ctx.clock.today().date();
    let total: i64 = client
        .query_one(
            &format!("SELECT count(*) AS total FROM groups g WHERE $1::date IS NOT NULL AND {filter}"),
            &[&today, &pattern, &search.state, &search.robot_id, &search.owner_id],
        )
        .await
        .db("failed to count groups")?
        .get("total");
    let rows = client
        .query(
            &format!("{} WHERE {filter} ORDER BY g.id DESC LIMIT $6 OFFSET $7", group_select("$8")),
            &[
                &today,
                &pattern,
                &search.state,
                &search.robot_id,
                &search.owner_id,
                &page.page_size,
                &page.offset(),
                &silent_after(&robots),
            ],
        )
        .await
        .db("failed to search groups")?;
    Ok(Page::new(views(&client, &rows, &settings).await?, total, page))
}

/// A group for the console, with its last 30 days.
pub async fn console_detail(ctx: &Ctx, id: GroupId) -> Result<GroupDetail> {
    let client = ctx.db()?.client().await?;
    let group = load(ctx, &client, id, None).await?;
    Ok(GroupDetail { history: history(ctx, &client, id, 30).await?, group })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForceExit {
    /// 1 to 100 characters once trimmed.
    #[schema(pattern = r"^\s*\S(?:[\s\S]{0,98}\S)?\s*$")]
    pub reason: String,
}

/// An operator makes the robot leave a group, with a reason the owner sees.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, group_id = id.get()))]
pub async fn force_exit(ctx: &Ctx, by: &ConsolePrincipal, id: GroupId, request: ForceExit) -> Result<Group> {
    by.require(operators::CONTENT_EDITORS)?;
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 100 {
        return Err(Error::bad_request("reason 须为 1 到 100 个字"));
    }
    let mut client = ctx.db()?.client().await?;
    let group = load(ctx, &client, id, None).await?;
    if group.state != GroupState::Active {
        return Err(Error::bad_request("机器人已不在该群"));
    }
    let tx = client.transaction().await.db("failed to begin")?;
    let reason = format!("运营退群：{reason}");
    operators::audit(&tx, by.operator.id, "group.exit", Some(&id.to_string()), serde_json::json!({"reason": reason}))
        .await?;
    tx.execute(
        "UPDATE groups SET state = 'left', exit_reason = $2, exited_at = $3, state_at = GREATEST(state_at, now())
         WHERE id = $1 AND state = 'active'",
        &[&id, &reason, &ctx.clock.now()],
    )
    .await
    .db("failed to mark the group exited")?;
    tx.commit().await.db("failed to commit the exit")?;
    leave(ctx, &group.robot_wxid, &group.group_wxid).await;
    load(ctx, &client, id, None).await
}

/// How far back the rating looks for days that count toward a cancellation (past outages).
const LOOK_BACK_DAYS: i32 = 60;

#[derive(Debug, Serialize)]
pub struct RatingReport {
    pub day: BusinessDay,
    pub rated: u64,
    pub cancelled: usize,
}

/// group-rating (00:30): yesterday's stars of every active group, and cancellation (会话不足)
/// of those without a session for `cancel_after_days` days. Rerunning it changes nothing.
#[tracing::instrument(skip_all)]
pub async fn rate(ctx: &Ctx, deadline: Deadline) -> Result<RatingReport> {
    use futures::StreamExt as _;
    let today = ctx.clock.today();
    let day = today.pred();
    let client = ctx.db()?.client().await?;
    let settings: GroupSettings = settings::load(&client).await?;
    let thresholds: Vec<i64> = settings.star_thresholds.iter().map(|t| i64::from(*t)).collect();
    let robots: RobotSettings = settings::load(&client).await?;
    // Each group's outage on the day (its robot out of service, business time), and the stars
    // its income is protected at: those it held before an outage started within the protected
    // days, when the day was out longer than the setting.
    let rated = client
        .execute(
            "WITH out AS (
                 SELECT o.group_id,
                        sum(EXTRACT(EPOCH FROM least(coalesce(o.ended_at, $5), $5) - greatest(o.started_at, $4)))::int AS secs,
                        max(o.stars_before) FILTER (
                            WHERE (o.started_at AT TIME ZONE 'Asia/Shanghai')::date > $1::date - $7::int) AS stars_before
                 FROM group_outages o
                 WHERE o.started_at < $5 AND (o.ended_at IS NULL OR o.ended_at > $4)
                 GROUP BY o.group_id),
             rated AS (
                 INSERT INTO group_daily (group_id, day, stars, outage_secs, protected_stars)
                 SELECT g.id, $1, group_stars(coalesce(d.sessions, 0), $3::bigint[]), least(coalesce(out.secs, 0), 86400),
                        CASE WHEN out.secs > $6::int * 60 AND out.stars_before BETWEEN 1 AND 5 THEN out.stars_before END
                 FROM groups g LEFT JOIN group_daily d ON d.group_id = g.id AND d.day = $1
                 LEFT JOIN out ON out.group_id = g.id
                 WHERE g.state = 'active' AND g.joined_at < $2
                 ON CONFLICT (group_id, day) DO UPDATE
                 SET stars = EXCLUDED.stars, outage_secs = EXCLUDED.outage_secs, protected_stars = EXCLUDED.protected_stars
                 RETURNING group_id, stars)
             UPDATE groups g SET stars = rated.stars, rated_day = $1 FROM rated WHERE g.id = rated.group_id",
            &[
                &day.date(),
                &today.start(),
                &thresholds,
                &day.start(),
                &today.start(),
                &(robots.protect_after_mins as i32),
                &(robots.protect_days as i32),
            ],
        )
        .await
        .db("failed to rate the groups")?;
    // Cancelled: the last `cancel_after_days` whole days in the group that its robot was never out
    // (outage days do not count) had no session. Those include every day of the last window that
    // was not out: the first condition narrows the groups the second looks back for.
    let window = i32::try_from(settings.cancel_after_days).unwrap_or(3);
    let first = BusinessDay::from_date(today.date() - Duration::days(i64::from(window)));
    let quiet = client
        .query(
            "SELECT g.id FROM groups g
             WHERE g.state = 'active' AND g.joined_at < $1
               AND NOT EXISTS (SELECT 1 FROM group_daily d WHERE d.group_id = g.id AND d.day >= $2 AND d.day < $3
                               AND d.sessions > 0 AND d.outage_secs = 0)
               AND (SELECT count(*) = $4 AND coalesce(sum(counted.sessions), 0) = 0
                    FROM (SELECT coalesce(d.sessions, 0) AS sessions
                          FROM generate_series($3::date - $5::int, $3::date - 1, interval '1 day') AS s(day)
                          LEFT JOIN group_daily d ON d.group_id = g.id AND d.day = s.day::date
                          WHERE s.day::timestamp AT TIME ZONE 'Asia/Shanghai' >= g.joined_at
                            AND coalesce(d.outage_secs, 0) = 0
                          ORDER BY s.day DESC LIMIT $4) counted)",
            &[&first.start(), &first.date(), &today.date(), &i64::from(window), &LOOK_BACK_DAYS],
        )
        .await
        .db("failed to find quiet groups")?;
    // Each exit asks the platform to take the robot out (8 s at worst): a few at once, none
    // started once the deadline says stop. A group not reached stays active and quiet, and the
    // next run cancels it.
    let ids: Vec<GroupId> = quiet.iter().map(|r| r.get("id")).collect();
    let exits: Vec<_> = ids
        .iter()
        .map(|id| async {
            if !deadline.has_time() {
                return Ok(false);
            }
            exit(ctx, &client, *id, GroupState::Cancelled, REASON_NO_SESSIONS).await
        })
        .collect();
    let exited: Vec<Result<bool>> = futures::stream::iter(exits).buffer_unordered(LEAVES_AT_ONCE).collect().await;
    let mut cancelled = 0;
    for e in exited {
        if e? {
            cancelled += 1;
        }
    }
    tracing::info!(%day, rated, cancelled, "groups rated");
    Ok(RatingReport { day, rated, cancelled })
}

#[derive(Debug, Serialize)]
pub struct LaunchReport {
    pub checked: usize,
    pub left: usize,
    /// The group id this run resumed after (0: it started a new pass over every active group).
    pub resumed_after: i64,
    /// Whether this run reached the last active group (the next run starts a new pass).
    pub pass_finished: bool,
}

/// The job whose cursor launch-sync keeps in `job_cursors`.
const LAUNCH_SYNC: &str = "launch-sync";

/// How many groups the robot is asked to leave at once (each call may take the platform's 8 s).
pub const LEAVES_AT_ONCE: usize = 8;

/// launch-sync (hourly): every active group's launch switch; the robot leaves groups whose
/// switch is off. A pass over every group may take several runs: each resumes after the last
/// group the one before it finished (a cursor saved per chunk), and stops taking chunks when its
/// deadline says stop.
#[tracing::instrument(skip_all)]
pub async fn sync_launch(ctx: &Ctx, deadline: Deadline) -> Result<LaunchReport> {
    use futures::StreamExt as _;
    let client = ctx.db()?.client().await?;
    let resumed_after: i64 = client
        .query_one(
            "INSERT INTO job_cursors (job) VALUES ($1) ON CONFLICT (job) DO UPDATE SET job = EXCLUDED.job RETURNING position",
            &[&LAUNCH_SYNC],
        )
        .await
        .db("failed to read the launch-sync cursor")?
        .get("position");
    let mut report = LaunchReport { checked: 0, left: 0, resumed_after, pass_finished: false };
    let mut after = resumed_after;
    while deadline.has_time() {
        let rows = client
            .query(
                "SELECT id, group_wxid FROM groups WHERE state = 'active' AND id > $1 ORDER BY id LIMIT $2",
                &[&after, &(launch::CHUNK as i64)],
            )
            .await
            .db("failed to list active groups")?;
        if rows.is_empty() {
            client
                .execute(
                    "UPDATE job_cursors SET position = 0, last_pass_at = now(), pass_started_at = now(), updated_at = now()
                     WHERE job = $1",
                    &[&LAUNCH_SYNC],
                )
                .await
                .db("failed to close the launch-sync pass")?;
            report.pass_finished = true;
            break;
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.get("id")).collect();
        let wxids: Vec<String> = rows.iter().map(|r| r.get("group_wxid")).collect();
        let switches: HashMap<String, bool> = ctx.launch()?.switches(&wxids).await.map_err(Error::Unexpected)?;
        let on: Vec<bool> = wxids.iter().map(|w| switches.get(w).copied().unwrap_or(true)).collect();
        // One statement per chunk, not one per group.
        client
            .execute(
                "UPDATE groups g SET launch_on = s.switch_on FROM unnest($1::bigint[], $2::bool[]) AS s(id, switch_on)
                 WHERE g.id = s.id AND g.launch_on IS DISTINCT FROM s.switch_on",
                &[&ids, &on],
            )
            .await
            .db("failed to store the launch switches")?;
        let off: Vec<i64> = ids.iter().zip(&on).filter(|(_, on)| !**on).map(|(id, _)| *id).collect();
        let exits: Vec<_> =
            off.iter().map(|id| exit(ctx, &client, GroupId::new(*id), GroupState::Left, REASON_LAUNCH_OFF)).collect();
        let exited: Vec<Result<bool>> = futures::stream::iter(exits).buffer_unordered(LEAVES_AT_ONCE).collect().await;
        for e in exited {
            if e? {
                report.left += 1;
            }
        }
        report.checked += ids.len();
        after = *ids.last().expect("the chunk is not empty");
        client
            .execute("UPDATE job_cursors SET position = $2, updated_at = now() WHERE job = $1", &[&LAUNCH_SYNC, &after])
            .await
            .db("failed to save the launch-sync cursor")?;
    }
    tracing::info!(
        checked = report.checked,
        left = report.left,
        resumed_after,
        pass_finished = report.pass_finished,
        "launch switches synced"
    );
    Ok(report)
}

#[derive(Debug, Serialize)]
pub struct PurgeReport {
    pub groups: u64,
    pub messages: u64,
    pub speakers: u64,
    pub events: u64,
}

/// Redeliveries come within minutes; the hot path's idempotency rows are kept this long.
const DEDUP_DAYS: i64 = 3;

/// group-purge (daily): cancelled and left groups after `purge_after_days`, and the hot path's
/// idempotency rows after a few days.
#[tracing::instrument(skip_all)]
pub async fn purge(ctx: &Ctx) -> Result<PurgeReport> {
    let client = ctx.db()?.client().await?;
    let settings: GroupSettings = settings::load(&client).await?;
    let before = ctx.clock.now() - Duration::days(i64::from(settings.purge_after_days));
    let groups = client
        .execute("DELETE FROM groups WHERE state <> 'active' AND exited_at < $1", &[&before])
        .await
        .db("failed to purge groups")?;
    let oldest = ctx.clock.today().date() - Duration::days(DEDUP_DAYS);
    let messages =
        client.execute("DELETE FROM group_messages WHERE day < $1", &[&oldest]).await.db("failed to purge messages")?;
    let speakers =
        client.execute("DELETE FROM group_speakers WHERE day < $1", &[&oldest]).await.db("failed to purge speakers")?;
    let events = client
        .execute("DELETE FROM robot_events_done WHERE done_at < now() - interval '7 days'", &[])
        .await
        .db("failed to purge events")?;
    client
        .execute("DELETE FROM pairing_codes WHERE expires_at < now() - interval '7 days'", &[])
        .await
        .db("failed to purge pairing codes")?;
    tracing::info!(groups, messages, speakers, events, "groups purged");
    Ok(PurgeReport { groups, messages, speakers, events })
}

/// Groups by the stars they held each day (rated the night before from the previous day's
/// sessions, so today is known too), for the dashboard.
pub async fn stars_by_day(ctx: &Ctx, from: BusinessDay, to: BusinessDay) -> Result<HashMap<BusinessDay, [i64; 5]>> {
    let rows = ctx
        .db()?
        .client()
        .await?
        .query(
            "SELECT day + 1 AS held_on, stars, count(*) AS groups FROM group_daily
             WHERE day BETWEEN $1 AND $2 AND stars IS NOT NULL GROUP BY 1, 2",
            &[&from.pred().date(), &to.pred().date()],
        )
        .await
        .db("failed to count groups by stars")?;
    let mut out: HashMap<BusinessDay, [i64; 5]> = HashMap::new();
    for r in rows {
        let stars: i16 = r.get("stars");
        if (1..=5).contains(&stars) {
            out.entry(BusinessDay::from_date(r.get("held_on"))).or_default()[stars as usize - 1] = r.get("groups");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_activates_only_by_an_unfrozen_group_owner_with_enough_members() {
        let settings = GroupSettings::default();
        let join = Join {
            group_wxid: "g@chatroom",
            name: "群",
            robot_id: 1,
            owner_id: 2,
            owner_frozen: false,
            by_group_owner: true,
            member_count: 20,
            at: DateTime::UNIX_EPOCH,
        };
        let cases = [
            (join.clone(), None, "the owner of a group of the minimum size"),
            (Join { owner_frozen: true, ..join.clone() }, Some("群主账号已冻结"), "frozen"),
            (
                Join { by_group_owner: false, ..join.clone() },
                Some("邀请人不是群主，只有群主拉机器人进群才能激活"),
                "not the group's owner",
            ),
            (Join { member_count: 19, ..join.clone() }, Some("群成员不足 20 人（现有 19 人）"), "too small"),
            (
                Join { owner_frozen: true, by_group_owner: false, member_count: 1, ..join },
                Some("群主账号已冻结"),
                "frozen first",
            ),
        ];
        for (join, refusal, case) in cases {
            assert_eq!(join.refusal(&settings).as_deref(), refusal, "{case}");
        }
    }
}
