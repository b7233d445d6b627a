//! A robot platform (个人号机器人平台): robots that send messages into WeChat groups, leave
//! groups and list a group's members, and that report what happens to them as signed events to
//! gpet's callback.
//!
//! Every call to the platform and every event batch it posts is signed the same way: header
//! `X-Robot-Timestamp` (unix seconds, within [`MAX_SKEW_SECS`] of now) and header
//! `X-Robot-Signature`, the lower-hex HMAC-SHA256 of `timestamp + "." + raw body` with the
//! shared secret (the body of a GET is empty). Answers travel with HTTP 200 and an `errcode`:
//! 0 is success; 40001 bad signature, 40003 bad parameters, 41001 the robot is not in the
//! group, 41002 "robot banned" (WeChat banned the account: every call of that robot), 41003
//! "robot offline" (the robot is logged out: every call of that robot), 42901 "risk control:
//! sending too frequently, pause this robot" (sends of a rate-limited robot), 50000 a fault
//! injected by the sandbox. A refused send is not sent (nor recorded).
//!
//! Partner API (what gpet's client calls):
//! - `POST /robot/v1/messages` `{"robot_wxid", "to_group"? | "to_user"?, "content"}` →
//!   `{"errcode": 0, "errmsg": "ok", "msg_id"}`; `content` is `{"kind": "text", "text"}`,
//!   `{"kind": "link", "title", "desc"?, "url", "image_url"?}` or
//!   `{"kind": "miniprogram", "title", "appid", "pagepath", "thumb_url"?}` and is kept as sent;
//!   41002, 41003 or 42901 as the robot's state says;
//! - `POST /robot/v1/groups/leave` `{"robot_wxid", "group_wxid"}` → errcode 0; a `left_group`
//!   event with reason `quit` follows about [`LEAVE_EVENT_DELAY`] later; 41002 or 41003 for a
//!   banned or logged-out robot;
//! - `GET /robot/v1/groups/members?robot_wxid=&group_wxid=` → `{"errcode": 0, "group_wxid",
//!   "owner_wxid", "member_count", "members": [{"wxid", "nickname", "is_owner"}]}`; 41002 or
//!   41003 for a banned or logged-out robot.
//!
//! Events are posted as `{"events": [...]}` (at most [`MAX_EVENTS`] a batch) to
//! `{gpet}/api/callbacks/robot-events`; each has `id`, `type`, `robot_wxid` and `at` (RFC 3339,
//! `+08:00`). Besides the group and friend events, the platform reports a robot's health:
//! - `heartbeat` (no other fields): each online robot, every [`HEARTBEAT_EVERY`];
//! - `robot_offline` with `reason`: `logout` (the robot was logged out), `banned` (WeChat banned
//!   the account) or `restricted` (WeChat restricts the account; the sandbox sends it only when
//!   told to through `POST /sandbox/robot/events`);
//! - `robot_online` (no other fields): the robot is back.
//!
//! The sandbox learns groups from the events it emits (`joined_group`, `left_group`,
//! `member_count`) and from `PUT /sandbox/robot/groups/{group_wxid}`. A group's owner is the
//! robot's inviter unless that PUT named another; its member list is the owner, the robot and
//! generated members `wxid_m_{group}_{i}` up to `member_count` (at most [`MAX_LISTED_MEMBERS`]
//! listed). It knows every robot whose `robot_wxid` it saw in an event it emitted, in a partner
//! call (send, leave, members) or in a fault.
//!
//! Events the sandbox stamps (no `at` given) carry the business time of the stack it serves:
//! before stamping a batch it asks `GET {gpet}/_local/clock` (gpet's local host answers
//! `{"code", "msg", "data": {"now", "offset_seconds", "business_day"}}`, code 0 or gpet's 1200)
//! and stamps real now + `offset_seconds`; where that route is missing or answers anything else
//! (a deployed gpet) it stamps real time. A clock's answer serves that one delivery (all the
//! batches of one heartbeat round), so a moved clock shows at once; a missing clock is
//! remembered for [`CLOCK_CACHE_FOR`]. Events given an `at` keep it.
//!
//! The sandbox's own routes:
//! - `POST /sandbox/robot/events[?unsigned=1|?bad_signature=1]` `{"events": [...]}` (at most
//!   [`MAX_EVENTS`]; `id` and `at` filled in when absent) → posts them signed to
//!   `{gpet}/api/callbacks/robot-events` and answers `{"delivered", "status", "answer", "ids"}`,
//!   or HTTP 502 when gpet cannot be reached (the tester speaks: what it gives is delivered,
//!   whatever the robots' faults);
//! - `POST /sandbox/robot/heartbeats` → posts now one `heartbeat` for every known robot that is
//!   not banned, logged out or silenced (in batches of at most [`MAX_EVENTS`]) and answers
//!   `{"robots": [wxids heartbeated], "delivered": n}`, or HTTP 502 `{"error"}` when gpet cannot
//!   be reached; with [`SandboxConfig::heartbeat_every`](crate::SandboxConfig::heartbeat_every)
//!   set, a loop does the same every period;
//! - `GET /sandbox/robot/sent?group=&user=&robot=` → `{"items": [{"robot_wxid", "to_group",
//!   "to_user", "content", "msg_id", "at"}]}`, what robots sent, oldest first (the last
//!   [`MAX_SENT`]); `at` is the platform's own clock (real time, RFC 3339 with milliseconds,
//!   `+08:00`), not the business clock;
//! - `GET /sandbox/robot/leaves` → `{"items": [{"robot_wxid", "group_wxid", "at"}]}`;
//! - `GET /sandbox/robot/groups`, `GET`/`PUT /sandbox/robot/groups/{group_wxid}` `{"owner_wxid"?,
//!   "member_count"?, "robot_wxid"?, "name"?, "chatter"?, "members_fail"?}` — what the sandbox
//!   knows of groups (a PUT creates a group it has not seen);
//! - `GET`/`POST /sandbox/robot/faults` `{"send_fail"?: n, "members_fail"?: n,
//!   "members_delay_ms"?: ms, "robot_wxid"?, "fault"?}` → the next n sends (member lists) answer
//!   errcode 50000; every member list answers `members_delay_ms` late (0: at once); `robot_wxid`
//!   and `fault` go together and set one robot's fault (and make it known):
//!   - `ban`: its calls answer 41002; `robot_offline` reason `banned` is emitted at once; no
//!     heartbeats;
//!   - `logout`: its calls answer 41003; `robot_offline` reason `logout` is emitted at once; no
//!     heartbeats;
//!   - `silence`: no heartbeats and no other events of that robot (nor chatter of its groups);
//!     its calls still work;
//!   - `rate_limit`: its sends answer 42901 (no event); heartbeats go on;
//!   - `none`: clears the fault; a banned or logged-out robot is announced by `robot_online` at
//!     once and heartbeats again.
//!
//!   Both answer `{"send_fail", "members_fail", "members_delay_ms", "robots": {"<wxid>":
//!   "<fault>"}}` (robots with a fault other than `none`); an unknown fault is HTTP 400. The
//!   offline/online event is posted after the state is set; when gpet cannot be reached a
//!   warning is logged and the fault holds. A banned or logged-out robot emits nothing by itself
//!   (no heartbeats, chatter or `left_group`) until it is back;
//! - `GET`/`PUT /sandbox/config/gpet` `{"base_url"}` — where gpet's callbacks are.
//!
//! With [`SandboxConfig::chatter`](crate::SandboxConfig::chatter) on, every [`CHATTER_EVERY`]
//! the members of each group registered with `"chatter": true` say a few things
//! (`group_message` events), to keep demo data alive.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{FixedOffset, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::SandboxState;

