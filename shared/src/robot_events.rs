//! Robot events: the platform's signed callback puts each event on the `gpet-robot-events`
//! queue; the consumer applies them, idempotently and whatever their order. Group messages are
//! the hot path (tens of millions a day): a batch is counted in one statement, exactly once per
//! (group, `msg_id`), into per-day sessions and distinct speakers.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::content::Content;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::deadline::Deadline;
use crate::error::{Code, Error, Result};
use crate::governor;
use crate::groups;
use crate::health::{self, PlatformState};
use crate::partners::robot::{self, To};
use crate::queue::{BATCH, Queue};
use crate::replacements;
use crate::robots;
use crate::settings::{self, GroupSettings, RobotSettings};

/// At most this many events per callback (the platform's contract).
pub const MAX_EVENTS: usize = 100;
/// A signature is accepted this long after its timestamp, and as long before (clock skew).
pub const SIGNATURE_WINDOW_SECS: i64 = 300;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RobotEvent {
    pub id: String,
    pub robot_wxid: String,
    pub at: DateTime<FixedOffset>,
    #[serde(flatten)]
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LeftReason {
    Removed,
    Quit,
}

/// Why the platform says a robot is offline.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    Logout,
    Banned,
    Restricted,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Each online robot, every 60 s.
    Heartbeat {},
    RobotOffline {
        reason: OfflineReason,
    },
    RobotOnline {},
    FriendAdded {
        user_wxid: String,
        #[serde(default)]
        text: String,
    },
    PrivateMessage {
        user_wxid: String,
        text: String,
    },
    JoinedGroup {
        group_wxid: String,
        group_name: String,
        inviter_wxid: String,
        member_count: i32,
    },
    LeftGroup {
        group_wxid: String,
        reason: LeftReason,
    },
    MemberCount {
        group_wxid: String,
        member_count: i32,
    },
    GroupMessage {
        group_wxid: String,
        sender_wxid: String,
        msg_id: String,
        msg_type: String,
        #[serde(default)]
        text: String,
    },
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub accepted: usize,
}

/// `POST /api/callbacks/robot-events`: checks the signature (real time, not business time),
/// then puts every event on the queue as its own message. Nothing is enqueued unless the whole
/// request is good; a failure to enqueue answers 1500 so that the platform sends it again.
#[tracing::instrument(skip_all)]
pub async fn accept(ctx: &Ctx, timestamp: Option<&str>, signature: Option<&str>, body: &[u8]) -> Result<Accepted> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(Error::unauthenticated("缺少签名").with_status(401));
    };
    let fresh =
        timestamp.trim().parse::<i64>().is_ok_and(|ts| (Utc::now().timestamp() - ts).abs() <= SIGNATURE_WINDOW_SECS);
    if !fresh {
        return Err(Error::unauthenticated("签名时间戳无效或已过期").with_status(401));
    }
    if !robot::verify(ctx.robot()?.secret(), timestamp.trim(), body, signature) {
        return Err(Error::unauthenticated("签名错误").with_status(401));
    }
    #[derive(Deserialize)]
    struct Batch {
        events: Vec<serde_json::Map<String, serde_json::Value>>,
    }
    let batch: Batch = serde_json::from_slice(body).map_err(|e| {
        Error::bad_request(format!("请求体应为 {{\"events\": [...]}}：{}", crate::text::json_error_for_message(&e)))
    })?;
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS {
        return Err(Error::bad_request(format!("events 须为 1 到 {MAX_EVENTS} 个")));
    }
    let entries: Vec<(String, String)> = batch
        .events
        .iter()
        .enumerate()
        // SQS refuses U+FFFE and U+FFFF in a message (serde_json escapes the C0 controls, not
        // these): escaped, as only a string can hold them, so that the consumer sets the event
        // aside instead of the platform sending the batch again for ever.
        .map(|(i, e)| {
            let message = serde_json::Value::Object(e.clone()).to_string();
            (i.to_string(), message.replace('\u{FFFE}', "\\ufffe").replace('\u{FFFF}', "\\uffff"))
        })
        .collect();
    let queues = ctx.queues()?;
    for chunk in entries.chunks(BATCH) {
        let refused = queues.send_batch(Queue::RobotEvents, chunk).await.map_err(Error::Unexpected)?;
        if !refused.is_empty() {
            return Err(Error::Unexpected(anyhow::anyhow!("{} robot events refused by SQS", refused.len())));
        }
    }
    Ok(Accepted { accepted: entries.len() })
}

