//! Robots and their distribution (机器人分配). Operators register robots; each business day a
//! snapshot records every robot's free places, and Redis keeps the day's counters under the old
//! system's names (`GPET:ROBOT_SNAPSHOT_{day}`, `…_DISTRIBUTE_…`, `…_DISPLAY_…`, `…_ACTIVATED_…`,
//! hashes of robot id → count). An assignment picks robots in one Lua script, so concurrent
//! requests can never hand out more displays than the snapshot and the strategy allow.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use deadpool_postgres::GenericClient;
use rand::Rng;
use redis::Script;
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result, Unexpected};
use crate::governor;
use crate::groups::GroupState;
use crate::health::{self, Health, RiskEvent};
use crate::ids::{GroupId, UserId};
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest, like_escape};
use crate::settings::{self, DistributionSettings, RobotSettings};

/// Counters outlive their day long enough for the next day's snapshot job to fold them.
const COUNTER_SECS: i64 = 3 * 24 * 3600;
/// A pairing code is valid a day.
const PAIRING_HOURS: i64 = 24;
const PAIRING_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The four counters of a day, by kind.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    Snapshot,
    Distributed,
    Displayed,
    Activated,
}

impl Counter {
    fn key(self, ctx: &Ctx, day: BusinessDay) -> Result<String> {
        let name = match self {
            Counter::Snapshot => "SNAPSHOT",
            Counter::Distributed => "DISTRIBUTE",
            Counter::Displayed => "DISPLAY",
            Counter::Activated => "ACTIVATED",
        };
        // The day is the hash tag: the assignment script touches a day's four counters at once,
        // and in cluster mode its keys must share a slot.
        Ok(ctx.cache()?.key(format!("GPET:ROBOT_{name}_{{{}}}", day.compact())))
    }
}

/// One robot's use on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RobotUse {
    pub snapshot_free: i64,
    pub distributed: i64,
    pub displayed: i64,
    pub activated: i64,
}