/// The header carrying the unix seconds a request or event batch was signed at.
pub const TIMESTAMP_HEADER: &str = "X-Robot-Timestamp";

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Robot-Signature";

/// How far a signed timestamp may be from now, either way.
pub const MAX_SKEW_SECS: i64 = 300;

/// Events per batch, as the contract allows.
pub const MAX_EVENTS: usize = 100;

/// How many members a member list names at most (`member_count` is reported as is).
pub const MAX_LISTED_MEMBERS: usize = 500;

/// How many sent messages the sandbox remembers; the oldest are dropped first.
pub const MAX_SENT: usize = 20_000;

/// Where gpet is when nobody said.
pub const DEFAULT_GPET_BASE_URL: &str = "http://127.0.0.1:3000";

/// gpet's callback for robot events, under its base URL.
pub const CALLBACK_PATH: &str = "/api/callbacks/robot-events";

/// How long after a leave call the `left_group` event is posted.
pub const LEAVE_EVENT_DELAY: Duration = Duration::from_millis(50);

/// How often chatter is posted.
pub const CHATTER_EVERY: Duration = Duration::from_secs(5);

/// How often the platform says each online robot is alive (the `heartbeat` event).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(60);

/// gpet's business clock, under its base URL (served by the local host only).
pub const CLOCK_PATH: &str = "/_local/clock";

/// How long the sandbox stamps real time, without asking again, once gpet had no business
/// clock (an answer of the clock itself is never kept beyond the delivery it was asked for).
pub const CLOCK_CACHE_FOR: Duration = Duration::from_secs(1);

/// How long the sandbox waits for gpet's business clock before it stamps real time.
const CLOCK_TIMEOUT: Duration = Duration::from_secs(2);

const INVALID_SIGNATURE: i64 = 40001;
const INVALID_PARAMETER: i64 = 40003;
const NOT_IN_GROUP: i64 = 41001;
const ROBOT_BANNED: i64 = 41002;
const ROBOT_OFFLINE: i64 = 41003;
const RATE_LIMITED: i64 = 42901;
const INJECTED_FAILURE: i64 = 50000;

const ROBOT_NICKNAME: &str = "群宠助手";
const NICKNAMES: [&str; 12] =
    ["小橘", "阿布", "豆豆", "团子", "年糕", "可乐", "奶茶", "布丁", "芒果", "汤圆", "咕咕", "小满"];
const CHATTER: [&str; 14] = [
    "早上好～",
    "今天天气不错",
    "有人在吗？",
    "哈哈哈哈",
    "收到",
    "晚上吃什么？",
    "我家猫又胖了",
    "刚下班，累",
    "周末去哪玩？",
    "谢谢群主",
    "这个好用吗",
    "+1",
    "明天见",
    "有没有推荐的猫粮",
];

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/robot/v1/messages", post(send_message))
        .route("/robot/v1/groups/leave", post(leave_group))
        .route("/robot/v1/groups/members", get(list_members))
        .route("/sandbox/robot/events", post(post_events))
        .route("/sandbox/robot/heartbeats", post(post_heartbeats))
        .route("/sandbox/robot/sent", get(list_sent))
        .route("/sandbox/robot/leaves", get(list_leaves))
        .route("/sandbox/robot/groups", get(list_groups))
        .route("/sandbox/robot/groups/{group_wxid}", get(show_group).put(put_group))
        .route("/sandbox/robot/faults", get(show_faults).post(set_faults))
        .route("/sandbox/config/gpet", get(show_gpet).put(put_gpet))
}

// ---------------------------------------------------------------------------------------------
// Signatures and times

/// Lower-hex HMAC-SHA256 of `timestamp + "." + body` with `secret`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether the request carries a fresh timestamp and the right signature (compared in
/// constant time).
fn signature_ok(secret: &str, headers: &HeaderMap, body: &[u8], now: i64) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    let (Some(timestamp), Some(signature)) = (header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER)) else {
        return false;
    };
    let Ok(seconds) = timestamp.parse::<i64>() else { return false };
    if (now - seconds).abs() > MAX_SKEW_SECS {
        return false;
    }
    let Ok(given) = hex::decode(signature) else { return false };
    mac(secret, timestamp, body).verify_slice(&given).is_ok()
}

fn unix_now() -> i64 {
    Utc::now().timestamp()
}

fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset")
}

