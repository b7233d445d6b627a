//! A robot platform (个人号机器人平台): robots that send messages into WeChat groups, leave
//! groups and list a group's members, and that report what happens to them as signed events to
//! gpet's callback.
//!
//! Every call to the platform and every event batch it posts is signed the same way: header
//! `X-Robot-Timestamp` (unix seconds, within [`MAX_SKEW_SECS`] of now) and header
//! `X-Robot-Signature`, the lower-hex HMAC-SHA256 of `timestamp + "." + raw body` with the
//! shared secret (the body of a GET is empty). Answers travel with HTTP 200 and an `errcode`:
//! 0 is success; 40001 bad signature, 40003 bad parameters, 41001 the robot is not in the
//! group, 50000 a fault injected by the sandbox.
//!
//! Partner API (what gpet's client calls):
//! - `POST /robot/v1/messages` `{"robot_wxid", "to_group"? | "to_user"?, "content"}` →
//!   `{"errcode": 0, "errmsg": "ok", "msg_id"}`; `content` is `{"kind": "text", "text"}`,
//!   `{"kind": "link", "title", "desc"?, "url", "image_url"?}` or
//!   `{"kind": "miniprogram", "title", "appid", "pagepath", "thumb_url"?}` and is kept as sent;
//! - `POST /robot/v1/groups/leave` `{"robot_wxid", "group_wxid"}` → errcode 0; a `left_group`
//!   event with reason `quit` follows about [`LEAVE_EVENT_DELAY`] later;
//! - `GET /robot/v1/groups/members?robot_wxid=&group_wxid=` → `{"errcode": 0, "group_wxid",
//!   "owner_wxid", "member_count", "members": [{"wxid", "nickname", "is_owner"}]}`.
//!
//! The sandbox learns groups from the events it emits (`joined_group`, `left_group`,
//! `member_count`) and from `PUT /sandbox/robot/groups/{group_wxid}`. A group's owner is the
//! robot's inviter unless that PUT named another; its member list is the owner, the robot and
//! generated members `wxid_m_{group}_{i}` up to `member_count` (at most [`MAX_LISTED_MEMBERS`]
//! listed).
//!
//! The sandbox's own routes:
//! - `POST /sandbox/robot/events[?unsigned=1|?bad_signature=1]` `{"events": [...]}` (at most
//!   [`MAX_EVENTS`]; `id` and `at` filled in when absent) → posts them signed to
//!   `{gpet}/api/callbacks/robot-events` and answers `{"delivered", "status", "answer", "ids"}`,
//!   or HTTP 502 when gpet cannot be reached;
//! - `GET /sandbox/robot/sent?group=&user=` → `{"items": [...]}`, what robots sent, oldest first;
//! - `GET /sandbox/robot/leaves` → `{"items": [{"robot_wxid", "group_wxid", "at"}]}`;
//! - `GET /sandbox/robot/groups`, `GET`/`PUT /sandbox/robot/groups/{group_wxid}` `{"owner_wxid"?,
//!   "member_count"?, "robot_wxid"?, "name"?, "chatter"?, "members_fail"?}` — what the sandbox
//!   knows of groups (a PUT creates a group it has not seen);
//! - `GET`/`POST /sandbox/robot/faults` `{"send_fail"?: n, "members_fail"?: n,
//!   "members_delay_ms"?: ms}` → the next n sends (member lists) answer errcode 50000; every
//!   member list answers `members_delay_ms` late (0: at once);
//! - `GET`/`PUT /sandbox/config/gpet` `{"base_url"}` — where gpet's callbacks are.
//!
//! With [`SandboxConfig::chatter`](crate::SandboxConfig::chatter) on, every [`CHATTER_EVERY`]
//! the members of each group registered with `"chatter": true` say a few things
//! (`group_message` events), to keep demo data alive.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

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
pub const MAX_SENT: usize = 5000;

/// Where gpet is when nobody said.
pub const DEFAULT_GPET_BASE_URL: &str = "http://127.0.0.1:3000";

/// gpet's callback for robot events, under its base URL.
pub const CALLBACK_PATH: &str = "/api/callbacks/robot-events";

/// How long after a leave call the `left_group` event is posted.
pub const LEAVE_EVENT_DELAY: Duration = Duration::from_millis(50);

/// How often chatter is posted.
pub const CHATTER_EVERY: Duration = Duration::from_secs(5);

const INVALID_SIGNATURE: i64 = 40001;
const INVALID_PARAMETER: i64 = 40003;
const NOT_IN_GROUP: i64 = 41001;
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

/// Now as RFC 3339 in Beijing time to the second, e.g. `2026-11-26T17:44:05+08:00`.
fn beijing_now() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset");
    Utc::now().with_timezone(&beijing).to_rfc3339_opts(SecondsFormat::Secs, false)
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