/// Robot WeChat ids → robot ids, reloaded at most every 30 s (and on an unknown id).
#[derive(Default)]
pub(crate) struct RobotDirectory(Mutex<Option<(Instant, Directory)>>);

type Directory = Arc<HashMap<String, i64>>;

const DIRECTORY_TTL: Duration = Duration::from_secs(30);

async fn robot_directory(ctx: &Ctx, client: &impl GenericClient, force: bool) -> Result<Directory> {
    if !force
        && let Some((at, map)) = ctx.robot_ids.0.lock().expect("robot directory lock").as_ref()
        && at.elapsed() < DIRECTORY_TTL
    {
        return Ok(map.clone());
    }
    let rows = client.query("SELECT wxid, id FROM robots", &[]).await.db("failed to load the robots")?;
    let map: Directory = Arc::new(rows.iter().map(|r| (r.get("wxid"), r.get("id"))).collect());
    *ctx.robot_ids.0.lock().expect("robot directory lock") = Some((Instant::now(), map.clone()));
    Ok(map)
}

/// The robots named by `wxids`, reloading the directory once if one is unknown.
async fn robots_of(ctx: &Ctx, client: &impl GenericClient, wxids: &HashSet<&str>) -> Result<Directory> {
    let directory = robot_directory(ctx, client, false).await?;
    if wxids.iter().all(|w| directory.contains_key(*w)) {
        return Ok(directory);
    }
    robot_directory(ctx, client, true).await
}

/// How many events that call the robot platform (a join asks for the member list, 8 s at worst)
/// are applied at once.
pub const PARTNER_CALLS_AT_ONCE: usize = 8;