/// Now as RFC 3339 in Beijing time to the second, e.g. `2026-11-26T17:44:05+08:00`.
fn beijing_now() -> String {
    Utc::now().with_timezone(&beijing()).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Now as RFC 3339 in Beijing time to the millisecond, e.g. `2026-11-26T17:44:05.123+08:00`:
/// the platform's own log.
fn beijing_now_millis() -> String {
    Utc::now().with_timezone(&beijing()).to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// Business now (real now moved by `offset_seconds`) as RFC 3339 in Beijing time to the second;
/// real now when the offset is out of chrono's range.
fn business_now(offset_seconds: i64) -> String {
    let now = Utc::now();
    let moved =
        chrono::Duration::try_seconds(offset_seconds).and_then(|offset| now.checked_add_signed(offset)).unwrap_or(now);
    moved.with_timezone(&beijing()).to_rfc3339_opts(SecondsFormat::Secs, false)
}

// ---------------------------------------------------------------------------------------------
// Answers

/// An answer with a non-zero `errcode` (HTTP 200, as the platform answers every business outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Refusal {
    errcode: i64,
    errmsg: String,
}

impl Refusal {
    fn new(errcode: i64, errmsg: impl Into<String>) -> Self {
        Self { errcode, errmsg: errmsg.into() }
    }

    fn invalid_signature() -> Self {
        Self::new(INVALID_SIGNATURE, "invalid signature")
    }

    fn invalid_parameter(detail: impl std::fmt::Display) -> Self {
        Self::new(INVALID_PARAMETER, format!("invalid parameter: {detail}"))
    }

    fn not_in_group(group_wxid: &str) -> Self {
        Self::new(NOT_IN_GROUP, format!("robot is not in group {group_wxid}"))
    }

    fn injected() -> Self {
        Self::new(INJECTED_FAILURE, "injected failure")
    }

    fn banned() -> Self {
        Self::new(ROBOT_BANNED, "robot banned")
    }

    fn offline() -> Self {
        Self::new(ROBOT_OFFLINE, "robot offline")
    }

    fn rate_limited() -> Self {
        Self::new(RATE_LIMITED, "risk control: sending too frequently, pause this robot")
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        Json(json!({ "errcode": self.errcode, "errmsg": self.errmsg })).into_response()
    }
}

/// A refusal of one of the sandbox's own routes: HTTP 400 with `{"error"}`.
fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

/// Checks `content` the way the platform does: a known `kind` with its required fields.
fn check_content(content: &Value) -> Result<(), String> {
    let Some(object) = content.as_object() else { return Err("content must be an object".to_owned()) };
    let required: &[&str] = match object.get("kind").and_then(Value::as_str) {
        Some("text") => &["text"],
        Some("link") => &["title", "url"],
        Some("miniprogram") => &["title", "appid", "pagepath"],
        Some(other) => return Err(format!("unknown content kind {other:?}")),
        None => return Err("content.kind is missing".to_owned()),
    };
    for field in required {
        match object.get(*field).and_then(Value::as_str) {
            Some(value) if !value.trim().is_empty() => {}
            _ => return Err(format!("content.{field} must be a non-empty string")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// State

/// What the sandbox knows of one group.
#[derive(Debug, Clone, Default)]
struct Group {
    group_wxid: String,
    name: Option<String>,
    robot_wxid: Option<String>,
    inviter_wxid: Option<String>,
    /// The owner a person set; wins over the inviter.
    owner_override: Option<String>,
    member_count: u64,
    left: bool,
    chatter: bool,
    /// Member lists of this group fail (errcode 50000) while set.
    members_fail: bool,
}

impl Group {
    fn new(group_wxid: &str) -> Self {
        Self { group_wxid: group_wxid.to_owned(), ..Self::default() }
    }

    fn owner(&self) -> Option<&str> {
        self.owner_override.as_deref().or(self.inviter_wxid.as_deref())
    }

    fn generated_wxid(&self, i: usize) -> String {
        format!("wxid_m_{}_{i}", self.group_wxid)
    }

    /// The owner, the robot, then generated members until `member_count` (at most
    /// [`MAX_LISTED_MEMBERS`] entries).
    fn members(&self, robot_wxid: &str) -> Vec<Member> {
        let robot = self.robot_wxid.as_deref().unwrap_or(robot_wxid);
        let owner = self.owner();
        let mut members = Vec::new();
        if let Some(owner) = owner {
            members.push(Member { wxid: owner.to_owned(), nickname: "群主".to_owned(), is_owner: true });
        }
        if !robot.is_empty() && owner != Some(robot) {
            members.push(Member { wxid: robot.to_owned(), nickname: ROBOT_NICKNAME.to_owned(), is_owner: false });
        }
        let wanted = usize::try_from(self.member_count).unwrap_or(usize::MAX).min(MAX_LISTED_MEMBERS);
        let mut i = 1;
        while members.len() < wanted {
            members.push(Member {
                wxid: self.generated_wxid(i),
                nickname: format!("{}{i}", NICKNAMES[(i - 1) % NICKNAMES.len()]),
                is_owner: false,
            });
            i += 1;
        }
        members
    }

    /// How many generated members the list names.
    fn generated_count(&self) -> usize {
        let fixed = usize::from(self.owner().is_some()) + usize::from(self.robot_wxid.is_some());
        usize::try_from(self.member_count).unwrap_or(usize::MAX).min(MAX_LISTED_MEMBERS).saturating_sub(fixed)
    }

    fn view(&self) -> Value {
        json!({
            "group_wxid": self.group_wxid,
            "name": self.name,
            "robot_wxid": self.robot_wxid,
            "inviter_wxid": self.inviter_wxid,
            "owner_wxid": self.owner(),
            "member_count": self.member_count,
            "left": self.left,
            "chatter": self.chatter,
            "members_fail": self.members_fail,
        })
    }
}

#[derive(Debug, Clone, Serialize)]
struct Member {
    wxid: String,
    nickname: String,
    is_owner: bool,
}

/// One message a robot sent.
#[derive(Debug, Clone, Serialize)]
struct Sent {
    robot_wxid: String,
    to_group: Option<String>,
    to_user: Option<String>,
    content: Value,
    msg_id: String,
    at: String,
}

#[derive(Debug, Clone, Serialize)]
struct Leave {
    robot_wxid: String,
    group_wxid: String,
    at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Faults {
    send_fail: u32,
    members_fail: u32,
    /// Every member list answers this many milliseconds late (a slow platform).
    members_delay_ms: u64,
}

/// What is wrong with one robot, as `POST /sandbox/robot/faults` sets it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum RobotFault {
    #[default]
    None,
    /// WeChat banned the account: every call answers 41002.
    Ban,
    /// Logged out: every call answers 41003.
    Logout,
    /// Online, but no event of it reaches gpet.
    Silence,
    /// Sends answer 42901.
    RateLimit,
}

impl RobotFault {
    const NAMES: &str = "ban, logout, silence, rate_limit or none";

    fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "ban" => Some(Self::Ban),
            "logout" => Some(Self::Logout),
            "silence" => Some(Self::Silence),
            "rate_limit" => Some(Self::RateLimit),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Ban => "ban",
            Self::Logout => "logout",
            Self::Silence => "silence",
            Self::RateLimit => "rate_limit",
        }
    }

    /// Banned or logged out: the platform has the robot offline.
    fn offline(self) -> bool {
        matches!(self, Self::Ban | Self::Logout)
    }

    /// Whether events of the robot reach gpet (heartbeats, chatter, `left_group`).
    fn speaks(self) -> bool {
        matches!(self, Self::None | Self::RateLimit)
    }

    /// The refusal every call of the robot gets, if any.
    fn refusal(self) -> Option<Refusal> {
        match self {
            Self::Ban => Some(Refusal::banned()),
            Self::Logout => Some(Refusal::offline()),
            _ => None,
        }
    }

    /// The event that announces the move from `self` to `next`, if any: offline when it gets
    /// banned or logged out, online when it leaves that for a state that speaks.
    fn transition_event(self, next: Self, robot_wxid: &str) -> Option<Value> {
        let reason = match next {
            Self::Ban => "banned",
            Self::Logout => "logout",
            _ if self.offline() && next.speaks() => {
                return Some(json!({ "type": "robot_online", "robot_wxid": robot_wxid }));
            }
            _ => return None,
        };
        (self != next).then(|| json!({ "type": "robot_offline", "robot_wxid": robot_wxid, "reason": reason }))
    }
}

/// When gpet at `base_url` last had no business clock.
#[derive(Debug, Clone)]
struct NoClock {
    base_url: String,
    asked: Instant,
}

/// The platform's memory: groups, robots, what robots sent and left, the faults.
pub(crate) struct RobotState {
    groups: BTreeMap<String, Group>,
    /// Every robot the sandbox has seen, with its fault.
    robots: BTreeMap<String, RobotFault>,
    sent: VecDeque<Sent>,
    leaves: Vec<Leave>,
    faults: Faults,
    no_clock: Option<NoClock>,
    next_msg: u64,
    next_event: u64,
    next_group_msg: u64,
}

impl RobotState {
    pub(crate) fn new() -> Self {
        Self {
            groups: BTreeMap::new(),
            robots: BTreeMap::new(),
            sent: VecDeque::new(),
            leaves: Vec::new(),
            faults: Faults::default(),
            no_clock: None,
            next_msg: 0,
            next_event: 0,
            next_group_msg: 0,
        }
    }

    /// Remembers a robot (no fault unless one is set).
    fn see(&mut self, robot_wxid: &str) {
        if !robot_wxid.trim().is_empty() && !self.robots.contains_key(robot_wxid) {
            self.robots.insert(robot_wxid.to_owned(), RobotFault::None);
        }
    }

    fn fault_of(&self, robot_wxid: &str) -> RobotFault {
        self.robots.get(robot_wxid).copied().unwrap_or_default()
    }

    /// Sets a robot's fault (making it known) and answers the event announcing the change.
    fn set_fault(&mut self, robot_wxid: &str, fault: RobotFault) -> Option<Value> {
        let before = self.fault_of(robot_wxid);
        self.robots.insert(robot_wxid.to_owned(), fault);
        before.transition_event(fault, robot_wxid)
    }

    /// The global fault fields and `robots`: each robot with a fault other than none.
    fn faults_view(&self) -> Value {
        let robots: Map<String, Value> = self
            .robots
            .iter()
            .filter(|(_, fault)| **fault != RobotFault::None)
            .map(|(wxid, fault)| (wxid.clone(), Value::from(fault.name())))
            .collect();
        json!({
            "send_fail": self.faults.send_fail,
            "members_fail": self.faults.members_fail,
            "members_delay_ms": self.faults.members_delay_ms,
            "robots": robots,
        })
    }

    /// The known robots that heartbeat: neither banned, logged out nor silenced.
    fn heartbeating(&self) -> Vec<String> {
        self.robots.iter().filter(|(_, fault)| fault.speaks()).map(|(wxid, _)| wxid.clone()).collect()
    }

    /// Drops the events of robots that say nothing now (banned, logged out, silenced).
    fn spoken(&self, events: Vec<Value>) -> Vec<Value> {
        events
            .into_iter()
            .filter(|event| {
                event.get("robot_wxid").and_then(Value::as_str).is_none_or(|wxid| self.fault_of(wxid).speaks())
            })
            .collect()
    }

    /// Whether gpet at `base_url` had no business clock less than [`CLOCK_CACHE_FOR`] ago.
    fn knows_no_clock(&self, base_url: &str, now: Instant) -> bool {
        self.no_clock
            .as_ref()
            .is_some_and(|miss| miss.base_url == base_url && now.duration_since(miss.asked) < CLOCK_CACHE_FOR)
    }

    fn group_mut(&mut self, group_wxid: &str) -> &mut Group {
        self.groups.entry(group_wxid.to_owned()).or_insert_with(|| Group::new(group_wxid))
    }

    fn has_left(&self, group_wxid: &str) -> bool {
        self.groups.get(group_wxid).is_some_and(|group| group.left)
    }

    /// Accepts or refuses one authenticated, well-formed send.
    fn send(&mut self, request: SendRequest, at: String) -> Result<String, Refusal> {
        self.see(&request.robot_wxid);
        let fault = self.fault_of(&request.robot_wxid);
        if let Some(refusal) = fault.refusal() {
            return Err(refusal);
        }
        if fault == RobotFault::RateLimit {
            return Err(Refusal::rate_limited());
        }
        if self.faults.send_fail > 0 {
            self.faults.send_fail -= 1;
            return Err(Refusal::injected());
        }
        if let Some(group_wxid) = request.to_group.as_deref()
            && self.has_left(group_wxid)
        {
            return Err(Refusal::not_in_group(group_wxid));
        }
        self.next_msg += 1;
        let msg_id = format!("sbx_msg_{}", self.next_msg);
        while self.sent.len() >= MAX_SENT {
            self.sent.pop_front();
        }
        self.sent.push_back(Sent {
            robot_wxid: request.robot_wxid,
            to_group: request.to_group,
            to_user: request.to_user,
            content: request.content,
            msg_id: msg_id.clone(),
            at,
        });
        Ok(msg_id)
    }

    fn leave(&mut self, robot_wxid: &str, group_wxid: &str, at: String) -> Result<(), Refusal> {
        self.see(robot_wxid);
        if let Some(refusal) = self.fault_of(robot_wxid).refusal() {
            return Err(refusal);
        }
        if self.has_left(group_wxid) {
            return Err(Refusal::not_in_group(group_wxid));
        }
        let group = self.group_mut(group_wxid);
        group.left = true;
        group.robot_wxid.get_or_insert_with(|| robot_wxid.to_owned());
        self.leaves.push(Leave { robot_wxid: robot_wxid.to_owned(), group_wxid: group_wxid.to_owned(), at });
        Ok(())
    }

    fn members(&mut self, robot_wxid: &str, group_wxid: &str) -> Result<Value, Refusal> {
        self.see(robot_wxid);
        if let Some(refusal) = self.fault_of(robot_wxid).refusal() {
            return Err(refusal);
        }
        if self.faults.members_fail > 0 {
            self.faults.members_fail -= 1;
            return Err(Refusal::injected());
        }
        let group = match self.groups.get(group_wxid) {
            Some(group) if !group.left => group,
            _ => return Err(Refusal::not_in_group(group_wxid)),
        };
        if group.members_fail {
            return Err(Refusal::injected());
        }
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "group_wxid": group.group_wxid,
            "owner_wxid": group.owner(),
            "member_count": group.member_count,
            "members": group.members(robot_wxid),
        }))
    }

    /// Fills a missing `id` and `at`.
    fn stamp(&mut self, event: &mut Map<String, Value>, at: &str) {
        if event.get("id").is_none_or(Value::is_null) {
            self.next_event += 1;
            let salt: u32 = rand::rng().random();
            event.insert("id".to_owned(), Value::String(format!("sbx_evt_{}_{salt:08x}", self.next_event)));
        }
        if event.get("at").is_none_or(Value::is_null) {
            event.insert("at".to_owned(), Value::String(at.to_owned()));
        }
    }

    /// What an event tells about robots and groups.
    fn learn(&mut self, event: &Map<String, Value>) {
        let text = |field: &str| event.get(field).and_then(Value::as_str).filter(|value| !value.is_empty());
        if let Some(robot_wxid) = text("robot_wxid") {
            self.see(robot_wxid);
        }
        let (Some(kind), Some(group_wxid)) = (text("type"), text("group_wxid")) else { return };
        let robot_wxid = text("robot_wxid");
        let member_count = event.get("member_count").and_then(Value::as_u64);
        let group = match kind {
            "joined_group" | "left_group" | "member_count" => self.group_mut(group_wxid),
            _ => return,
        };
        if let Some(robot_wxid) = robot_wxid {
            group.robot_wxid = Some(robot_wxid.to_owned());
        }
        match kind {
            "joined_group" => {
                group.left = false;
                if let Some(name) = text("group_name") {
                    group.name = Some(name.to_owned());
                }
                if let Some(inviter) = text("inviter_wxid") {
                    group.inviter_wxid = Some(inviter.to_owned());
                }
                if let Some(count) = member_count {
                    group.member_count = count;
                }
            }
            "left_group" => group.left = true,
            _ => {
                if let Some(count) = member_count {
                    group.member_count = count;
                }
            }
        }
    }

    /// Stamps every event (`at`: business now, RFC 3339), learns from it, and answers the ids in
    /// order.
    fn prepare(&mut self, events: &mut [Value], at: &str) -> Vec<Value> {
        events
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .map(|event| {
                self.stamp(event, at);
                self.learn(event);
                event["id"].clone()
            })
            .collect()
    }

    /// One chatter round: 1–3 text messages in each chatty group the robot is still in (and
    /// speaks: neither banned, logged out nor silenced).
    fn chatter_events(&mut self, rng: &mut impl Rng) -> Vec<Value> {
        let chatty: Vec<Group> = self.groups.values().filter(|group| group.chatter && !group.left).cloned().collect();
        let mut events = Vec::new();
        for group in chatty {
            let robot_wxid = group.robot_wxid.clone().unwrap_or_else(|| "wxid_sbx_robot".to_owned());
            if !self.fault_of(&robot_wxid).speaks() {
                continue;
            }
            for _ in 0..rng.random_range(1..=3) {
                let generated = group.generated_count();
                let sender = if generated > 0 {
                    group.generated_wxid(rng.random_range(1..=generated))
                } else {
                    group.owner().map(str::to_owned).unwrap_or_else(|| group.generated_wxid(1))
                };
                self.next_group_msg += 1;
                events.push(json!({
                    "type": "group_message",
                    "robot_wxid": robot_wxid,
                    "group_wxid": group.group_wxid,
                    "sender_wxid": sender,
                    "msg_id": format!("sbx_gmsg_{}", self.next_group_msg),
                    "msg_type": "text",
                    "text": CHATTER[rng.random_range(0..CHATTER.len())],
                }));
            }
        }
        events
    }
}