/// The platform's memory: groups, what robots sent and left, the fault counters.
pub(crate) struct RobotState {
    groups: BTreeMap<String, Group>,
    sent: VecDeque<Sent>,
    leaves: Vec<Leave>,
    faults: Faults,
    next_msg: u64,
    next_event: u64,
    next_group_msg: u64,
}

impl RobotState {
    pub(crate) fn new() -> Self {
        Self {
            groups: BTreeMap::new(),
            sent: VecDeque::new(),
            leaves: Vec::new(),
            faults: Faults::default(),
            next_msg: 0,
            next_event: 0,
            next_group_msg: 0,
        }
    }

    fn group_mut(&mut self, group_wxid: &str) -> &mut Group {
        self.groups.entry(group_wxid.to_owned()).or_insert_with(|| Group::new(group_wxid))
    }

    fn has_left(&self, group_wxid: &str) -> bool {
        self.groups.get(group_wxid).is_some_and(|group| group.left)
    }

    /// Accepts or refuses one authenticated, well-formed send.
    fn send(&mut self, request: SendRequest, at: String) -> Result<String, Refusal> {
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

    /// What an event tells about groups.
    fn learn(&mut self, event: &Map<String, Value>) {
        let text = |field: &str| event.get(field).and_then(Value::as_str).filter(|value| !value.is_empty());
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

    /// Stamps every event, learns from it, and answers the ids in order.
    fn prepare(&mut self, events: &mut [Value]) -> Vec<Value> {
        let at = beijing_now();
        events
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .map(|event| {
                self.stamp(event, &at);
                self.learn(event);
                event["id"].clone()
            })
            .collect()
    }

    /// One chatter round: 1–3 text messages in each chatty group the robot is still in.
    fn chatter_events(&mut self, rng: &mut impl Rng) -> Vec<Value> {
        let chatty: Vec<Group> = self.groups.values().filter(|group| group.chatter && !group.left).cloned().collect();
        let mut events = Vec::new();
        for group in chatty {
            let robot_wxid = group.robot_wxid.clone().unwrap_or_else(|| "wxid_sbx_robot".to_owned());
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

/// Stamps `events`, learns from them, and posts them as one batch to gpet's callback.
async fn emit(state: &SandboxState, mut events: Vec<Value>, signing: Signing) -> Result<Delivery, String> {
    let ids = state.robot().prepare(&mut events);
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

/// Posts chatter every [`CHATTER_EVERY`] for as long as the sandbox runs.
pub(crate) async fn chatter_loop(state: SandboxState) {
    let mut every = tokio::time::interval(CHATTER_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let events = state.robot().chatter_events(&mut rand::rng());
        if events.is_empty() {
            continue;
        }
        if let Err(error) = emit(&state, events, Signing::Good).await {
            tracing::warn!(%error, "chatter not delivered");
        }
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
    let outcome = state.robot().send(request, beijing_now());
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
        if let Err(error) = emit(&state, vec![event], Signing::Good).await {
            tracing::warn!(%error, "left_group event not delivered");
        }
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

#[derive(Debug, Deserialize)]
struct SentQuery {
    group: Option<String>,
    user: Option<String>,
}

async fn list_sent(State(state): State<SandboxState>, Query(query): Query<SentQuery>) -> Json<Value> {
    let group = non_empty(query.group);
    let user = non_empty(query.user);
    let items: Vec<Sent> = state
        .robot()
        .sent
        .iter()
        .filter(|sent| group.is_none() || sent.to_group == group)
        .filter(|sent| user.is_none() || sent.to_user == user)
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
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!(state.robot().faults))
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: FaultsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "expected {{\"send_fail\"?: n, \"members_fail\"?: n, \"members_delay_ms\"?: ms}}: {error}"
            ));
        }
    };
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
    tracing::info!(
        send_fail = robot.faults.send_fail,
        members_fail = robot.faults.members_fail,
        members_delay_ms = robot.faults.members_delay_ms,
        "robot faults set"
    );
    Json(json!(robot.faults)).into_response()
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
        let ids = robot.prepare(&mut events);
        assert_eq!(ids[1], "given");
        assert!(ids[0].as_str().unwrap().starts_with("sbx_evt_1_"), "{ids:?}");
        assert!(events[0]["at"].as_str().unwrap().ends_with("+08:00"));
        let group = &robot.groups["g"];
        assert_eq!((group.owner(), group.member_count, group.name.as_deref()), (Some("o"), 41, Some("猫友群")));
        robot.prepare(&mut [json!({"type": "left_group", "robot_wxid": "r", "group_wxid": "g", "reason": "removed"})]);
        assert!(robot.groups["g"].left);
    }
}