/// The consumer: answers the ids of the messages to retry (SQS sends them again, and after
/// five receives to the dead-letter queue, where the console shows them). Events other than
/// group messages are applied [`PARTNER_CALLS_AT_ONCE`] at a time, and none is started once the
/// deadline says stop: those come back, with whatever waited on the platform past the stop, so
/// that a slow platform delays events but never times the whole batch out (every receive of a
/// batch that times out counts towards the dead-letter queue, chat messages and all).
#[tracing::instrument(skip_all, fields(messages = messages.len()))]
pub async fn consume(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> Result<Vec<String>> {
    use futures::StreamExt as _;
    let mut failed = Vec::new();
    let mut chat: Vec<(&str, RobotEvent)> = Vec::new();
    let mut others: Vec<(&str, RobotEvent)> = Vec::new();
    for (id, body) in messages {
        match read_event(body) {
            Ok(event) if matches!(event.kind, Kind::GroupMessage { .. }) => chat.push((id, event)),
            Ok(event) => others.push((id, event)),
            // No retry can help: dead-lettered now, not after five receives.
            Err(reason) => crate::dead_letters::set_aside(ctx, Queue::RobotEventsDlq, id, body, &reason).await?,
        }
    }
    // Pairings first (a join never needs to wait for one in the same batch), then membership in
    // the order it happened, as far as this batch knows: one group's events one after the
    // other, different groups side by side.
    others.sort_by_key(|(_, e)| (!matches!(e.kind, Kind::FriendAdded { .. } | Kind::PrivateMessage { .. }), e.at));
    let (pairings, membership): (Vec<_>, Vec<_>) =
        others.into_iter().partition(|(_, e)| matches!(e.kind, Kind::FriendAdded { .. } | Kind::PrivateMessage { .. }));
    let mut by_group: Vec<Vec<(&str, RobotEvent)>> = Vec::new();
    let mut slot: HashMap<String, usize> = HashMap::new();
    for (id, event) in membership {
        let group = group_of(&event).unwrap_or_default().to_owned();
        let i = *slot.entry(group).or_insert_with(|| {
            by_group.push(Vec::new());
            by_group.len() - 1
        });
        by_group[i].push((id, event));
    }
    let pairings: Vec<Vec<(&str, RobotEvent)>> = pairings.into_iter().map(|p| vec![p]).collect();
    for phase in [pairings, by_group] {
        // Made first, then driven (a stream's closure over borrowed events is not `Send` enough
        // for rustc; a list of futures is).
        let work: Vec<_> = phase.into_iter().map(|events| apply_in_turn(ctx, events, deadline)).collect();
        let retried: Vec<Vec<String>> =
            futures::stream::iter(work).buffer_unordered(PARTNER_CALLS_AT_ONCE).collect().await;
        failed.extend(retried.into_iter().flatten());
    }
    if !chat.is_empty() {
        // One statement for the whole batch, in the margin kept for finishing.
        failed.extend(ingest(ctx, &chat, deadline).await?);
    }
    Ok(failed)
}

/// The group an event is about, if any.
fn group_of(event: &RobotEvent) -> Option<&str> {
    match &event.kind {
        Kind::JoinedGroup { group_wxid, .. }
        | Kind::LeftGroup { group_wxid, .. }
        | Kind::MemberCount { group_wxid, .. }
        | Kind::GroupMessage { group_wxid, .. } => Some(group_wxid),
        Kind::FriendAdded { .. }
        | Kind::PrivateMessage { .. }
        | Kind::Heartbeat {}
        | Kind::RobotOffline { .. }
        | Kind::RobotOnline {} => None,
    }
}

/// Applies events in order while the deadline allows; answers the message ids to retry (those
/// that failed, were cut at the deadline, or were not started).
async fn apply_in_turn(ctx: &Ctx, events: Vec<(&str, RobotEvent)>, deadline: Deadline) -> Vec<String> {
    let mut retry = Vec::new();
    for (id, event) in &events {
        // Once one of a group's events is put back, so are the ones after it: order holds.
        if !retry.is_empty() || !deadline.has_time() {
            retry.push((*id).to_owned());
            continue;
        }
        if let Err(e) = apply(ctx, event, deadline).await {
            log_failure(id, event, &e);
            retry.push((*id).to_owned());
        }
    }
    if !retry.is_empty() && !deadline.has_time() {
        tracing::info!(events = retry.len(), "out of time: robot events put back for the next delivery");
    }
    retry
}

/// An event off the queue, or why no receive of it can ever be applied: unreadable, or carrying a
/// character no text we keep may hold (PostgreSQL refuses NUL in text). The reason repeats
/// nothing the event holds.
fn read_event(body: &str) -> std::result::Result<RobotEvent, String> {
    if !crate::text::json_is_clean(body) {
        return Err("事件含有不允许的控制字符".to_owned());
    }
    serde_json::from_str(body).map_err(|e| format!("无法读取的事件：{}", crate::text::json_error_for_message(&e)))
}

fn log_failure(message_id: &str, event: &RobotEvent, e: &Error) {
    let kind = serde_json::to_value(&event.kind).ok().and_then(|v| v.get("type").cloned());
    match e {
        Error::Rejected { code, msg, .. } => {
            tracing::warn!(message_id, event_id = event.id, ?kind, code = code.as_u16(), reason = %msg, "robot event not applied")
        }
        Error::Unexpected(err) => {
            tracing::error!(message_id, event_id = event.id, ?kind, error = format!("{err:#}"), "robot event failed")
        }
    }
}

/// Counts a batch of group messages; answers the message ids to retry (unknown robots or
/// groups, which may be known once an earlier event is applied).
pub async fn ingest(ctx: &Ctx, chat: &[(&str, RobotEvent)], deadline: Deadline) -> Result<Vec<String>> {
    let client = ctx.db()?.client().await?;
    let robot_wxids: HashSet<&str> = chat.iter().map(|(_, e)| e.robot_wxid.as_str()).collect();
    let robots = robots_of(ctx, &client, &robot_wxids).await?;
    let group_wxids: Vec<&str> = chat
        .iter()
        .filter_map(|(_, e)| match &e.kind {
            Kind::GroupMessage { group_wxid, .. } => Some(group_wxid.as_str()),
            _ => None,
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let lookup = client
        .prepare_cached(
            "SELECT group_wxid, id, state = 'active' AS active, robot_id FROM groups WHERE group_wxid = ANY($1)",
        )
        .await
        .db("failed to look up the groups")?;
    let rows = client.query(&lookup, &[&group_wxids]).await.db("failed to look up the groups")?;
    let groups: HashMap<String, (i64, bool, i64)> =
        rows.iter().map(|r| (r.get("group_wxid"), (r.get("id"), r.get("active"), r.get("robot_id")))).collect();

    let mut failed = Vec::new();
    let (mut ids, mut days, mut msg_ids, mut senders) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut texts: Vec<(i64, &str, &str, &str)> = Vec::new();
    for (message_id, event) in chat {
        let Kind::GroupMessage { group_wxid, sender_wxid, msg_id, msg_type, text } = &event.kind else { continue };
        let Some(robot_id) = robots.get(&event.robot_wxid) else {
            tracing::warn!(message_id, event_id = event.id, "group message from an unknown robot");
            failed.push((*message_id).to_owned());
            continue;
        };
        let Some((group_id, active, group_robot)) = groups.get(group_wxid) else {
            tracing::warn!(message_id, event_id = event.id, "group message for an unknown group");
            failed.push((*message_id).to_owned());
            continue;
        };
        // Not counted: after the robot left, from another robot's view, from robots, system notices.
        if !active || group_robot != robot_id || robots.contains_key(sender_wxid) || msg_type == "system" {
            continue;
        }
        ids.push(*group_id);
        days.push(BusinessDay::of(event.at.with_timezone(&Utc)).date());
        msg_ids.push(msg_id.as_str());
        senders.push(sender_wxid.as_str());
        if msg_type == "text" && !text.trim().is_empty() {
            texts.push((*group_id, msg_id.as_str(), text.trim(), event.robot_wxid.as_str()));
        }
    }
    if ids.is_empty() {
        return Ok(failed);
    }
    let replies = keyword_replies(&client, &texts).await?;
    let mut fresh = count(&client, &ids, &days, &msg_ids, &senders, !replies.is_empty()).await?;
    // Once per message counted now, even when the batch holds it twice; each robot's replies one
    // after the other (its governor spaces them), robots side by side.
    let mut by_robot: HashMap<&str, Vec<(Content, String)>> = HashMap::new();
    for (group_id, msg_id, reply, robot_wxid, group_wxid) in replies {
        if fresh.remove(&(group_id, msg_id.to_owned())) {
            by_robot.entry(robot_wxid).or_default().push((reply, group_wxid));
        }
    }
    let turns = by_robot.into_iter().filter_map(|(robot_wxid, replies)| {
        let robot_id = *robots.get(robot_wxid)?;
        Some(async move {
            for (reply, group_wxid) in replies {
                send_reply(ctx, robot_id, robot_wxid, To::Group(&group_wxid), reply, deadline).await;
            }
        })
    });
    futures::future::join_all(turns).await;
    Ok(failed)
}

/// Counts the messages not counted before, in one statement; answers the (group, msg_id) pairs
/// it counted when `want_fresh`. Rows are taken in key order so that concurrent batches lock in
/// the same order.
pub async fn count(
    client: &impl GenericClient,
    group_ids: &[i64],
    days: &[chrono::NaiveDate],
    msg_ids: &[&str],
    senders: &[&str],
    want_fresh: bool,
) -> Result<HashSet<(i64, String)>> {
    // Prepared once per connection: planning this statement costs as much as running it on a
    // batch of ten (measured by `make bench`, section g).
    let statement = client
        .prepare_cached(
            "WITH input AS (
                 SELECT * FROM unnest($1::bigint[], $2::date[], $3::text[], $4::text[]) AS t(group_id, day, msg_id, sender)),
             fresh AS (
                 INSERT INTO group_messages (group_id, msg_id, day)
                 SELECT DISTINCT ON (group_id, msg_id) group_id, msg_id, day FROM input ORDER BY group_id, msg_id
                 ON CONFLICT DO NOTHING RETURNING group_id, msg_id, day),
             speakers AS (
                 INSERT INTO group_speakers (group_id, day, wxid)
                 SELECT DISTINCT i.group_id, i.day, i.sender FROM input i JOIN fresh f USING (group_id, msg_id)
                 ORDER BY 1, 2, 3
                 ON CONFLICT DO NOTHING RETURNING group_id, day),
             counts AS (
                 SELECT group_id, day, count(*) AS sessions, 0 AS speakers FROM fresh GROUP BY 1, 2
                 UNION ALL
                 SELECT group_id, day, 0, count(*) FROM speakers GROUP BY 1, 2),
             daily AS (
                 INSERT INTO group_daily (group_id, day, sessions, speakers)
                 SELECT group_id, day, sum(sessions), sum(speakers) FROM counts GROUP BY 1, 2 ORDER BY 1, 2
                 ON CONFLICT (group_id, day) DO UPDATE
                 SET sessions = group_daily.sessions + EXCLUDED.sessions, speakers = group_daily.speakers + EXCLUDED.speakers)
             SELECT group_id, msg_id FROM fresh WHERE $5",
        )
        .await
        .db("failed to count group messages")?;
    let rows = client
        .query(&statement, &[&group_ids, &days, &msg_ids, &senders, &want_fresh])
        .await
        .db("failed to count group messages")?;
    Ok(rows.iter().map(|r| (r.get("group_id"), r.get("msg_id"))).collect())
}

/// The keyword replies due for these texts: a group's own keyword first, then the owner's
/// keyword for all their groups. A message matches a keyword when its text, trimmed, is it.
async fn keyword_replies<'a>(
    client: &impl GenericClient,
    texts: &[(i64, &'a str, &'a str, &'a str)],
) -> Result<Vec<(i64, &'a str, Content, &'a str, String)>> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let group_ids: Vec<i64> = texts.iter().map(|t| t.0).collect::<HashSet<_>>().into_iter().collect();
    let statement = client
        .prepare_cached(
            "SELECT g.id, g.group_wxid, k.keyword, k.reply, k.group_id IS NOT NULL AS own
             FROM groups g JOIN keywords k ON k.owner_id = g.owner_id AND (k.group_id IS NULL OR k.group_id = g.id)
             WHERE g.id = ANY($1)",
        )
        .await
        .db("failed to load keywords")?;
    let rows = client.query(&statement, &[&group_ids]).await.db("failed to load keywords")?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // (group, keyword) → (reply, own keyword?, group wxid)
    let mut table: HashMap<(i64, String), (String, bool, String)> = HashMap::new();
    for r in &rows {
        let key = (r.get::<_, i64>("id"), r.get::<_, String>("keyword"));
        let own: bool = r.get("own");
        let entry = (r.get::<_, String>("reply"), own, r.get::<_, String>("group_wxid"));
        match table.get(&key) {
            Some((_, true, _)) if !own => {}
            _ => {
                table.insert(key, entry);
            }
        }
    }
    Ok(texts
        .iter()
        .filter_map(|(group_id, msg_id, text, robot_wxid)| {
            table.get(&(*group_id, (*text).to_owned())).map(|(reply, _, group_wxid)| {
                (*group_id, *msg_id, Content::Text { text: reply.clone() }, *robot_wxid, group_wxid.clone())
            })
        })
        .collect())
}

/// How long a reply may wait for its robot's slot (the governor's gap): longer, it is not sent.
const REPLY_WAIT: Duration = Duration::from_secs(20);

/// A reply the robot sends on its own (keyword, pairing, customer service, a refusal), through
/// the send governor: a failure is logged, never retried, since the event it answers has taken
/// effect.
async fn send_reply(ctx: &Ctx, robot_id: i64, robot_wxid: &str, to: To<'_>, content: Content, deadline: Deadline) {
    let settings: RobotSettings = match ctx.db() {
        Ok(db) => match db.client().await {
            Ok(client) => settings::load(&client).await.unwrap_or_default(),
            Err(_) => RobotSettings::default(),
        },
        Err(_) => RobotSettings::default(),
    };
    let max_wait = REPLY_WAIT.min(deadline.left());
    governor::say(ctx, &settings, robot_id, robot_wxid, to, &content, max_wait).await;
}

fn text(s: impl Into<String>) -> Content {
    Content::Text { text: s.into() }
}

/// Marks an event done in the caller's transaction; false when it was done before.
async fn first_time(client: &impl GenericClient, event_id: &str) -> Result<bool> {
    Ok(client
        .execute("INSERT INTO robot_events_done (event_id) VALUES ($1) ON CONFLICT DO NOTHING", &[&event_id])
        .await
        .db("failed to mark the event")?
        == 1)
}

async fn robot_id(ctx: &Ctx, client: &impl GenericClient, wxid: &str) -> Result<i64> {
    let robots = robots_of(ctx, client, &HashSet::from([wxid])).await?;
    robots.get(wxid).copied().ok_or_else(|| Error::not_found(format!("未知的机器人 {wxid}")))
}

/// Applies one event other than a group message. A wait on the platform is cut when the
/// deadline says stop (nothing is written before it: the event comes back whole).
async fn apply(ctx: &Ctx, event: &RobotEvent, deadline: Deadline) -> Result<()> {
    let client = ctx.db()?.client().await?;
    let robot_id = match robot_id(ctx, &client, &event.robot_wxid).await {
        // The platform may run robots gpet has not registered (yet): their heartbeats say nothing.
        Err(_) if matches!(event.kind, Kind::Heartbeat {}) => {
            tracing::debug!(robot_wxid = event.robot_wxid, "a heartbeat of an unknown robot");
            return Ok(());
        }
        found => found?,
    };
    let mut this = Applying { ctx, event, client, robot_id, at: event.at.with_timezone(&Utc), deadline };
    match &event.kind {
        Kind::FriendAdded { user_wxid, text } | Kind::PrivateMessage { user_wxid, text } => {
            this.pairing(user_wxid, text).await
        }
        Kind::JoinedGroup { group_wxid, group_name, inviter_wxid, member_count } => {
            this.joined_group(group_wxid, group_name, inviter_wxid, *member_count, deadline).await
        }
        Kind::LeftGroup { group_wxid, reason } => this.left_group(group_wxid, *reason).await,
        Kind::MemberCount { group_wxid, member_count } => this.member_count(group_wxid, *member_count).await,
        Kind::Heartbeat {} => health::heartbeat(&this.client, robot_id, this.at).await,
        Kind::RobotOffline { reason } => {
            let state = match reason {
                OfflineReason::Logout => PlatformState::Logout,
                OfflineReason::Banned => PlatformState::Banned,
                OfflineReason::Restricted => PlatformState::Restricted,
            };
            health::platform_says(&mut this.client, robot_id, state, this.at, &event.id).await.map(|_| ())
        }
        Kind::RobotOnline {} => {
            health::platform_says(&mut this.client, robot_id, PlatformState::Online, this.at, &event.id)
                .await
                .map(|_| ())
        }
        Kind::GroupMessage { .. } => unreachable!("group messages take the batch path"),
    }
}

/// An event other than a group message being applied, with its robot known.
struct Applying<'a> {
    ctx: &'a Ctx,
    event: &'a RobotEvent,
    client: crate::db::Client,
    robot_id: i64,
    at: DateTime<Utc>,
    deadline: Deadline,
}

impl Applying<'_> {
    /// A friend added or a private message: a pairing code pairs the user with the robot; the
    /// robot answers either way.
    async fn pairing(&mut self, user_wxid: &str, said: &str) -> Result<()> {
        let (ctx, event) = (self.ctx, self.event);
        let tx = self.client.transaction().await.db("failed to begin")?;
        if !first_time(&tx, &event.id).await? {
            return Ok(());
        }
        let paired = robots::pair(&tx, self.robot_id, user_wxid, said, ctx.clock.now()).await?;
        tx.commit().await.db("failed to commit the pairing")?;
        let settings: GroupSettings = settings::load(&self.client).await?;
        let reply = match (paired, &event.kind) {
            (Some(_), _) => {
                format!("配对成功！现在把我拉进你的群吧（群成员不少于 {} 人，你须是群主）。", settings.min_members)
            }
            (None, Kind::FriendAdded { .. }) => "你好！请把你在 gpet 领取机器人时看到的 6 位配对码发给我。".to_owned(),
            (None, _) => settings.customer_service_reply.clone(),
        };
        send_reply(ctx, self.robot_id, &event.robot_wxid, To::User(user_wxid), text(reply), self.deadline).await;
        Ok(())
    }

    /// The robot pulled into a group: activated or refused by the rules of [`groups::Join`]; a
    /// refused group is told why and left.
    async fn joined_group(
        &mut self,
        group_wxid: &str,
        name: &str,
        inviter_wxid: &str,
        member_count: i32,
        deadline: Deadline,
    ) -> Result<()> {
        let (ctx, event) = (self.ctx, self.event);
        if self
            .client
            .query_opt("SELECT 1 FROM robot_events_done WHERE event_id = $1", &[&event.id])
            .await
            .db("failed to check the event")?
            .is_some()
        {
            return Ok(());
        }
        let owner = self
            .client
            .query_opt(
                "SELECT o.user_id, u.frozen FROM owner_wxids o JOIN users u ON u.id = o.user_id WHERE o.wxid = $1",
                &[&inviter_wxid],
            )
            .await
            .db("failed to find the inviter")?;
        // A join before its pairing: retried until the pairing arrives (or dead-lettered).
        let Some(owner) = owner else {
            return Err(Error::not_found("邀请人尚未配对"));
        };
        let members = tokio::time::timeout(deadline.left(), ctx.robot()?.members(&event.robot_wxid, group_wxid))
            .await
            .map_err(|_| Error::rejected(Code::GroupMemberInfoFailed, "获取群成员超时：下次投递再试"))?
            .map_err(|e| Error::rejected(Code::GroupMemberInfoFailed, format!("获取群成员失败：{e}")))?;
        let settings: GroupSettings = settings::load(&self.client).await?;
        let join = groups::Join {
            group_wxid,
            name,
            robot_id: self.robot_id,
            owner_id: owner.get("user_id"),
            owner_frozen: owner.get("frozen"),
            by_group_owner: members.is_owner(inviter_wxid),
            member_count: members.member_count.max(member_count),
            at: self.at,
        };
        let refusal = join.refusal(&settings);
        let tx = self.client.transaction().await.db("failed to begin")?;
        if !first_time(&tx, &event.id).await? {
            return Ok(());
        }
        // The replacement robot of the group joining it: the group moves, history and all.
        let moved = match refusal {
            None => replacements::move_on_join(&tx, &join).await?,
            Some(_) => None,
        };
        let recorded = moved.is_some() || groups::record_join(&tx, &join, refusal.as_deref()).await?;
        tx.commit().await.db("failed to commit the join")?;
        if !recorded {
            return Ok(()); // a later event about this group was applied first
        }
        if let Some(old_wxid) = moved {
            // The old robot leaves if it still can (a banned one cannot: the platform says so).
            if old_wxid != event.robot_wxid {
                groups::leave(ctx, &old_wxid, group_wxid).await;
            }
            let say = "新机器人已接替本群，群的星级、历史与收益不变。".to_owned();
            send_reply(ctx, self.robot_id, &event.robot_wxid, To::Group(group_wxid), text(say), deadline).await;
        }
        match refusal {
            None => robots::count_activation(ctx, self.robot_id).await,
            Some(reason) => {
                let say = format!("抱歉，本群暂不能开通：{reason}。机器人将退出本群。");
                send_reply(ctx, self.robot_id, &event.robot_wxid, To::Group(group_wxid), text(say), deadline).await;
                groups::leave(ctx, &event.robot_wxid, group_wxid).await;
                Ok(())
            }
        }
    }

    /// The robot removed from a group, or gone: the group is left, unless a later join was
    /// applied first or the group has moved to another robot (a replaced robot leaving).
    async fn left_group(&mut self, group_wxid: &str, reason: LeftReason) -> Result<()> {
        let tx = self.client.transaction().await.db("failed to begin")?;
        let known = tx
            .query_opt("SELECT 1 FROM groups WHERE group_wxid = $1", &[&group_wxid])
            .await
            .db("failed to find the group")?;
        if known.is_none() {
            return Err(Error::not_found("未知的群"));
        }
        if !first_time(&tx, &self.event.id).await? {
            return Ok(());
        }
        let why = match reason {
            LeftReason::Removed => groups::REASON_REMOVED,
            LeftReason::Quit => groups::REASON_QUIT,
        };
        tx.execute(
            "UPDATE groups SET state = 'left', exit_reason = $2, exited_at = $3, state_at = $3
             WHERE group_wxid = $1 AND state = 'active' AND state_at < $3 AND robot_id = $4",
            &[&group_wxid, &why, &self.at, &self.robot_id],
        )
        .await
        .db("failed to mark the group left")?;
        tx.commit().await.db("failed to commit the exit")
    }

    /// A group's member count, unless a later count was applied first.
    async fn member_count(&mut self, group_wxid: &str, member_count: i32) -> Result<()> {
        let updated = self
            .client
            .query_opt(
                "UPDATE groups SET member_count = CASE WHEN member_count_at IS NULL OR member_count_at < $3 THEN $2
                     ELSE member_count END,
                     member_count_at = GREATEST(member_count_at, $3)
                 WHERE group_wxid = $1 RETURNING id",
                &[&group_wxid, &member_count.max(0), &self.at],
            )
            .await
            .db("failed to update the member count")?;
        updated.map(|_| ()).ok_or_else(|| Error::not_found("未知的群"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_the_contract_parse() {
        let e: RobotEvent = serde_json::from_str(
            r#"{"id":"e1","type":"joined_group","robot_wxid":"r","at":"2026-11-26T10:00:00+08:00",
                "group_wxid":"g@chatroom","group_name":"群","inviter_wxid":"u","member_count":30,"extra":1}"#,
        )
        .unwrap();
        assert!(matches!(e.kind, Kind::JoinedGroup { member_count: 30, .. }));
        let m: RobotEvent = serde_json::from_str(
            r#"{"id":"e2","type":"group_message","robot_wxid":"r","at":"2026-11-26T10:00:00Z",
                "group_wxid":"g","sender_wxid":"s","msg_id":"m1","msg_type":"image"}"#,
        )
        .unwrap();
        assert!(matches!(m.kind, Kind::GroupMessage { ref text, .. } if text.is_empty()));
    }

    #[test]
    fn missing_fields_and_unknown_types_are_refused() {
        let missing =
            r#"{"id":"e1","type":"joined_group","robot_wxid":"r","at":"2026-11-26T10:00:00+08:00","group_wxid":"g"}"#;
        assert!(serde_json::from_str::<RobotEvent>(missing).is_err());
        let unknown = r#"{"id":"e1","type":"dance","robot_wxid":"r","at":"2026-11-26T10:00:00+08:00"}"#;
        assert!(serde_json::from_str::<RobotEvent>(unknown).is_err());
        let bad_reason = r#"{"id":"e1","type":"left_group","robot_wxid":"r","at":"2026-11-26T10:00:00+08:00","group_wxid":"g","reason":"x"}"#;
        assert!(serde_json::from_str::<RobotEvent>(bad_reason).is_err());
    }
}