// ---------------------------------------------------------------------------------------------
// Delivering events to gpet

/// How an event batch is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signing {
    Good,
    Missing,
    Wrong,
}

/// gpet's answer to one batch.
#[derive(Debug)]
struct Delivery {
    ids: Vec<Value>,
    status: u16,
    answer: Value,
}

/// The offset of gpet's business clock, from an answer of `GET /_local/clock`: the envelope
/// with code 0 (or gpet's own success code, 1200) and an integer `data.offset_seconds`.
fn clock_offset(answer: &Value) -> Option<i64> {
    match answer.get("code").and_then(Value::as_i64) {
        Some(0 | 1200) => answer.get("data")?.get("offset_seconds")?.as_i64(),
        _ => None,
    }
}

/// How far gpet's business clock is ahead of real time, in seconds, asked of
/// `{gpet}/_local/clock`; 0 where gpet has no such route (a deployed gpet), cannot be reached or
/// answers anything else, and then for [`CLOCK_CACHE_FOR`] without asking.
async fn business_offset(state: &SandboxState) -> i64 {
    let base_url = state.gpet_base_url();
    if state.robot().knows_no_clock(&base_url, Instant::now()) {
        return 0;
    }
    let url = format!("{base_url}{CLOCK_PATH}");
    let answer = match state.http().get(&url).timeout(CLOCK_TIMEOUT).send().await {
        Ok(response) if response.status().is_success() => response.json::<Value>().await.ok(),
        Ok(response) => {
            tracing::debug!(status = response.status().as_u16(), "no business clock: real time");
            None
        }
        Err(error) => {
            tracing::debug!(error = %error_chain(&error), "no business clock: real time");
            None
        }
    };
    match answer.as_ref().and_then(clock_offset) {
        Some(offset) => {
            state.robot().no_clock = None;
            offset
        }
        None => {
            state.robot().no_clock = Some(NoClock { base_url, asked: Instant::now() });
            0
        }
    }
}