impl RobotUse {
    fn add(&mut self, other: RobotUse) {
        self.snapshot_free += other.snapshot_free;
        self.distributed += other.distributed;
        self.displayed += other.displayed;
        self.activated += other.activated;
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Robot {
    pub id: i64,
    pub platform_id: String,
    pub wxid: String,
    pub nickname: String,
    pub qr_code_url: String,
    pub capacity: i32,
    pub enabled: bool,
    /// Active groups now.
    pub groups: i64,
    /// capacity − groups.
    pub free: i64,
    pub today: RobotUse,
    pub created_at: DateTime<Utc>,
    /// Offered and sending only when `online`.
    pub health: Health,
    /// Why it is not online, in words (the platform's word, the quarantine's reason).
    pub health_reason: Option<String>,
    /// When gpet last heard its heartbeat (real time); none: never.
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    /// Sends the governor gave it today (business day).
    pub sends_today: i64,
    /// Until when its sends pause after the platform's risk control refused one.
    pub paused_until: Option<DateTime<Utc>>,
    /// Its last risk events, newest first.
    pub risk_events: Vec<RiskEvent>,
}

/// The robots' columns; `{silent}` is the parameter holding `robots.silent_after_secs`.
fn robot_columns(silent: &str) -> String {
    format!(
        "r.id, r.platform_id, r.wxid, r.nickname, r.qr_code_url, r.capacity, r.enabled, r.created_at,
        (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active') AS groups,
        {} AS health, r.platform_state, r.quarantine_reason, r.last_heartbeat_at",
        health::health_sql("r", silent)
    )
}

fn robot_from_row(row: &tokio_postgres::Row, today: RobotUse) -> Robot {
    let capacity: i32 = row.get("capacity");
    let groups: i64 = row.get("groups");
    let health: Health = row.get("health");
    Robot {
        id: row.get("id"),
        platform_id: row.get("platform_id"),
        wxid: row.get("wxid"),
        nickname: row.get("nickname"),
        qr_code_url: row.get("qr_code_url"),
        capacity,
        enabled: row.get("enabled"),
        groups,
        free: (i64::from(capacity) - groups).max(0),
        today,
        created_at: row.get("created_at"),
        health,
        health_reason: match health {
            Health::Quarantined => row.get("quarantine_reason"),
            _ => health::issue(health, row.get("platform_state")).map(str::to_owned),
        },
        last_heartbeat_at: row.get("last_heartbeat_at"),
        sends_today: 0,
        paused_until: None,
        risk_events: Vec::new(),
    }
}

/// Fills what the governor and the risk events say of these robots.
async fn with_sends(ctx: &Ctx, client: &impl GenericClient, robots: &mut [Robot]) -> Result<()> {
    let ids: Vec<i64> = robots.iter().map(|r| r.id).collect();
    let sends = governor::state(ctx, &ids).await?;
    let mut events = health::recent(client, &ids, RISK_EVENTS_SHOWN).await?;
    for r in robots {
        let state = sends.get(&r.id).copied().unwrap_or_default();
        r.sends_today = state.sends_today;
        r.paused_until = state.paused_until;
        r.risk_events = events.remove(&r.id).unwrap_or_default();
    }
    Ok(())
}

/// Risk events listed per robot.
const RISK_EVENTS_SHOWN: i64 = 5;

async fn silent_after(client: &impl GenericClient) -> Result<i32> {
    Ok(settings::load::<RobotSettings>(client).await?.silent_after_secs as i32)
}

/// Today's counters of every robot, from Redis.
async fn todays_use(ctx: &Ctx, day: BusinessDay) -> Result<HashMap<i64, RobotUse>> {
    let mut redis = ctx.cache()?.conn();
    let mut pipe = redis::pipe();
    for counter in [Counter::Snapshot, Counter::Distributed, Counter::Displayed, Counter::Activated] {
        pipe.hgetall(counter.key(ctx, day)?);
    }
    type Counts = HashMap<String, i64>;
    let (snapshot, distributed, displayed, activated): (Counts, Counts, Counts, Counts) =
        pipe.query_async(&mut redis).await.unexpected("failed to read the robot counters")?;
    let mut out: HashMap<i64, RobotUse> = HashMap::new();
    let mut put = |map: HashMap<String, i64>, set: fn(&mut RobotUse, i64)| {
        for (robot, n) in map {
            if let Ok(id) = robot.parse::<i64>() {
                set(out.entry(id).or_default(), n);
            }
        }
    };
    put(snapshot, |u, n| u.snapshot_free = n);
    put(distributed, |u, n| u.distributed = n);
    put(displayed, |u, n| u.displayed = n);
    put(activated, |u, n| u.activated = n);
    Ok(out)
}

pub async fn list(ctx: &Ctx, q: Option<&str>, page: PageRequest) -> Result<Page<Robot>> {
    let client = ctx.db()?.client().await?;
    let pattern = q.map(|q| format!("%{}%", like_escape(q)));
    let filter = "($1::text IS NULL OR r.wxid ILIKE $1 OR r.nickname ILIKE $1 OR r.platform_id ILIKE $1)";
    let total: i64 = client
        .query_one(&format!("SELECT count(*) AS total FROM robots r WHERE {filter}"), &[&pattern])
        .await
        .db("failed to count robots")?
        .get("total");
    let rows = client
        .query(
            &format!("SELECT {} FROM robots r WHERE {filter} ORDER BY r.id LIMIT $2 OFFSET $3", robot_columns("$4")),
            &[&pattern, &page.page_size, &page.offset(), &silent_after(&client).await?],
        )
        .await
        .db("failed to list robots")?;
    let today = todays_use(ctx, ctx.clock.today()).await?;
    let mut items: Vec<Robot> =
        rows.iter().map(|r| robot_from_row(r, today.get(&r.get("id")).copied().unwrap_or_default())).collect();
    with_sends(ctx, &client, &mut items).await?;
    Ok(Page::new(items, total, page))
}

async fn one(ctx: &Ctx, client: &impl GenericClient, id: i64) -> Result<Robot> {
    let row = client
        .query_opt(
            &format!("SELECT {} FROM robots r WHERE r.id = $1", robot_columns("$2")),
            &[&id, &silent_after(client).await?],
        )
        .await
        .db("failed to load the robot")?
        .ok_or_else(|| Error::not_found("机器人不存在"))?;
    let today = todays_use(ctx, ctx.clock.today()).await?;
    let mut robot = [robot_from_row(&row, today.get(&id).copied().unwrap_or_default())];
    with_sends(ctx, client, &mut robot).await?;
    let [robot] = robot;
    Ok(robot)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRobot {
    /// 1 to 64 characters (trimmed), as are `wxid` and `nickname`.
    #[schema(min_length = 1)]
    pub platform_id: String,
    #[schema(min_length = 1)]
    pub wxid: String,
    #[schema(min_length = 1)]
    pub nickname: String,
    /// An http(s) URL of at most 1024 characters.
    #[schema(min_length = 1)]
    pub qr_code_url: String,
    /// Groups it may serve at once.
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: i32,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RobotChange {
    #[schema(min_length = 1)]
    pub nickname: Option<String>,
    #[schema(min_length = 1)]
    pub qr_code_url: Option<String>,
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: Option<i32>,
    pub enabled: Option<bool>,
}

fn field(name: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(Error::bad_request(format!("{name} 须为 1 到 {max} 个字符")));
    }
    Ok(value.to_owned())
}

fn capacity(value: i32) -> Result<i32> {
    if (1..=10_000).contains(&value) {
        Ok(value)
    } else {
        Err(Error::bad_request("capacity 须在 1 到 10000 之间"))
    }
}

fn qr_url(value: &str) -> Result<String> {
    let value = field("qr_code_url", value, 1024)?;
    match url::Url::parse(&value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(value),
        _ => Err(Error::bad_request("qr_code_url 须为 http(s) 网址")),
    }
}

/// Registers a robot. A robot registered during the day gets today's snapshot at once (all its
/// places free), so it can be offered today.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn create(ctx: &Ctx, by: &ConsolePrincipal, new: NewRobot) -> Result<Robot> {
    by.require(operators::CONTENT_EDITORS)?;
    let (platform_id, wxid) = (field("platform_id", &new.platform_id, 64)?, field("wxid", &new.wxid, 64)?);
    let (nickname, qr) = (field("nickname", &new.nickname, 64)?, qr_url(&new.qr_code_url)?);
    let capacity = capacity(new.capacity)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let row = tx
        .query_opt(
            "INSERT INTO robots (platform_id, wxid, nickname, qr_code_url, capacity, enabled)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING RETURNING id",
            &[&platform_id, &wxid, &nickname, &qr, &capacity, &new.enabled],
        )
        .await
        .db("failed to register the robot")?;
    let id: i64 = match row {
        Some(row) => row.get("id"),
        None => return Err(Error::rejected(Code::CreateFailed, "平台 ID 或微信号已被其他机器人使用").with_status(409)),
    };
    tx.execute(
        "INSERT INTO robot_snapshots (day, robot_id, free_places) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&ctx.clock.today().date(), &id, &capacity],
    )
    .await
    .db("failed to snapshot the new robot")?;
    operators::audit(
        &tx,
        by.operator.id,
        "robot.create",
        Some(&id.to_string()),
        serde_json::json!({"wxid": wxid, "capacity": capacity}),
    )
    .await?;
    tx.commit().await.db("failed to commit the robot")?;
    take_snapshot(ctx, &client, ctx.clock.today()).await?;
    one(ctx, &client, id).await
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, robot_id = id))]
pub async fn update(ctx: &Ctx, by: &ConsolePrincipal, id: i64, change: RobotChange) -> Result<Robot> {
    by.require(operators::CONTENT_EDITORS)?;
    let nickname = change.nickname.as_deref().map(|v| field("nickname", v, 64)).transpose()?;
    let qr = change.qr_code_url.as_deref().map(qr_url).transpose()?;
    let cap = change.capacity.map(capacity).transpose()?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    const AUDITED: &str = "nickname, qr_code_url, capacity, enabled";
    let fields = |r: &tokio_postgres::Row| {
        serde_json::json!({"nickname": r.get::<_, String>("nickname"), "qr_code_url": r.get::<_, String>("qr_code_url"),
            "capacity": r.get::<_, i32>("capacity"), "enabled": r.get::<_, bool>("enabled")})
    };
    let before = tx
        .query_opt(&format!("SELECT {AUDITED} FROM robots WHERE id = $1 FOR UPDATE"), &[&id])
        .await
        .db("failed to load the robot")?
        .ok_or_else(|| Error::not_found("机器人不存在"))?;
    let after = tx
        .query_one(
            &format!(
                "UPDATE robots SET nickname = coalesce($2, nickname), qr_code_url = coalesce($3, qr_code_url),
                     capacity = coalesce($4, capacity), enabled = coalesce($5, enabled), updated_at = now()
                 WHERE id = $1 RETURNING {AUDITED}"
            ),
            &[&id, &nickname, &qr, &cap, &change.enabled],
        )
        .await
        .db("failed to update the robot")?;
    let detail = operators::changed_fields(&fields(&before), &fields(&after));
    operators::audit(&tx, by.operator.id, "robot.update", Some(&id.to_string()), detail).await?;
    tx.commit().await.db("failed to commit the robot")?;
    // A disabled robot leaves today's offer at once (an enabled one joins it).
    take_snapshot(ctx, &client, ctx.clock.today()).await?;
    one(ctx, &client, id).await
}

/// An operator quarantines a robot ([`health::quarantine`]): the robot as the console shows it.
pub async fn quarantine(ctx: &Ctx, by: &ConsolePrincipal, id: i64, request: health::Quarantine) -> Result<Robot> {
    health::quarantine(ctx, by, id, request).await?;
    one(ctx, &ctx.db()?.client().await?, id).await
}

/// An operator ends a robot's quarantine ([`health::release`]): the robot as the console shows it.
pub async fn release(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<Robot> {
    health::release(ctx, by, id).await?;
    one(ctx, &ctx.db()?.client().await?, id).await
}

/// Takes `day`'s snapshot if it was not taken (a robot's free places = capacity − its active
/// groups) and loads it into Redis. Taking it twice changes nothing.
pub async fn take_snapshot(ctx: &Ctx, client: &impl GenericClient, day: BusinessDay) -> Result<usize> {
    client
        .execute(
            "INSERT INTO robot_snapshots (day, robot_id, free_places)
             SELECT $1, r.id, GREATEST(r.capacity - (SELECT count(*) FROM groups g WHERE g.robot_id = r.id AND g.state = 'active'), 0)
             FROM robots r WHERE r.enabled
             ON CONFLICT DO NOTHING",
            &[&day.date()],
        )
        .await
        .db("failed to take the robot snapshot")?;
    let rows = client
        .query(
            "SELECT s.robot_id, s.free_places FROM robot_snapshots s JOIN robots r ON r.id = s.robot_id
             WHERE s.day = $1 AND r.enabled",
            &[&day.date()],
        )
        .await
        .db("failed to load the robot snapshot")?;
    let key = Counter::Snapshot.key(ctx, day)?;
    let mut pipe = redis::pipe();
    pipe.atomic().del(&key).ignore();
    // "_" keeps the hash present on a day without robots, so the snapshot is not taken again.
    pipe.hset(&key, "_", 0).ignore();
    for row in &rows {
        pipe.hset(&key, row.get::<_, i64>("robot_id"), row.get::<_, i32>("free_places")).ignore();
    }
    pipe.expire(&key, COUNTER_SECS).ignore();
    let mut redis = ctx.cache()?.conn();
    let _: () = pipe.query_async(&mut redis).await.unexpected("failed to cache the robot snapshot")?;
    Ok(rows.len())
}

#[derive(Debug, Serialize)]
pub struct SnapshotReport {
    pub day: BusinessDay,
    pub robots: usize,
    pub folded_day: BusinessDay,
    pub folded: u64,
}

/// The robot-snapshot job (00:00): yesterday's counters into PostgreSQL, then today's snapshot.
#[tracing::instrument(skip_all)]
pub async fn snapshot_job(ctx: &Ctx) -> Result<SnapshotReport> {
    let today = ctx.clock.today();
    let yesterday = today.pred();
    let used = todays_use(ctx, yesterday).await?;
    let client = ctx.db()?.client().await?;
    let ids: Vec<i64> = used.keys().copied().collect();
    let dist: Vec<i32> = ids.iter().map(|id| used[id].distributed as i32).collect();
    let disp: Vec<i32> = ids.iter().map(|id| used[id].displayed as i32).collect();
    let act: Vec<i32> = ids.iter().map(|id| used[id].activated as i32).collect();
    // GREATEST: a rerun after Redis lost the counters never lowers what was folded.
    let folded = client
        .execute(
            "UPDATE robot_snapshots s SET distributed = GREATEST(s.distributed, u.dist), displayed = GREATEST(s.displayed, u.disp),
                 activated = GREATEST(s.activated, u.act)
             FROM unnest($2::bigint[], $3::int[], $4::int[], $5::int[]) AS u(robot_id, dist, disp, act)
             WHERE s.day = $1 AND s.robot_id = u.robot_id",
            &[&yesterday.date(), &ids, &dist, &disp, &act],
        )
        .await
        .db("failed to fold the robot counters")?;
    let robots = take_snapshot(ctx, &client, today).await?;
    tracing::info!(%today, robots, folded, "robot snapshot");
    Ok(SnapshotReport { day: today, robots, folded_day: yesterday, folded })
}

/// Robots' use per day for the dashboard: stored days from PostgreSQL, today from Redis.
pub async fn use_by_day(ctx: &Ctx, from: BusinessDay, to: BusinessDay) -> Result<HashMap<BusinessDay, RobotUse>> {
    let rows = ctx
        .db()?
        .client()
        .await?
        .query(
            "SELECT day, sum(free_places)::bigint AS snapshot_free, coalesce(sum(distributed), 0)::bigint AS distributed,
                    coalesce(sum(displayed), 0)::bigint AS displayed, coalesce(sum(activated), 0)::bigint AS activated
             FROM robot_snapshots WHERE day BETWEEN $1 AND $2 GROUP BY day",
            &[&from.date(), &to.date()],
        )
        .await
        .db("failed to load robot use")?;
    let mut out: HashMap<BusinessDay, RobotUse> = rows
        .iter()
        .map(|r| {
            (
                BusinessDay::from_date(r.get("day")),
                RobotUse {
                    snapshot_free: r.get("snapshot_free"),
                    distributed: r.get("distributed"),
                    displayed: r.get("displayed"),
                    activated: r.get("activated"),
                },
            )
        })
        .collect();
    let today = ctx.clock.today();
    if (from..=to).contains(&today) {
        let mut live = RobotUse::default();
        for u in todays_use(ctx, today).await?.into_values() {
            live.add(u);
        }
        let stored = out.entry(today).or_default();
        // The snapshot's free places are in both; the counters only in Redis until tomorrow.
        *stored = RobotUse { snapshot_free: stored.snapshot_free.max(live.snapshot_free), ..live };
    }
    Ok(out)
}

/// Counts an activation in today's counters.
pub async fn count_activation(ctx: &Ctx, robot_id: i64) -> Result<()> {
    let key = Counter::Activated.key(ctx, ctx.clock.today())?;
    let mut redis = ctx.cache()?.conn();
    let _: () = redis::pipe()
        .hincr(&key, robot_id, 1)
        .ignore()
        .expire(&key, COUNTER_SECS)
        .ignore()
        .query_async(&mut redis)
        .await
        .unexpected("failed to count the activation")?;
    Ok(())
}

/// Picks robots for one request: for each robot of the snapshot, distributed = floor(free ×
/// released %); a robot may be offered while displayed < distributed × rate and activated <
/// free; the least displayed first. Answers ["missing"] when the day has no snapshot yet.
const ASSIGN_SCRIPT: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing'} end
local pct, rate, amount, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local out = {}
for i = 5, #ARGV do out[ARGV[i]] = true end
local snap = redis.call('HGETALL', KEYS[1])
local candidates = {}
for i = 1, #snap, 2 do
  local robot, free = snap[i], tonumber(snap[i + 1])
  if robot ~= '_' and free > 0 and not out[robot] then
    local dist = math.floor(free * pct / 100)
    redis.call('HSET', KEYS[2], robot, dist)
    local shown = tonumber(redis.call('HGET', KEYS[3], robot) or '0')
    local activated = tonumber(redis.call('HGET', KEYS[4], robot) or '0')
    if shown < dist * rate and activated < free then
      candidates[#candidates + 1] = {robot, shown}
    end
  end
end
table.sort(candidates, function(a, b)
  if a[2] == b[2] then return tonumber(a[1]) < tonumber(b[1]) end
  return a[2] < b[2]
end)
local chosen = {'ok'}
for i = 1, math.min(amount, #candidates) do
  redis.call('HINCRBY', KEYS[3], candidates[i][1], 1)
  chosen[#chosen + 1] = candidates[i][1]
end
for k = 2, 4 do redis.call('EXPIRE', KEYS[k], ttl) end
return chosen
"#;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub robot_id: i64,
    pub robot_wxid: String,
    pub nickname: String,
    pub qr_code_url: String,
    /// Sent with the friend request: pairs the owner's WeChat with this account.
    pub pairing_code: String,
    pub expires_at: DateTime<Utc>,
    /// When the owner's WeChat was paired with this robot by the code (none yet).
    pub paired_at: Option<DateTime<Utc>>,
    /// The owner's groups this robot joined since the offer was made.
    pub groups_joined: Vec<JoinedGroup>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JoinedGroup {
    pub id: GroupId,
    pub name: String,
    /// `active`, or `refused` with the reason (a group too small, say).
    pub state: GroupState,
    pub exit_reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Offers {
    pub robots: Vec<Offer>,
    /// Offers taken back since the owner last looked: their robot stopped being online (its
    /// pairing code no longer pairs); a replacement is among `robots` when one was free.
    pub withdrawn: Vec<Withdrawn>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Withdrawn {
    pub robot_id: i64,
    pub nickname: String,
    /// Why, in words (机器人已被微信封禁, …).
    pub reason: String,
}

/// Picks robots among the online ones (`unavailable` are the others).
async fn pick(ctx: &Ctx, strategy: &DistributionSettings, unavailable: &[i64]) -> Result<Option<Vec<i64>>> {
    let today = ctx.clock.today();
    let now = ctx.clock.now_shanghai();
    let pct = strategy.released_pct(now.hour() * 60 + now.minute());
    let mut redis = ctx.cache()?.conn();
    let answer: Vec<String> = Script::new(ASSIGN_SCRIPT)
        .key(Counter::Snapshot.key(ctx, today)?)
        .key(Counter::Distributed.key(ctx, today)?)
        .key(Counter::Displayed.key(ctx, today)?)
        .key(Counter::Activated.key(ctx, today)?)
        .arg(pct)
        .arg(strategy.display_rate)
        .arg(strategy.amount)
        .arg(COUNTER_SECS)
        .arg(unavailable)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to pick robots")?;
    match answer.first().map(String::as_str) {
        Some("ok") => Ok(Some(answer[1..].iter().filter_map(|id| id.parse().ok()).collect())),
        _ => Ok(None),
    }
}

/// `POST /api/robots/assign`: robots offered to this owner, each with a pairing code.
#[tracing::instrument(skip_all, fields(user_id))]
pub async fn assign(ctx: &Ctx, user_id: UserId) -> Result<Offers> {
    let client = ctx.db()?.client().await?;
    let user = client
        .query_one("SELECT frozen, snapshot, phone IS NOT NULL AS has_phone FROM users WHERE id = $1", &[&user_id])
        .await
        .db("failed to load the user")?;
    if user.get::<_, bool>("snapshot") {
        return Err(Error::bad_request("当前为游客身份，请重新授权登录后领取机器人").with_status(403));
    }
    if user.get::<_, bool>("frozen") {
        return Err(Error::bad_request("账号已冻结，不能领取机器人").with_status(403));
    }
    if !user.get::<_, bool>("has_phone") {
        return Err(Error::rejected(Code::PhoneMissing, "请先绑定手机号"));
    }
    let robots = offer_robots(ctx, &client, user_id).await?;
    if robots.is_empty() {
        return Err(Error::rejected(Code::NoRobotAvailable, "今日机器人已分配完，请明天再来"));
    }
    Ok(Offers { robots, withdrawn: Vec::new() })
}

/// Picks online robots for the owner by the strategy and makes their offers.
async fn offer_robots(ctx: &Ctx, client: &impl GenericClient, user_id: UserId) -> Result<Vec<Offer>> {
    let strategy: DistributionSettings = settings::load(client).await?;
    let unavailable = health::unavailable(client, &settings::load(client).await?).await?;
    let chosen = match pick(ctx, &strategy, &unavailable).await? {
        Some(chosen) => chosen,
        None => {
            take_snapshot(ctx, client, ctx.clock.today()).await?;
            pick(ctx, &strategy, &unavailable).await?.unwrap_or_default()
        }
    };
    let mut robots = Vec::with_capacity(chosen.len());
    for robot_id in chosen {
        robots.push(offer(ctx, client, user_id, robot_id).await?);
    }
    Ok(robots)
}

fn new_pairing_code() -> String {
    let mut rng = rand::rng();
    (0..6).map(|_| PAIRING_ALPHABET[rng.random_range(0..PAIRING_ALPHABET.len())] as char).collect()
}

/// The robot's card with this owner's live pairing code for it (made once a day per robot).
pub(crate) async fn offer(ctx: &Ctx, client: &impl GenericClient, user_id: UserId, robot_id: i64) -> Result<Offer> {
    let robot = client
        .query_one("SELECT wxid, nickname, qr_code_url FROM robots WHERE id = $1", &[&robot_id])
        .await
        .db("failed to load the robot")?;
    let now = ctx.clock.now();
    let live = client
        .query_opt(
            "SELECT code, expires_at FROM pairing_codes WHERE user_id = $1 AND robot_id = $2 AND expires_at > $3
             ORDER BY expires_at DESC LIMIT 1",
            &[&user_id, &robot_id, &now],
        )
        .await
        .db("failed to load the pairing code")?;
    let (pairing_code, expires_at) = match live {
        Some(row) => (row.get("code"), row.get("expires_at")),
        None => loop {
            let code = new_pairing_code();
            let expires_at = now + Duration::hours(PAIRING_HOURS);
            let inserted = client
                .execute(
                    "INSERT INTO pairing_codes (code, user_id, robot_id, expires_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (code) DO NOTHING",
                    &[&code, &user_id, &robot_id, &expires_at],
                )
                .await
                .db("failed to store the pairing code")?;
            if inserted == 1 {
                break (code, expires_at);
            }
        },
    };
    Ok(Offer {
        robot_id,
        robot_wxid: robot.get("wxid"),
        nickname: robot.get("nickname"),
        qr_code_url: robot.get("qr_code_url"),
        pairing_code,
        expires_at,
        paired_at: None,
        groups_joined: Vec::new(),
    })
}

/// The owner's live offers (pairing codes not expired), newest first, each with what came of
/// it: the owner's WeChat paired with the robot, the owner's groups it joined since. The robot
/// page shows them again after the owner comes back from WeChat, and follows them.
pub async fn offers(ctx: &Ctx, user_id: UserId) -> Result<Offers> {
    let client = ctx.db()?.client().await?;
    // An offer whose robot stopped being online is taken back: its code no longer pairs.
    let gone = client
        .query(
            &format!(
                "UPDATE pairing_codes p SET expires_at = $2 FROM robots r
                 WHERE r.id = p.robot_id AND p.user_id = $1 AND p.expires_at > $2 AND {} <> 'online'
                   AND NOT EXISTS (SELECT 1 FROM robot_replacements x WHERE x.pairing_code = p.code)
                 RETURNING p.robot_id, r.nickname, {} AS health, r.platform_state, r.quarantine_reason",
                health::health_sql("r", "$3"),
                health::health_sql("r", "$3")
            ),
            &[&user_id, &ctx.clock.now(), &silent_after(&client).await?],
        )
        .await
        .db("failed to withdraw offers")?;
    let withdrawn: Vec<Withdrawn> = gone
        .iter()
        .map(|r| {
            let health: Health = r.get("health");
            Withdrawn {
                robot_id: r.get("robot_id"),
                nickname: r.get("nickname"),
                reason: health::issue(health, r.get("platform_state")).unwrap_or("机器人暂不可用").to_owned(),
            }
        })
        .collect();
    let mut offers = live_offers(ctx, &client, user_id).await?;
    if !withdrawn.is_empty() && offers.robots.is_empty() {
        // A replacement, when a robot is free (none: the page says so).
        match offer_robots(ctx, &client, user_id).await {
            Ok(_) => offers = live_offers(ctx, &client, user_id).await?,
            Err(e) => tracing::warn!(error = %e, "no replacement offer"),
        }
    }
    offers.withdrawn = withdrawn;
    Ok(offers)
}

async fn live_offers(ctx: &Ctx, client: &impl GenericClient, user_id: UserId) -> Result<Offers> {
    let rows = client
        .query(
            "SELECT DISTINCT ON (p.robot_id) p.robot_id, r.wxid, r.nickname, r.qr_code_url, p.code, p.created_at, p.expires_at,
                 (SELECT max(o.paired_at) FROM owner_wxids o
                  WHERE o.user_id = p.user_id AND o.robot_id = p.robot_id AND o.paired_at >= p.created_at) AS paired_at
             FROM pairing_codes p JOIN robots r ON r.id = p.robot_id
             WHERE p.user_id = $1 AND p.expires_at > $2
               AND NOT EXISTS (SELECT 1 FROM robot_replacements x WHERE x.pairing_code = p.code)
             ORDER BY p.robot_id, p.expires_at DESC",
            &[&user_id, &ctx.clock.now()],
        )
        .await
        .db("failed to load the offers")?;
    let robot_ids: Vec<i64> = rows.iter().map(|r| r.get("robot_id")).collect();
    let groups = client
        .query(
            "SELECT id, name, state, exit_reason, robot_id, joined_at FROM groups WHERE owner_id = $1 AND robot_id = ANY($2) ORDER BY joined_at, id",
            &[&user_id, &robot_ids],
        )
        .await
        .db("failed to load the groups joined")?;
    let mut robots: Vec<Offer> = rows
        .iter()
        .map(|r| {
            let (robot_id, since): (i64, DateTime<Utc>) = (r.get("robot_id"), r.get("created_at"));
            Offer {
                robot_id,
                robot_wxid: r.get("wxid"),
                nickname: r.get("nickname"),
                qr_code_url: r.get("qr_code_url"),
                pairing_code: r.get("code"),
                expires_at: r.get("expires_at"),
                paired_at: r.get("paired_at"),
                groups_joined: groups
                    .iter()
                    .filter(|g| {
                        g.get::<_, i64>("robot_id") == robot_id && g.get::<_, DateTime<Utc>>("joined_at") >= since
                    })
                    .map(|g| JoinedGroup {
                        id: g.get("id"),
                        name: g.get("name"),
                        state: g.get("state"),
                        exit_reason: g.get("exit_reason"),
                    })
                    .collect(),
            }
        })
        .collect();
    robots.sort_by_key(|o| std::cmp::Reverse(o.expires_at));
    Ok(Offers { robots, withdrawn: Vec::new() })
}

/// A pairing code in what the owner typed ("配对码 ab12cd" → "AB12CD"), if any.
pub fn find_pairing_code(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_uppercase)
        .find(|w| w.len() == 6 && w.bytes().all(|b| PAIRING_ALPHABET.contains(&b)))
}

/// Pairs `wxid` with the owner of a live pairing code of this robot. Answers the owner, or None
/// when the text holds no live code. A WeChat account stays with its first owner.
pub async fn pair(
    client: &impl GenericClient,
    robot_id: i64,
    wxid: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let Some(code) = find_pairing_code(text) else { return Ok(None) };
    let row = client
        .query_opt(
            "SELECT user_id FROM pairing_codes WHERE code = $1 AND robot_id = $2 AND expires_at > $3",
            &[&code, &robot_id, &now],
        )
        .await
        .db("failed to look up the pairing code")?;
    let Some(row) = row else { return Ok(None) };
    let user_id: i64 = row.get("user_id");
    let paired = client
        .query_opt(
            "INSERT INTO owner_wxids (wxid, user_id, robot_id) VALUES ($1, $2, $3)
             ON CONFLICT (wxid) DO UPDATE SET robot_id = EXCLUDED.robot_id, paired_at = now()
                 WHERE owner_wxids.user_id = EXCLUDED.user_id
             RETURNING user_id",
            &[&wxid, &user_id, &robot_id],
        )
        .await
        .db("failed to pair")?;
    if paired.is_none() {
        tracing::warn!(robot_id, "a WeChat account already paired with another owner sent a pairing code");
    }
    Ok(paired.map(|_| user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_codes_are_found_in_what_people_type() {
        assert_eq!(find_pairing_code("配对码：ab23cd").as_deref(), Some("AB23CD"));
        assert_eq!(find_pairing_code("我是 zhang，AB23CD 谢谢").as_deref(), Some("AB23CD"));
        // 0, 1, I and O are never in a code.
        assert_eq!(find_pairing_code("AB01CD"), None);
        assert_eq!(find_pairing_code("你好"), None);
        let code = new_pairing_code();
        assert_eq!(find_pairing_code(&code), Some(code));
    }
}

/// The distribution strategy as the console shows it.
#[derive(Debug, Serialize)]
pub struct Distribution {
    #[serde(flatten)]
    pub strategy: DistributionSettings,
    /// The share of free places released by now (business time).
    pub released_pct_now: u32,
}

/// The strategy's object with `released_pct_now` beside its fields. Derived, it would be an
/// `allOf` of the strategy, which refuses any other property (it is also the PUT's body, where
/// an unknown field is refused), and `released_pct_now`: no answer could match both.
impl utoipa::PartialSchema for Distribution {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let RefOr::T(Schema::Object(mut object)) = DistributionSettings::schema() else {
            unreachable!("the strategy is an object")
        };
        object.additional_properties = None;
        object.description = Some("The distribution strategy as the console shows it.".to_owned());
        let pct = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(100))
            .description(Some("The share of free places released by now (business time), in percent."));
        object.properties.insert("released_pct_now".to_owned(), pct.into());
        object.required.push("released_pct_now".to_owned());
        RefOr::T(Schema::Object(object))
    }
}

impl utoipa::ToSchema for Distribution {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <DistributionSettings as utoipa::ToSchema>::schemas(schemas);
    }
}

pub async fn distribution(ctx: &Ctx) -> Result<Distribution> {
    let strategy: DistributionSettings = settings::load(&ctx.db()?.client().await?).await?;
    let now = ctx.clock.now_shanghai();
    Ok(Distribution { released_pct_now: strategy.released_pct(now.hour() * 60 + now.minute()), strategy })
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn set_distribution(
    ctx: &Ctx,
    by: &ConsolePrincipal,
    strategy: DistributionSettings,
) -> Result<Distribution> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    settings::save(&tx, by, &strategy).await?;
    tx.commit().await.db("failed to commit the strategy")?;
    distribution(ctx).await
}