/// Stamps `events` (the business clock's now where `at` is missing), learns from them, and
/// posts them as one batch to gpet's callback.
async fn emit(state: &SandboxState, mut events: Vec<Value>, signing: Signing) -> Result<Delivery, String> {
    let unstamped = events.iter().any(|event| event.get("at").is_none_or(Value::is_null));
    let offset = if unstamped { business_offset(state).await } else { 0 };
    let ids = state.robot().prepare(&mut events, &business_now(offset));
    let body = serde_json::to_vec(&json!({ "events": events })).map_err(|error| error.to_string())?;
    let url = format!("{}{CALLBACK_PATH}", state.gpet_base_url());
    let timestamp = unix_now().to_string();
    let mut request = state.http().post(&url).header("Content-Type", "application/json");
    match signing {
        Signing::Good => {
            let signature = sign(&state.config().robot_secret, &timestamp, &body);
            request = request.header(TIMESTAMP_HEADER, &timestamp).header(SIGNATURE_HEADER, signature);
        }
        Signing::Wrong => {
            let signature = sign("not-the-robot-secret", &timestamp, &body);
            request = request.header(TIMESTAMP_HEADER, &timestamp).header(SIGNATURE_HEADER, signature);
        }
        Signing::Missing => {}
    }
    let response = request.body(body).send().await.map_err(|error| format!("POST {url}: {}", error_chain(&error)))?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|error| format!("POST {url}: {}", error_chain(&error)))?;
    let answer = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    tracing::info!(events = ids.len(), status, ?signing, "robot events delivered");
    Ok(Delivery { ids, status, answer })
}

pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Posts what robots say by themselves, leaving out the robots that say nothing now (banned,
/// logged out, silenced); a failure is logged as a warning.
async fn emit_spoken(state: &SandboxState, events: Vec<Value>, what: &str) {
    let events = state.robot().spoken(events);
    if events.is_empty() {
        return;
    }
    if let Err(error) = emit(state, events, Signing::Good).await {
        tracing::warn!(%error, "{what} not delivered");
    }
}

/// Posts one `heartbeat` for every known robot that is neither banned, logged out nor
/// silenced, in batches of at most [`MAX_EVENTS`]; answers the robots and how many events were
/// delivered.
async fn heartbeat(state: &SandboxState) -> Result<(Vec<String>, usize), String> {
    let robots = state.robot().heartbeating();
    if robots.is_empty() {
        return Ok((robots, 0));
    }
    // One round, one time: the clock is asked once for every batch.
    let at = business_now(business_offset(state).await);
    let mut delivered = 0;
    for chunk in robots.chunks(MAX_EVENTS) {
        let events = chunk.iter().map(|wxid| json!({ "type": "heartbeat", "robot_wxid": wxid, "at": at })).collect();
        delivered += emit(state, events, Signing::Good).await?.ids.len();
    }
    Ok((robots, delivered))
}

/// Heartbeats every `every` for as long as the sandbox runs.
pub(crate) async fn heartbeat_loop(state: SandboxState, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        if let Err(error) = heartbeat(&state).await {
            tracing::warn!(%error, "heartbeats not delivered");
        }
    }
}

/// Posts chatter every [`CHATTER_EVERY`] for as long as the sandbox runs.
pub(crate) async fn chatter_loop(state: SandboxState) {
    let mut every = tokio::time::interval(CHATTER_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let events = state.robot().chatter_events(&mut rand::rng());
        emit_spoken(&state, events, "chatter").await;
    }
}

// ---------------------------------------------------------------------------------------------
// Partner API

#[derive(Debug, Deserialize)]
struct SendRequest {
    robot_wxid: String,
    #[serde(default)]
    to_group: Option<String>,
    #[serde(default)]
    to_user: Option<String>,
    content: Value,
}

/// The signature check every partner call starts with.
fn check_signature(state: &SandboxState, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    if signature_ok(&state.config().robot_secret, headers, body, unix_now()) {
        Ok(())
    } else {
        Err(Refusal::invalid_signature())
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.trim().is_empty())
}

async fn send_message(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refusal) = check_signature(&state, &headers, &body) {
        return refusal.into_response();
    }
    let mut request: SendRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return Refusal::invalid_parameter(error).into_response(),
    };
    request.to_group = non_empty(request.to_group);
    request.to_user = non_empty(request.to_user);
    if request.robot_wxid.trim().is_empty() {
        return Refusal::invalid_parameter("robot_wxid is empty").into_response();
    }
    if request.to_group.is_some() == request.to_user.is_some() {
        return Refusal::invalid_parameter("name exactly one of to_group and to_user").into_response();
    }
    if let Err(problem) = check_content(&request.content) {
        return Refusal::invalid_parameter(problem).into_response();
    }
    let outcome = state.robot().send(request, beijing_now_millis());
    match outcome {
        Ok(msg_id) => {
            tracing::info!(%msg_id, "robot message sent");
            Json(json!({ "errcode": 0, "errmsg": "ok", "msg_id": msg_id })).into_response()
        }
        Err(refusal) => {
            tracing::info!(errcode = refusal.errcode, "robot message refused");
            refusal.into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
struct LeaveRequest {
    robot_wxid: String,
    group_wxid: String,
}

async fn leave_group(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refusal) = check_signature(&state, &headers, &body) {
        return refusal.into_response();
    }
    let request: LeaveRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return Refusal::invalid_parameter(error).into_response(),
    };
    if request.robot_wxid.trim().is_empty() || request.group_wxid.trim().is_empty() {
        return Refusal::invalid_parameter("robot_wxid and group_wxid must not be empty").into_response();
    }
    let outcome = state.robot().leave(&request.robot_wxid, &request.group_wxid, beijing_now());
    if let Err(refusal) = outcome {
        return refusal.into_response();
    }
    tracing::info!(group_wxid = %request.group_wxid, "robot left a group");
    let event = json!({
        "type": "left_group",
        "robot_wxid": request.robot_wxid,
        "group_wxid": request.group_wxid,
        "reason": "quit",
    });
    tokio::spawn(async move {
        tokio::time::sleep(LEAVE_EVENT_DELAY).await;
        emit_spoken(&state, vec![event], "left_group event").await;
    });
    Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response()
}

#[derive(Debug, Deserialize)]
struct MembersQuery {
    robot_wxid: Option<String>,
    group_wxid: Option<String>,
}

async fn list_members(
    State(state): State<SandboxState>,
    headers: HeaderMap,
    Query(query): Query<MembersQuery>,
    body: Bytes,
) -> Response {
    if let Err(refusal) = check_signature(&state, &headers, &body) {
        return refusal.into_response();
    }
    let (Some(robot_wxid), Some(group_wxid)) = (non_empty(query.robot_wxid), non_empty(query.group_wxid)) else {
        return Refusal::invalid_parameter("robot_wxid and group_wxid are required").into_response();
    };
    let delay = state.robot().faults.members_delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let outcome = state.robot().members(&robot_wxid, &group_wxid);
    match outcome {
        Ok(answer) => Json(answer).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own routes

#[derive(Debug, Default, Deserialize)]
struct EventsQuery {
    unsigned: Option<String>,
    bad_signature: Option<String>,
}

fn flag(value: Option<&str>) -> bool {
    matches!(value, Some("1" | "true" | "yes"))
}

async fn post_events(State(state): State<SandboxState>, Query(query): Query<EventsQuery>, body: Bytes) -> Response {
    let expected = "expected {\"events\": [event objects]}";
    let events = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut object)) => match object.remove("events") {
            Some(Value::Array(events)) => events,
            _ => return bad_request(expected),
        },
        Ok(_) => return bad_request(expected),
        Err(error) => return bad_request(format!("{expected}: {error}")),
    };
    if events.len() > MAX_EVENTS {
        return bad_request(format!("at most {MAX_EVENTS} events per batch, not {}", events.len()));
    }
    if let Some(position) = events.iter().position(|event| !event.is_object()) {
        return bad_request(format!("events[{position}] is not an object"));
    }
    let signing = if flag(query.unsigned.as_deref()) {
        Signing::Missing
    } else if flag(query.bad_signature.as_deref()) {
        Signing::Wrong
    } else {
        Signing::Good
    };
    match emit(&state, events, signing).await {
        Ok(delivery) => Json(json!({
            "delivered": delivery.ids.len(),
            "status": delivery.status,
            "answer": delivery.answer,
            "ids": delivery.ids,
        }))
        .into_response(),
        Err(error) => (StatusCode::BAD_GATEWAY, Json(json!({ "error": error }))).into_response(),
    }
}

async fn post_heartbeats(State(state): State<SandboxState>) -> Response {
    match heartbeat(&state).await {
        Ok((robots, delivered)) => {
            tracing::info!(robots = robots.len(), delivered, "heartbeats posted");
            Json(json!({ "robots": robots, "delivered": delivered })).into_response()
        }
        Err(error) => (StatusCode::BAD_GATEWAY, Json(json!({ "error": error }))).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct SentQuery {
    group: Option<String>,
    user: Option<String>,
    robot: Option<String>,
}

async fn list_sent(State(state): State<SandboxState>, Query(query): Query<SentQuery>) -> Json<Value> {
    let group = non_empty(query.group);
    let user = non_empty(query.user);
    let robot = non_empty(query.robot);
    let items: Vec<Sent> = state
        .robot()
        .sent
        .iter()
        .filter(|sent| group.is_none() || sent.to_group == group)
        .filter(|sent| user.is_none() || sent.to_user == user)
        .filter(|sent| robot.as_ref().is_none_or(|robot| sent.robot_wxid == *robot))
        .cloned()
        .collect();
    Json(json!({ "items": items }))
}

async fn list_leaves(State(state): State<SandboxState>) -> Json<Value> {
    let items = state.robot().leaves.clone();
    Json(json!({ "items": items }))
}

async fn list_groups(State(state): State<SandboxState>) -> Json<Value> {
    let items: Vec<Value> = state.robot().groups.values().map(Group::view).collect();
    Json(json!({ "items": items }))
}

async fn show_group(State(state): State<SandboxState>, Path(group_wxid): Path<String>) -> Response {
    match state.robot().groups.get(&group_wxid) {
        Some(group) => Json(group.view()).into_response(),
        None => {
            (StatusCode::NOT_FOUND, Json(json!({ "error": format!("no group {group_wxid} known") }))).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRequest {
    owner_wxid: Option<String>,
    member_count: Option<u64>,
    robot_wxid: Option<String>,
    name: Option<String>,
    chatter: Option<bool>,
    members_fail: Option<bool>,
}

async fn put_group(State(state): State<SandboxState>, Path(group_wxid): Path<String>, body: Bytes) -> Response {
    let request: GroupRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "expected {{\"owner_wxid\"?, \"member_count\"?, \"robot_wxid\"?, \"name\"?, \"chatter\"?, \"members_fail\"?}}: {error}"
            ));
        }
    };
    if group_wxid.trim().is_empty() {
        return bad_request("the group wxid is empty");
    }
    let mut robot = state.robot();
    let group = robot.group_mut(&group_wxid);
    if let Some(owner) = request.owner_wxid {
        group.owner_override = non_empty(Some(owner));
    }
    if let Some(count) = request.member_count {
        group.member_count = count;
    }
    if let Some(robot_wxid) = non_empty(request.robot_wxid) {
        group.robot_wxid = Some(robot_wxid);
    }
    if let Some(name) = request.name {
        group.name = Some(name);
    }
    if let Some(chatter) = request.chatter {
        group.chatter = chatter;
    }
    if let Some(members_fail) = request.members_fail {
        group.members_fail = members_fail;
    }
    Json(group.view()).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    send_fail: Option<u32>,
    members_fail: Option<u32>,
    members_delay_ms: Option<u64>,
    robot_wxid: Option<String>,
    fault: Option<String>,
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Value> {
    Json(state.robot().faults_view())
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: FaultsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "expected {{\"send_fail\"?: n, \"members_fail\"?: n, \"members_delay_ms\"?: ms, \"robot_wxid\"?, \"fault\"?}}: {error}"
            ));
        }
    };
    let robot_fault = match (request.robot_wxid, request.fault) {
        (None, None) => None,
        (Some(robot_wxid), Some(fault)) => {
            if robot_wxid.trim().is_empty() {
                return bad_request("robot_wxid is empty");
            }
            match RobotFault::parse(&fault) {
                Some(fault) => Some((robot_wxid, fault)),
                None => return bad_request(format!("unknown fault {fault:?}: expected {}", RobotFault::NAMES)),
            }
        }
        _ => return bad_request("robot_wxid and fault go together"),
    };
    let (answer, event) = {
        let mut robot = state.robot();
        if let Some(n) = request.send_fail {
            robot.faults.send_fail = n;
        }
        if let Some(n) = request.members_fail {
            robot.faults.members_fail = n;
        }
        if let Some(ms) = request.members_delay_ms {
            robot.faults.members_delay_ms = ms;
        }
        let event = robot_fault.as_ref().and_then(|(robot_wxid, fault)| {
            tracing::info!(%robot_wxid, fault = fault.name(), "robot fault set");
            robot.set_fault(robot_wxid, *fault)
        });
        tracing::info!(
            send_fail = robot.faults.send_fail,
            members_fail = robot.faults.members_fail,
            members_delay_ms = robot.faults.members_delay_ms,
            "robot faults set"
        );
        (robot.faults_view(), event)
    };
    if let Some(event) = event {
        let kind = event["type"].as_str().unwrap_or_default().to_owned();
        if let Err(error) = emit(&state, vec![event], Signing::Good).await {
            tracing::warn!(%error, "{kind} event not delivered (the fault holds)");
        }
    }
    Json(answer).into_response()
}

async fn show_gpet(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "base_url": state.gpet_base_url() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GpetRequest {
    base_url: String,
}

async fn put_gpet(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: GpetRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return bad_request(format!("expected {{\"base_url\": \"http://…\"}}: {error}")),
    };
    match url::Url::parse(&request.base_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => return bad_request(format!("{:?} is not an http(s) URL", request.base_url)),
    }
    state.set_gpet_base_url(&request.base_url);
    Json(json!({ "base_url": state.gpet_base_url() })).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn signed_headers(timestamp: &str, signature: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(TIMESTAMP_HEADER, HeaderValue::from_str(timestamp).unwrap());
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(signature).unwrap());
        headers
    }

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // HMAC-SHA256("key", "1700000000.{}"), the value gpet's own client test pins.
        assert_eq!(
            sign("key", "1700000000", b"{}"),
            "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        let good = signed_headers("1700000000", &sign("key", "1700000000", b"{}"));
        assert!(signature_ok("key", &good, b"{}", 1_700_000_000 + MAX_SKEW_SECS));
        assert!(signature_ok("key", &good, b"{}", 1_700_000_000 - MAX_SKEW_SECS));
        assert!(!signature_ok("key", &good, b"{}", 1_700_000_000 + MAX_SKEW_SECS + 1));
        assert!(!signature_ok("key", &good, b"{ }", 1_700_000_000));
        assert!(!signature_ok("other", &good, b"{}", 1_700_000_000));
        assert!(!signature_ok("key", &signed_headers("1700000000", "zz"), b"{}", 1_700_000_000));
        assert!(!signature_ok("key", &HeaderMap::new(), b"{}", 1_700_000_000));
    }

    #[test]
    fn content_needs_its_kinds_fields() {
        assert!(check_content(&json!({"kind": "text", "text": "hi"})).is_ok());
        assert!(check_content(&json!({"kind": "text", "text": "  "})).is_err());
        assert!(check_content(&json!({"kind": "link", "title": "t", "url": "https://x.cn"})).is_ok());
        assert!(check_content(&json!({"kind": "link", "title": "t"})).is_err());
        assert!(check_content(&json!({"kind": "miniprogram", "title": "t", "appid": "wx1", "pagepath": "p"})).is_ok());
        assert!(check_content(&json!({"kind": "miniprogram", "title": "t", "appid": "wx1"})).is_err());
        assert!(check_content(&json!({"kind": "video", "url": "u"})).is_err());
        assert!(check_content(&json!("hi")).is_err());
    }

    #[test]
    fn members_are_owner_robot_then_generated_up_to_the_cap() {
        let mut group = Group::new("g1@chatroom");
        group.inviter_wxid = Some("wxid_owner".to_owned());
        group.robot_wxid = Some("wxid_robot".to_owned());
        group.member_count = 4;
        let wxids: Vec<String> = group.members("ignored").into_iter().map(|member| member.wxid).collect();
        assert_eq!(wxids, ["wxid_owner", "wxid_robot", "wxid_m_g1@chatroom_1", "wxid_m_g1@chatroom_2"]);
        assert_eq!(group.generated_count(), 2);
        group.member_count = 2000;
        assert_eq!(group.members("ignored").len(), MAX_LISTED_MEMBERS);
        assert_eq!(group.generated_count(), MAX_LISTED_MEMBERS - 2);
    }

    #[test]
    fn chatter_speaks_only_in_chatty_groups_still_joined() {
        let mut robot = RobotState::new();
        for (wxid, chatter, left) in
            [("a@chatroom", true, false), ("b@chatroom", false, false), ("c@chatroom", true, true)]
        {
            let group = robot.group_mut(wxid);
            group.chatter = chatter;
            group.left = left;
            group.member_count = 30;
            group.robot_wxid = Some("wxid_robot".to_owned());
            group.inviter_wxid = Some("wxid_owner".to_owned());
        }
        let mut rng = rand::rng();
        for _ in 0..20 {
            let events = robot.chatter_events(&mut rng);
            assert!((1..=3).contains(&events.len()), "{events:?}");
            for event in events {
                assert_eq!(event["type"], "group_message");
                assert_eq!(event["group_wxid"], "a@chatroom");
                assert_eq!(event["msg_type"], "text");
                let sender = event["sender_wxid"].as_str().unwrap();
                let i: usize = sender.strip_prefix("wxid_m_a@chatroom_").unwrap().parse().unwrap();
                assert!((1..=28).contains(&i), "{sender}");
                assert!(CHATTER.contains(&event["text"].as_str().unwrap()));
            }
        }
    }

    #[test]
    fn events_teach_the_sandbox_its_groups() {
        let mut robot = RobotState::new();
        let mut events = vec![
            json!({"type": "joined_group", "robot_wxid": "r", "group_wxid": "g", "group_name": "猫友群", "inviter_wxid": "o", "member_count": 40}),
            json!({"id": "given", "type": "member_count", "robot_wxid": "r", "group_wxid": "g", "member_count": 41}),
        ];
        let ids = robot.prepare(&mut events, &business_now(0));
        assert_eq!(ids[1], "given");
        assert!(ids[0].as_str().unwrap().starts_with("sbx_evt_1_"), "{ids:?}");
        assert!(events[0]["at"].as_str().unwrap().ends_with("+08:00"));
        let group = &robot.groups["g"];
        assert_eq!((group.owner(), group.member_count, group.name.as_deref()), (Some("o"), 41, Some("猫友群")));
        robot.prepare(
            &mut [json!({"type": "left_group", "robot_wxid": "r", "group_wxid": "g", "reason": "removed"})],
            &business_now(0),
        );
        assert!(robot.groups["g"].left);
        assert_eq!(robot.heartbeating(), ["r"], "events teach it robots too");
    }

    #[test]
    fn faults_parse_by_name_and_round_trip() {
        for name in ["none", "ban", "logout", "silence", "rate_limit"] {
            assert_eq!(RobotFault::parse(name).map(RobotFault::name), Some(name));
            assert!(RobotFault::NAMES.contains(name), "{name}");
        }
        assert_eq!(RobotFault::parse("banned"), None);
        assert_eq!(RobotFault::parse("BAN"), None);
    }

    #[test]
    fn only_going_offline_or_coming_back_is_announced() {
        use RobotFault::*;
        let event = |from: RobotFault, to: RobotFault| from.transition_event(to, "r");
        assert_eq!(event(None, Ban), Some(json!({"type": "robot_offline", "robot_wxid": "r", "reason": "banned"})));
        assert_eq!(
            event(Silence, Logout),
            Some(json!({"type": "robot_offline", "robot_wxid": "r", "reason": "logout"}))
        );
        assert_eq!(event(Logout, Ban).unwrap()["reason"], "banned");
        assert_eq!(event(Ban, None), Some(json!({"type": "robot_online", "robot_wxid": "r"})));
        assert_eq!(event(Logout, RateLimit).unwrap()["type"], "robot_online");
        for (from, to) in [
            (Ban, Ban),
            (Logout, Logout),
            (Ban, Silence),
            (None, None),
            (None, Silence),
            (Silence, None),
            (RateLimit, None),
            (None, RateLimit),
        ] {
            assert_eq!(event(from, to), Option::None, "{from:?} → {to:?}");
        }
    }

    #[test]
    fn faulty_robots_are_refused_and_quiet_ones_skip_heartbeats() {
        let mut robot = RobotState::new();
        let send = |robot_wxid: &str| SendRequest {
            robot_wxid: robot_wxid.to_owned(),
            to_group: Some("g".to_owned()),
            to_user: None,
            content: json!({"kind": "text", "text": "hi"}),
        };
        for (wxid, fault) in [
            ("a", RobotFault::Ban),
            ("b", RobotFault::Logout),
            ("c", RobotFault::Silence),
            ("d", RobotFault::RateLimit),
            ("e", RobotFault::None),
        ] {
            robot.set_fault(wxid, fault);
        }
        robot.see("f");
        assert_eq!(robot.send(send("a"), beijing_now_millis()).unwrap_err().errcode, ROBOT_BANNED);
        assert_eq!(robot.members("a", "g").unwrap_err().errcode, ROBOT_BANNED);
        assert_eq!(robot.leave("b", "g", beijing_now()).unwrap_err().errcode, ROBOT_OFFLINE);
        assert_eq!(robot.send(send("d"), beijing_now_millis()).unwrap_err().errcode, RATE_LIMITED);
        assert!(robot.send(send("c"), beijing_now_millis()).is_ok());
        assert_eq!(robot.sent.len(), 1, "refused sends are not recorded");
        assert_eq!(robot.heartbeating(), ["d", "e", "f"]);
        assert_eq!(
            robot.faults_view()["robots"],
            json!({"a": "ban", "b": "logout", "c": "silence", "d": "rate_limit"})
        );

        let events = ["a", "b", "c", "d", "e"].map(|wxid| json!({"type": "group_message", "robot_wxid": wxid}));
        let spoken: Vec<Value> = robot.spoken(events.to_vec());
        let wxids: Vec<&str> = spoken.iter().map(|event| event["robot_wxid"].as_str().unwrap()).collect();
        assert_eq!(wxids, ["d", "e"]);

        for (wxid, silent) in [("c@chatroom", "c"), ("e@chatroom", "e")] {
            let group = robot.group_mut(wxid);
            group.chatter = true;
            group.member_count = 10;
            group.robot_wxid = Some(silent.to_owned());
        }
        let chatter = robot.chatter_events(&mut rand::rng());
        assert!(!chatter.is_empty() && chatter.iter().all(|event| event["robot_wxid"] == "e"), "{chatter:?}");
    }

    #[test]
    fn the_business_clock_is_read_from_gpets_envelope() {
        let answer = |code: i64, offset: Value| json!({"code": code, "msg": "ok", "data": {"now": "2026-01-03T08:00:00+08:00", "offset_seconds": offset, "business_day": "2026-01-03"}});
        assert_eq!(clock_offset(&answer(0, json!(172_800))), Some(172_800));
        assert_eq!(clock_offset(&answer(1200, json!(-60))), Some(-60), "gpet's own success code");
        assert_eq!(clock_offset(&answer(1404, json!(60))), None);
        assert_eq!(clock_offset(&answer(0, json!("60"))), None);
        assert_eq!(clock_offset(&json!({"code": 0, "data": null})), None);
        assert_eq!(clock_offset(&json!("not found")), None);

        let stamped = chrono::DateTime::parse_from_rfc3339(&business_now(172_800)).unwrap();
        let ahead = stamped.signed_duration_since(Utc::now()).num_seconds();
        assert!((172_790..=172_810).contains(&ahead), "{ahead}");
        assert!(business_now(i64::MAX).ends_with("+08:00"), "out of range: real time");

        let mut robot = RobotState::new();
        let now = Instant::now();
        assert!(!robot.knows_no_clock("http://gpet", now));
        robot.no_clock = Some(NoClock { base_url: "http://gpet".to_owned(), asked: now });
        assert!(robot.knows_no_clock("http://gpet", now + Duration::from_millis(900)));
        assert!(!robot.knows_no_clock("http://gpet", now + CLOCK_CACHE_FOR), "kept at most 1 s");
        assert!(!robot.knows_no_clock("http://other", now), "another gpet is asked anew");
    }
}
