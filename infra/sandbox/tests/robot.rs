//! The robot platform and the launch system over real HTTP, as gpet's clients talk to them, with
//! a stand-in for gpet's event callback that checks the signatures on its own.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use gpet_sandbox::{Sandbox, SandboxConfig};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;

const SECRET: &str = "test-robot-secret";
const ROBOT: &str = "wxid_robot_1";
const GROUP: &str = "1001@chatroom";
const OWNER: &str = "wxid_owner_1";

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The test's own HMAC-SHA256 of `timestamp + "." + body`, lower hex.
fn hmac_hex(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    mac.update(&message);
    hex::encode(mac.finalize().into_bytes())
}

// ---------------------------------------------------------------------------------------------
// A stand-in for gpet's callback

#[derive(Debug, Clone)]
struct Received {
    timestamp: Option<String>,
    signature: Option<String>,
    content_type: Option<String>,
    body: Value,
    verified: bool,
}

type Inbox = Arc<Mutex<Vec<Received>>>;

/// What the fake gpet's business clock answers (`offset: None` is no such route, as a deployed
/// gpet has none), and how often it was asked.
#[derive(Default)]
struct ClockState {
    offset: Option<i64>,
    asked: usize,
}

type Clock = Arc<Mutex<ClockState>>;

struct FakeGpet {
    url: String,
    inbox: Inbox,
    clock: Clock,
}

/// `GET /_local/clock` as gpet's local host answers it, or 404.
async fn business_clock(State((_, clock)): State<(Inbox, Clock)>) -> axum::response::Response {
    let mut clock = clock.lock().unwrap();
    clock.asked += 1;
    match clock.offset {
        Some(offset) => axum::Json(json!({
            "code": 0, "msg": "ok",
            "data": {"now": "2030-01-01T00:00:00+08:00", "offset_seconds": offset, "business_day": "2030-01-01"},
        }))
        .into_response(),
        None => (AxumStatus::NOT_FOUND, "not found").into_response(),
    }
}

async fn robot_events(
    State((inbox, _)): State<(Inbox, Clock)>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let header = |name: &str| headers.get(name).map(|value| value.to_str().unwrap().to_owned());
    let timestamp = header("x-robot-timestamp");
    let signature = header("x-robot-signature");
    let verified = match (&timestamp, &signature) {
        (Some(timestamp), Some(signature)) => {
            let fresh = timestamp.parse::<i64>().is_ok_and(|at| (unix_now() - at).abs() <= 300);
            fresh && *signature == hmac_hex(SECRET, timestamp, &body)
        }
        _ => false,
    };
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let accepted = parsed["events"].as_array().map_or(0, Vec::len);
    inbox.lock().unwrap().push(Received {
        timestamp,
        signature,
        content_type: header("content-type"),
        body: parsed,
        verified,
    });
    if verified {
        axum::Json(json!({"code": 1200, "msg": "ok", "data": {"accepted": accepted}})).into_response()
    } else {
        (AxumStatus::UNAUTHORIZED, axum::Json(json!({"code": 1401, "msg": "bad signature", "data": null})))
            .into_response()
    }
}

impl FakeGpet {
    async fn start() -> Self {
        let inbox: Inbox = Arc::default();
        let clock: Clock = Arc::default();
        let app = axum::Router::new()
            .route("/api/callbacks/robot-events", axum::routing::post(robot_events))
            .route("/_local/clock", axum::routing::get(business_clock))
            .with_state((inbox.clone(), clock.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inbox, clock }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    fn set_clock(&self, offset_seconds: Option<i64>) {
        self.clock.lock().unwrap().offset = offset_seconds;
    }

    fn clock_asked(&self) -> usize {
        self.clock.lock().unwrap().asked
    }

    /// Every event received, in order, batch after batch.
    fn events(&self) -> Vec<Value> {
        self.received().iter().flat_map(|batch| batch.body["events"].as_array().cloned().unwrap_or_default()).collect()
    }

    /// Waits (up to 3 s) for an event of `kind` about `robot` and answers it and its batch.
    async fn wait_for_event(&self, kind: &str, robot: &str) -> (Value, Received) {
        for _ in 0..300 {
            for batch in self.received() {
                let events = batch.body["events"].as_array().cloned().unwrap_or_default();
                if let Some(event) = events.into_iter().find(|e| e["type"] == kind && e["robot_wxid"] == robot) {
                    return (event, batch);
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("gpet got no {kind} of {robot}: {:?}", self.events());
    }

    /// Waits (up to 3 s) until `n` batches arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("gpet got {} batches, not {n}: {:?}", self.received().len(), self.received());
    }
}

// ---------------------------------------------------------------------------------------------
// The harness

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
    gpet: FakeGpet,
}

async fn start() -> Harness {
    start_with(SandboxConfig::default()).await
}

async fn start_with(config: SandboxConfig) -> Harness {
    let sandbox =
        gpet_sandbox::spawn(SandboxConfig { robot_secret: SECRET.to_owned(), ..config }).await.expect("sandbox starts");
    let gpet = FakeGpet::start().await;
    sandbox.set_gpet_base_url(&gpet.url);
    Harness { sandbox, http: reqwest::Client::new(), gpet }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// A partner call with the given timestamp and signature headers (either may be left out).
    async fn call_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &str,
        timestamp: Option<&str>,
        signature: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if !body.is_empty() {
            request = request.header("Content-Type", "application/json").body(body.to_owned());
        }
        if let Some(timestamp) = timestamp {
            request = request.header("X-Robot-Timestamp", timestamp);
        }
        if let Some(signature) = signature {
            request = request.header("X-Robot-Signature", signature);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// A partner call signed as gpet signs it; answers the JSON (which always comes with 200).
    async fn call(&self, method: reqwest::Method, path: &str, body: &str) -> Value {
        let timestamp = unix_now().to_string();
        let signature = hmac_hex(SECRET, &timestamp, body.as_bytes());
        let (status, answer) = self.call_raw(method, path, body, Some(&timestamp), Some(&signature)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        answer
    }

    async fn send(&self, body: &Value) -> Value {
        self.call(reqwest::Method::POST, "/robot/v1/messages", &body.to_string()).await
    }

    async fn fault(&self, robot: &str, fault: &str) -> Value {
        let (status, answer) = self.post("/sandbox/robot/faults", json!({"robot_wxid": robot, "fault": fault})).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    async fn heartbeats(&self) -> (StatusCode, Value) {
        let response = self.http.post(self.url("/sandbox/robot/heartbeats")).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn members(&self, group: &str) -> Value {
        let path = format!("/robot/v1/groups/members?robot_wxid={ROBOT}&group_wxid={group}");
        self.call(reqwest::Method::GET, &path, "").await
    }

    async fn leave(&self, group: &str) -> Value {
        let body = json!({"robot_wxid": ROBOT, "group_wxid": group}).to_string();
        self.call(reqwest::Method::POST, "/robot/v1/groups/leave", &body).await
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self.http.put(self.url(path)).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn emit(&self, events: Value) -> Value {
        let (status, answer) = self.post("/sandbox/robot/events", json!({ "events": events })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    async fn join(&self, group: &str, inviter: &str, member_count: u64) {
        let answer = self
            .emit(json!([{
                "type": "joined_group", "robot_wxid": ROBOT, "group_wxid": group,
                "group_name": "猫咪交流群", "inviter_wxid": inviter, "member_count": member_count,
            }]))
            .await;
        assert_eq!(answer["status"], 200, "{answer}");
    }

    async fn sent(&self, query: &str) -> Vec<Value> {
        self.get(&format!("/sandbox/robot/sent{query}")).await["items"].as_array().unwrap().clone()
    }
}

fn text_to_group(group: &str, text: &str) -> Value {
    json!({"robot_wxid": ROBOT, "to_group": group, "content": {"kind": "text", "text": text}})
}

// ---------------------------------------------------------------------------------------------
// Signatures

#[test]
fn the_tests_hmac_matches_a_known_value() {
    // HMAC-SHA256("key", "1700000000.{}") as Python's hmac module computes it.
    assert_eq!(
        hmac_hex("key", "1700000000", b"{}"),
        "9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
    );
}

#[tokio::test]
async fn every_partner_call_checks_the_signature() {
    let h = start().await;
    let body = text_to_group(GROUP, "你好").to_string();
    let now = unix_now().to_string();
    let stale = (unix_now() - 301).to_string();
    let future = (unix_now() + 301).to_string();
    let cases: Vec<(&str, Option<&str>, Option<String>)> = vec![
        ("wrong secret", Some(now.as_str()), Some(hmac_hex("other-secret", &now, body.as_bytes()))),
        ("other body", Some(now.as_str()), Some(hmac_hex(SECRET, &now, b"{}"))),
        ("stale", Some(stale.as_str()), Some(hmac_hex(SECRET, &stale, body.as_bytes()))),
        ("future", Some(future.as_str()), Some(hmac_hex(SECRET, &future, body.as_bytes()))),
        ("no signature", Some(now.as_str()), None),
        ("no timestamp", None, Some(hmac_hex(SECRET, &now, body.as_bytes()))),
        ("not hex", Some(now.as_str()), Some("zz".to_owned())),
    ];
    for (case, timestamp, signature) in cases {
        let (status, answer) =
            h.call_raw(reqwest::Method::POST, "/robot/v1/messages", &body, timestamp, signature.as_deref()).await;
        assert_eq!(status, StatusCode::OK, "{case}");
        assert_eq!(answer, json!({"errcode": 40001, "errmsg": "invalid signature"}), "{case}");
    }
    assert!(h.sent("").await.is_empty(), "refused calls send nothing");

    let (_, answer) = h
        .call_raw(
            reqwest::Method::POST,
            "/robot/v1/messages",
            &body,
            Some(&now),
            Some(&hmac_hex(SECRET, &now, body.as_bytes())),
        )
        .await;
    assert_eq!(answer["errcode"], 0, "{answer}");
    assert_eq!(h.sent("").await.len(), 1);

    // GET signs the empty body.
    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": OWNER, "member_count": 3})).await;
    let path = format!("/robot/v1/groups/members?robot_wxid={ROBOT}&group_wxid={GROUP}");
    let (_, answer) = h.call_raw(reqwest::Method::GET, &path, "", Some(&now), Some(&hmac_hex(SECRET, &now, b""))).await;
    assert_eq!(answer["errcode"], 0, "{answer}");
    let (_, answer) =
        h.call_raw(reqwest::Method::GET, &path, "", Some(&now), Some(&hmac_hex(SECRET, &now, b"x"))).await;
    assert_eq!(answer["errcode"], 40001, "{answer}");

    let leave = json!({"robot_wxid": ROBOT, "group_wxid": GROUP}).to_string();
    let (_, answer) = h
        .call_raw(
            reqwest::Method::POST,
            "/robot/v1/groups/leave",
            &leave,
            Some(&stale),
            Some(&hmac_hex(SECRET, &stale, leave.as_bytes())),
        )
        .await;
    assert_eq!(answer["errcode"], 40001);
    assert!(h.get("/sandbox/robot/leaves").await["items"].as_array().unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Messages

#[tokio::test]
async fn sent_messages_are_recorded_and_listed_by_group_and_user() {
    let h = start().await;
    let link = json!({"kind": "link", "title": "领养日", "desc": "周六见", "url": "https://example.cn/a", "image_url": "https://example.cn/a.png"});
    let mini = json!({"kind": "miniprogram", "title": "群宠", "appid": "wx_mini", "pagepath": "pages/index"});
    let first = h.send(&text_to_group(GROUP, "第一行\n第二行  ")).await;
    let second = h.send(&json!({"robot_wxid": ROBOT, "to_group": "2002@chatroom", "content": link})).await;
    let third =
        h.send(&json!({"robot_wxid": ROBOT, "to_group": null, "to_user": "wxid_user_1", "content": mini})).await;
    let fourth = h.send(&text_to_group(GROUP, "再来一条")).await;
    let ids: Vec<&str> = [&first, &second, &third, &fourth]
        .iter()
        .map(|answer| {
            assert_eq!((answer["errcode"].as_i64(), answer["errmsg"].as_str()), (Some(0), Some("ok")), "{answer}");
            answer["msg_id"].as_str().unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("sbx_msg_")), "{ids:?}");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{ids:?}");

    let in_group = h.sent(&format!("?group={GROUP}")).await;
    assert_eq!(in_group.len(), 2, "{in_group:?}");
    assert_eq!(in_group[0]["content"], json!({"kind": "text", "text": "第一行\n第二行  "}), "kept as received");
    assert_eq!(in_group[0]["msg_id"], ids[0]);
    assert_eq!(in_group[1]["msg_id"], ids[3], "oldest first");
    assert_eq!(in_group[0]["robot_wxid"], ROBOT);
    assert_eq!(in_group[0]["to_group"], GROUP);
    assert_eq!(in_group[0]["to_user"], Value::Null);
    let at = in_group[0]["at"].as_str().unwrap();
    assert!(at.ends_with("+08:00") && at.len() == "2026-01-01T08:00:00.000+08:00".len(), "{at}");

    let other = h.sent("?group=2002@chatroom").await;
    assert_eq!(other.len(), 1);
    assert_eq!(other[0]["content"], link);
    let to_user = h.sent("?user=wxid_user_1").await;
    assert_eq!(to_user.len(), 1);
    assert_eq!(to_user[0]["content"], mini);
    assert_eq!(to_user[0]["to_group"], Value::Null);
    assert_eq!(h.sent("").await.len(), 4);
    assert!(h.sent("?group=9999@chatroom").await.is_empty());
}

#[tokio::test]
async fn malformed_sends_answer_40003() {
    let h = start().await;
    let bad = [
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "text", "text": ""}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "text"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "link", "title": "t"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "link", "url": "https://x.cn"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "miniprogram", "title": "t", "appid": "wx"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": {"kind": "voice", "text": "x"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "content": "hello"}),
        json!({"robot_wxid": ROBOT, "content": {"kind": "text", "text": "x"}}),
        json!({"robot_wxid": ROBOT, "to_group": GROUP, "to_user": "wxid_u", "content": {"kind": "text", "text": "x"}}),
        json!({"robot_wxid": "", "to_group": GROUP, "content": {"kind": "text", "text": "x"}}),
        json!({"to_group": GROUP, "content": {"kind": "text", "text": "x"}}),
    ];
    for body in bad {
        let answer = h.send(&body).await;
        assert_eq!(answer["errcode"], 40003, "{body}: {answer}");
    }
    let answer = h.call(reqwest::Method::POST, "/robot/v1/messages", "{not json").await;
    assert_eq!(answer["errcode"], 40003);
    assert!(h.sent("").await.is_empty());
}

#[tokio::test]
async fn send_and_member_list_faults_fail_the_next_calls() {
    let h = start().await;
    assert_eq!(
        h.get("/sandbox/robot/faults").await,
        json!({"send_fail": 0, "members_fail": 0, "members_delay_ms": 0, "robots": {}})
    );
    let (status, faults) = h.post("/sandbox/robot/faults", json!({"send_fail": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults, json!({"send_fail": 2, "members_fail": 0, "members_delay_ms": 0, "robots": {}}));

    for _ in 0..2 {
        assert_eq!(h.send(&text_to_group(GROUP, "x")).await, json!({"errcode": 50000, "errmsg": "injected failure"}));
    }
    assert_eq!(h.send(&text_to_group(GROUP, "ok now")).await["errcode"], 0);
    let sent = h.sent("").await;
    assert_eq!(sent.len(), 1, "failed sends are not recorded");
    assert_eq!(sent[0]["content"]["text"], "ok now");

    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": OWNER, "member_count": 5})).await;
    h.post("/sandbox/robot/faults", json!({"members_fail": 1})).await;
    assert_eq!(
        h.get("/sandbox/robot/faults").await,
        json!({"send_fail": 0, "members_fail": 1, "members_delay_ms": 0, "robots": {}})
    );
    assert_eq!(h.members(GROUP).await["errcode"], 50000);
    assert_eq!(h.members(GROUP).await["errcode"], 0);

    // The per-group switch of the contract fails that group's lists until cleared.
    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"members_fail": true})).await;
    assert_eq!(h.members(GROUP).await["errcode"], 50000);
    assert_eq!(h.members(GROUP).await["errcode"], 50000);
    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"members_fail": false})).await;
    assert_eq!(h.members(GROUP).await["errcode"], 0);

    let (status, _) = h.post("/sandbox/robot/faults", json!({"send_fail": -1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.post("/sandbox/robot/faults", json!({"fail_next": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// Groups and members

#[tokio::test]
async fn the_member_list_names_the_inviter_as_owner_unless_told_otherwise() {
    let h = start().await;
    assert_eq!(h.members(GROUP).await["errcode"], 41001, "unknown group");

    h.join(GROUP, OWNER, 25).await;
    let list = h.members(GROUP).await;
    assert_eq!(list["errcode"], 0, "{list}");
    assert_eq!(list["group_wxid"], GROUP);
    assert_eq!(list["owner_wxid"], OWNER);
    assert_eq!(list["member_count"], 25);
    let members = list["members"].as_array().unwrap();
    assert_eq!(members.len(), 25);
    let owners: Vec<&Value> = members.iter().filter(|member| member["is_owner"] == true).collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0]["wxid"], OWNER);
    assert!(members.iter().any(|member| member["wxid"] == ROBOT && member["is_owner"] == false));
    assert!(members.iter().any(|member| member["wxid"] == format!("wxid_m_{GROUP}_1")));
    assert!(members.iter().all(|member| !member["nickname"].as_str().unwrap().is_empty()));

    // A member_count event moves the count.
    h.emit(json!([{"type": "member_count", "robot_wxid": ROBOT, "group_wxid": GROUP, "member_count": 30}])).await;
    assert_eq!(h.members(GROUP).await["member_count"], 30);

    // A person names another owner; the inviter is an ordinary member again.
    let (status, group) =
        h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": "wxid_real_owner"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(group["owner_wxid"], "wxid_real_owner");
    let list = h.members(GROUP).await;
    assert_eq!(list["owner_wxid"], "wxid_real_owner");
    let owners: Vec<&Value> = list["members"].as_array().unwrap().iter().filter(|m| m["is_owner"] == true).collect();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0]["wxid"], "wxid_real_owner");

    // The override survives the robot joining again.
    h.join(GROUP, OWNER, 31).await;
    assert_eq!(h.members(GROUP).await["owner_wxid"], "wxid_real_owner");

    // A PUT creates a group; the list is capped, the count is not.
    let (_, created) = h
        .put(
            "/sandbox/robot/groups/3003@chatroom",
            json!({"owner_wxid": "wxid_o3", "member_count": 800, "robot_wxid": ROBOT, "name": "大群"}),
        )
        .await;
    assert_eq!(created["name"], "大群");
    let big = h.members("3003@chatroom").await;
    assert_eq!(big["member_count"], 800);
    assert_eq!(big["members"].as_array().unwrap().len(), 500);
    let groups = h.get("/sandbox/robot/groups").await;
    assert_eq!(groups["items"].as_array().unwrap().len(), 2);
    let (status, _) = h.put("/sandbox/robot/groups/3003@chatroom", json!({"member_count": "many"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn leaving_a_group_records_it_and_emits_a_signed_left_group_event() {
    let h = start().await;
    h.join(GROUP, OWNER, 40).await;
    assert_eq!(h.gpet.received().len(), 1);

    let answer = h.leave(GROUP).await;
    assert_eq!(answer["errcode"], 0, "{answer}");
    let leaves = h.get("/sandbox/robot/leaves").await["items"].as_array().unwrap().clone();
    assert_eq!(leaves.len(), 1);
    assert_eq!((&leaves[0]["robot_wxid"], &leaves[0]["group_wxid"]), (&json!(ROBOT), &json!(GROUP)));

    let received = h.gpet.wait_for(2).await;
    let batch = &received[1];
    assert!(batch.verified, "the test's own HMAC accepts it: {batch:?}");
    assert_eq!(batch.content_type.as_deref(), Some("application/json"));
    let events = batch.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event["type"], "left_group");
    assert_eq!(event["reason"], "quit");
    assert_eq!(event["group_wxid"], GROUP);
    assert_eq!(event["robot_wxid"], ROBOT);
    assert!(event["id"].as_str().unwrap().starts_with("sbx_evt_"));
    assert!(event["at"].as_str().unwrap().ends_with("+08:00"));

    // The robot is out: sends and member lists of that group are refused, as is leaving again.
    assert_eq!(h.send(&text_to_group(GROUP, "还在吗")).await["errcode"], 41001);
    assert_eq!(h.members(GROUP).await["errcode"], 41001);
    assert_eq!(h.leave(GROUP).await["errcode"], 41001);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(h.gpet.received().len(), 2, "a refused leave emits nothing");
    assert_eq!(h.get(&format!("/sandbox/robot/groups/{GROUP}")).await["left"], true);
}

// ---------------------------------------------------------------------------------------------
// Event delivery

#[tokio::test]
async fn events_are_delivered_signed_with_ids_and_times_filled_in() {
    let h = start().await;
    let answer = h
        .emit(json!([
            {"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "wxid_u1", "text": "PAIR-1234"},
            {"id": "my-own-id", "type": "private_message", "robot_wxid": ROBOT, "user_wxid": "wxid_u1",
             "text": "你好", "at": "2026-01-01T08:00:00+08:00"},
        ]))
        .await;
    assert_eq!(answer["delivered"], 2, "{answer}");
    assert_eq!(answer["status"], 200);
    assert_eq!(answer["answer"], json!({"code": 1200, "msg": "ok", "data": {"accepted": 2}}));
    let ids = answer["ids"].as_array().unwrap();
    assert_eq!(ids[1], "my-own-id");
    let generated = ids[0].as_str().unwrap();
    assert!(generated.starts_with("sbx_evt_"), "{generated}");

    let received = h.gpet.wait_for(1).await;
    let batch = &received[0];
    assert!(batch.verified);
    let timestamp: i64 = batch.timestamp.as_deref().unwrap().parse().unwrap();
    assert!((unix_now() - timestamp).abs() <= 5);
    assert_eq!(batch.signature.as_deref().unwrap().len(), 64);
    let events = batch.body["events"].as_array().unwrap();
    assert_eq!(events[0]["id"], generated);
    assert_eq!(events[0]["text"], "PAIR-1234");
    let at = events[0]["at"].as_str().unwrap();
    assert!(at.ends_with("+08:00") && at.len() == 25, "{at}");
    assert_eq!(events[1]["at"], "2026-01-01T08:00:00+08:00", "a given time is kept");

    let again =
        h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "wxid_u2", "text": ""}])).await;
    assert_ne!(again["ids"][0], ids[0], "ids are fresh");
}

#[tokio::test]
async fn unsigned_and_badly_signed_batches_reach_gpet_that_way() {
    let h = start().await;
    let events =
        json!({"events": [{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "wxid_u1", "text": "x"}]});

    let (status, answer) = h.post("/sandbox/robot/events?unsigned=1", events.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], 401, "{answer}");
    assert_eq!(answer["answer"]["code"], 1401);
    let (status, answer) = h.post("/sandbox/robot/events?bad_signature=1", events.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["status"], 401, "{answer}");
    let (_, answer) = h.post("/sandbox/robot/events", events).await;
    assert_eq!(answer["status"], 200, "{answer}");

    let received = h.gpet.wait_for(3).await;
    assert_eq!((received[0].timestamp.as_deref(), received[0].signature.as_deref()), (None, None));
    assert!(!received[0].verified);
    assert!(received[1].timestamp.is_some() && received[1].signature.is_some());
    assert!(!received[1].verified);
    assert!(received[2].verified);
}

#[tokio::test]
async fn batches_are_limited_and_an_unreachable_gpet_is_502() {
    let h = start().await;
    let event = json!({"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "wxid_u1", "text": "x"});
    let (status, _) = h.post("/sandbox/robot/events", json!({"events": vec![event.clone(); 101]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.post("/sandbox/robot/events", json!({"events": [event.clone(), "text"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.post("/sandbox/robot/events", json!([event.clone()])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(h.gpet.received().is_empty());

    let (_, answer) = h.post("/sandbox/robot/events", json!({"events": vec![event.clone(); 100]})).await;
    assert_eq!(answer["delivered"], 100);
    assert_eq!(answer["answer"]["data"]["accepted"], 100);

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    h.sandbox.set_gpet_base_url(&format!("http://{closed}"));
    let (status, answer) = h.post("/sandbox/robot/events", json!({"events": [event]})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(answer["error"].as_str().unwrap().contains(&closed.to_string()), "{answer}");
}

#[tokio::test]
async fn gpets_address_can_be_set_over_http() {
    let h = start().await;
    h.sandbox.set_gpet_base_url("http://127.0.0.1:1");
    let (status, answer) = h.put("/sandbox/config/gpet", json!({"base_url": format!("{}/", h.gpet.url)})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["base_url"], h.gpet.url);
    assert_eq!(h.get("/sandbox/config/gpet").await["base_url"], h.gpet.url);
    let answer = h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": "x"}])).await;
    assert_eq!(answer["status"], 200);
    assert_eq!(h.gpet.received().len(), 1);

    let (status, _) = h.put("/sandbox/config/gpet", json!({"base_url": "not a url"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(h.get("/sandbox/config/gpet").await["base_url"], h.gpet.url);
}

// ---------------------------------------------------------------------------------------------
// Robot health: faults, heartbeats

const OTHER: &str = "wxid_robot_2";

/// The event's fields but `id` and `at`, which are checked on their own.
fn without_id_and_at(event: &Value) -> Value {
    let mut event = event.clone();
    let object = event.as_object_mut().unwrap();
    assert!(object.remove("id").unwrap().as_str().unwrap().starts_with("sbx_evt_"), "an id");
    assert!(object.remove("at").unwrap().as_str().unwrap().ends_with("+08:00"), "a Beijing time");
    event
}

#[tokio::test]
async fn a_banned_robot_answers_41002_until_cleared_and_is_announced_offline_then_online() {
    let h = start().await;
    h.join(GROUP, OWNER, 5).await;
    assert_eq!(h.send(&text_to_group(GROUP, "before")).await["errcode"], 0);

    let faults = h.fault(ROBOT, "ban").await;
    assert_eq!(faults, json!({"send_fail": 0, "members_fail": 0, "members_delay_ms": 0, "robots": {ROBOT: "ban"}}));
    assert_eq!(h.get("/sandbox/robot/faults").await, faults);
    let (event, batch) = h.gpet.wait_for_event("robot_offline", ROBOT).await;
    assert!(batch.verified, "signed as every batch: {batch:?}");
    assert_eq!(without_id_and_at(&event), json!({"type": "robot_offline", "robot_wxid": ROBOT, "reason": "banned"}));

    assert_eq!(h.send(&text_to_group(GROUP, "banned")).await, json!({"errcode": 41002, "errmsg": "robot banned"}));
    let to_user = json!({"robot_wxid": ROBOT, "to_user": "wxid_u", "content": {"kind": "text", "text": "x"}});
    assert_eq!(h.send(&to_user).await["errcode"], 41002);
    assert_eq!(h.members(GROUP).await["errcode"], 41002);
    assert_eq!(h.leave(GROUP).await["errcode"], 41002);
    assert_eq!(h.sent("").await.len(), 1, "refused sends are not recorded");
    assert!(h.get("/sandbox/robot/leaves").await["items"].as_array().unwrap().is_empty());

    // Banning again changes nothing and says nothing.
    let batches = h.gpet.received().len();
    h.fault(ROBOT, "ban").await;
    let (_, answer) = h.heartbeats().await;
    assert_eq!(answer, json!({"robots": [], "delivered": 0}), "no heartbeat of a banned robot");
    assert_eq!(h.gpet.received().len(), batches);

    let faults = h.fault(ROBOT, "none").await;
    assert_eq!(faults["robots"], json!({}));
    let (event, batch) = h.gpet.wait_for_event("robot_online", ROBOT).await;
    assert!(batch.verified);
    assert_eq!(without_id_and_at(&event), json!({"type": "robot_online", "robot_wxid": ROBOT}));
    assert_eq!(h.send(&text_to_group(GROUP, "back")).await["errcode"], 0);
    assert_eq!(h.members(GROUP).await["errcode"], 0);
    assert_eq!(h.heartbeats().await.1["robots"], json!([ROBOT]), "heartbeats resume");
}

#[tokio::test]
async fn a_logged_out_robot_answers_41003_and_is_announced_offline() {
    let h = start().await;
    h.join(GROUP, OWNER, 5).await;
    h.fault(ROBOT, "logout").await;
    let (event, batch) = h.gpet.wait_for_event("robot_offline", ROBOT).await;
    assert!(batch.verified);
    assert_eq!(without_id_and_at(&event), json!({"type": "robot_offline", "robot_wxid": ROBOT, "reason": "logout"}));
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await, json!({"errcode": 41003, "errmsg": "robot offline"}));
    assert_eq!(h.members(GROUP).await["errcode"], 41003);
    assert_eq!(h.leave(GROUP).await["errcode"], 41003);
    assert!(h.sent("").await.is_empty());
    assert_eq!(h.heartbeats().await.1["robots"], json!([]));

    // Another robot is unaffected.
    let other = json!({"robot_wxid": OTHER, "to_group": GROUP, "content": {"kind": "text", "text": "x"}});
    assert_eq!(h.send(&other).await["errcode"], 0);

    h.fault(ROBOT, "none").await;
    h.gpet.wait_for_event("robot_online", ROBOT).await;
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
}

#[tokio::test]
async fn a_rate_limited_robot_answers_42901_records_nothing_and_still_heartbeats() {
    let h = start().await;
    let faults = h.fault(ROBOT, "rate_limit").await;
    assert_eq!(faults["robots"], json!({ROBOT: "rate_limit"}));
    assert_eq!(
        h.send(&text_to_group(GROUP, "x")).await,
        json!({"errcode": 42901, "errmsg": "risk control: sending too frequently, pause this robot"})
    );
    assert!(h.sent("").await.is_empty(), "a refused send is not recorded");
    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": OWNER, "member_count": 3})).await;
    assert_eq!(h.members(GROUP).await["errcode"], 0, "only sends are limited");
    assert_eq!(h.heartbeats().await.1, json!({"robots": [ROBOT], "delivered": 1}));

    h.fault(ROBOT, "none").await;
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
    assert_eq!(h.sent("").await.len(), 1);
    let kinds: Vec<Value> = h.gpet.events().iter().map(|event| event["type"].clone()).collect();
    assert_eq!(kinds, [json!("heartbeat")], "rate limiting says nothing to gpet");
}

#[tokio::test]
async fn heartbeats_go_to_every_known_robot_but_silenced_and_offline_ones() {
    let h = start().await;
    assert_eq!(h.heartbeats().await.1, json!({"robots": [], "delivered": 0}), "no robot known yet");
    assert!(h.gpet.received().is_empty(), "nothing posted for no robot");

    // Known from a send, a member list, an emitted event and faults.
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
    h.call(reqwest::Method::GET, &format!("/robot/v1/groups/members?robot_wxid=wxid_m&group_wxid={GROUP}"), "").await;
    h.emit(json!([{"type": "friend_added", "robot_wxid": "wxid_e", "user_wxid": "u", "text": ""}])).await;
    h.fault(OTHER, "silence").await;
    h.fault("wxid_banned", "ban").await;
    h.fault("wxid_fine", "none").await;
    let batches = h.gpet.received().len();

    let (status, answer) = h.heartbeats().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer, json!({"robots": ["wxid_e", "wxid_fine", "wxid_m", ROBOT], "delivered": 4}));
    let received = h.gpet.wait_for(batches + 1).await;
    let batch = &received[batches];
    assert!(batch.verified);
    let events = batch.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "one batch");
    for event in events {
        let robot = event["robot_wxid"].as_str().unwrap();
        assert_eq!(without_id_and_at(event), json!({"type": "heartbeat", "robot_wxid": robot}));
    }

    // A silenced robot still sends, but what it does says nothing: no left_group either.
    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": OWNER, "member_count": 3})).await;
    let other = json!({"robot_wxid": OTHER, "to_group": GROUP, "content": {"kind": "text", "text": "x"}});
    assert_eq!(h.send(&other).await["errcode"], 0);
    let leave = json!({"robot_wxid": OTHER, "group_wxid": GROUP}).to_string();
    assert_eq!(h.call(reqwest::Method::POST, "/robot/v1/groups/leave", &leave).await["errcode"], 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.gpet.received().len(), batches + 1, "{:?}", h.gpet.events());
    assert!(h.gpet.events().iter().all(|event| event["robot_wxid"] != OTHER));

    // Silence lifted: it heartbeats again, with no robot_online (it never went offline).
    h.fault(OTHER, "none").await;
    assert!(h.heartbeats().await.1["robots"].as_array().unwrap().contains(&json!(OTHER)));
    assert!(h.gpet.events().iter().all(|event| event["type"] != "robot_online"));
}

#[tokio::test]
async fn heartbeats_are_batched_by_100_and_an_unreachable_gpet_is_502() {
    let h = start().await;
    for range in [0..100, 100..150] {
        let events: Vec<Value> = range
            .map(|i| json!({"type": "friend_added", "robot_wxid": format!("wxid_r{i:03}"), "user_wxid": "u", "text": ""}))
            .collect();
        h.emit(json!(events)).await;
    }
    let (status, answer) = h.heartbeats().await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["delivered"], 150);
    assert_eq!(answer["robots"].as_array().unwrap().len(), 150);
    let received = h.gpet.wait_for(4).await;
    let sizes: Vec<usize> = received[2..].iter().map(|batch| batch.body["events"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [100, 50]);
    assert!(received[2..].iter().all(|batch| batch.verified));

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    h.sandbox.set_gpet_base_url(&format!("http://{closed}"));
    let (status, answer) = h.heartbeats().await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(answer["error"].as_str().unwrap().contains(&closed.to_string()), "{answer}");

    // A fault holds even when its event cannot be delivered.
    let answer = h.fault("wxid_r000", "ban").await;
    assert_eq!(answer["robots"], json!({"wxid_r000": "ban"}));
    assert_eq!(h.get("/sandbox/robot/faults").await["robots"], json!({"wxid_r000": "ban"}));
}

#[tokio::test]
async fn the_heartbeat_loop_beats_every_period() {
    let h = start_with(SandboxConfig { heartbeat_every: Some(Duration::from_millis(100)), ..SandboxConfig::default() })
        .await;
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
    let (first, _) = h.gpet.wait_for_event("heartbeat", ROBOT).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    let beats: Vec<Value> = h.gpet.events().into_iter().filter(|event| event["type"] == "heartbeat").collect();
    assert!(beats.len() >= 2, "{beats:?}");
    assert_ne!(beats[0]["id"], beats[1]["id"]);
    assert_eq!(beats[0]["id"], first["id"]);

    h.fault(ROBOT, "silence").await;
    // A beat already under way may still land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let count = h.gpet.events().len();
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(h.gpet.events().len(), count, "a silenced robot's heartbeats stop");
}

#[tokio::test]
async fn faults_need_a_known_fault_and_a_robot() {
    let h = start().await;
    let (status, answer) = h.post("/sandbox/robot/faults", json!({"robot_wxid": ROBOT, "fault": "explode"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = answer["error"].as_str().unwrap();
    for name in ["ban", "logout", "silence", "rate_limit", "none", "explode"] {
        assert!(message.contains(name), "{name} not in {message:?}");
    }
    for body in [
        json!({"robot_wxid": ROBOT}),
        json!({"fault": "ban"}),
        json!({"robot_wxid": "", "fault": "ban"}),
        json!({"robot_wxid": ROBOT, "fault": 1}),
    ] {
        let (status, answer) = h.post("/sandbox/robot/faults", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
    }
    assert_eq!(h.get("/sandbox/robot/faults").await["robots"], json!({}), "nothing set");
    assert!(h.gpet.received().is_empty());

    // The global counters go beside a robot's fault.
    let (status, answer) =
        h.post("/sandbox/robot/faults", json!({"send_fail": 1, "robot_wxid": OTHER, "fault": "rate_limit"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer,
        json!({"send_fail": 1, "members_fail": 0, "members_delay_ms": 0, "robots": {OTHER: "rate_limit"}})
    );
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 50000);
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
}

// ---------------------------------------------------------------------------------------------
// Business clock and the sent record

fn seconds_ahead(at: &str) -> i64 {
    let at = chrono::DateTime::parse_from_rfc3339(at).unwrap_or_else(|error| panic!("{at}: {error}"));
    assert_eq!(at.offset().local_minus_utc(), 8 * 3600, "+08:00");
    at.signed_duration_since(chrono::Utc::now()).num_seconds()
}

#[tokio::test]
async fn stamped_events_carry_gpets_business_time() {
    let h = start().await;
    let two_days = 2 * 86_400;
    h.gpet.set_clock(Some(two_days));
    h.emit(json!([
        {"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": ""},
        {"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": "", "at": "2026-01-01T08:00:00+08:00"},
    ]))
    .await;
    assert_eq!(h.gpet.clock_asked(), 1);
    h.heartbeats().await;
    h.fault(ROBOT, "logout").await;
    let events = h.gpet.events();
    let ahead = seconds_ahead(events[0]["at"].as_str().unwrap());
    assert!((two_days - 5..=two_days + 5).contains(&ahead), "{ahead} s ahead: {events:?}");
    assert_eq!(events[1]["at"], "2026-01-01T08:00:00+08:00", "a given time is kept");
    for (event, kind) in events[2..].iter().zip(["heartbeat", "robot_offline"]) {
        assert_eq!(event["type"], kind);
        let ahead = seconds_ahead(event["at"].as_str().unwrap());
        assert!((two_days - 5..=two_days + 5).contains(&ahead), "{kind}: {ahead}");
    }

    // The sent record is the platform's own log: real time.
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 41003);
    h.fault(ROBOT, "none").await;
    assert_eq!(h.send(&text_to_group(GROUP, "x")).await["errcode"], 0);
    let ahead = seconds_ahead(h.sent("").await[0]["at"].as_str().unwrap());
    assert!(ahead.abs() <= 5, "{ahead}");

    // A moved clock shows at once: gpet's tests move it and expect the next event in the new time.
    h.gpet.set_clock(Some(-3600));
    let asked = h.gpet.clock_asked();
    h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": ""}])).await;
    let ahead = seconds_ahead(h.gpet.events().last().unwrap()["at"].as_str().unwrap());
    assert!((-3605..=-3595).contains(&ahead), "{ahead}");
    assert_eq!(h.gpet.clock_asked(), asked + 1);
    // A batch whose events all carry a time asks nothing.
    h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": "", "at": "2026-01-01T08:00:00+08:00"}]))
        .await;
    assert_eq!(h.gpet.clock_asked(), asked + 1);
}

#[tokio::test]
async fn a_heartbeat_round_asks_the_clock_once_for_all_its_batches() {
    let h = start().await;
    h.gpet.set_clock(Some(600));
    let events: Vec<Value> = (0..150)
        .map(|i| json!({"type": "friend_added", "robot_wxid": format!("wxid_r{i:03}"), "user_wxid": "u", "text": "", "at": "2026-01-01T08:00:00+08:00"}))
        .collect();
    h.emit(json!(events[..100])).await;
    h.emit(json!(events[100..])).await;
    assert_eq!(h.gpet.clock_asked(), 0);
    assert_eq!(h.heartbeats().await.1["delivered"], 150);
    assert_eq!(h.gpet.clock_asked(), 1);
    let beats: Vec<Value> = h.gpet.events().into_iter().filter(|event| event["type"] == "heartbeat").collect();
    assert_eq!(beats.len(), 150);
    assert!(beats.iter().all(|beat| beat["at"] == beats[0]["at"]), "one round, one time");
    let ahead = seconds_ahead(beats[0]["at"].as_str().unwrap());
    assert!((595..=605).contains(&ahead), "{ahead}");
}

#[tokio::test]
async fn without_a_business_clock_events_carry_real_time() {
    let h = start().await;
    // The fake gpet answers 404, as a deployed gpet does.
    h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": ""}])).await;
    h.fault(ROBOT, "ban").await;
    let events = h.gpet.events();
    assert_eq!(events.len(), 2);
    for event in events {
        let ahead = seconds_ahead(event["at"].as_str().unwrap());
        assert!(ahead.abs() <= 5, "{ahead}: {event}");
    }
    assert_eq!(h.gpet.clock_asked(), 1, "a missing clock is not asked again within a second");

    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.gpet.set_clock(Some(3600));
    h.emit(json!([{"type": "friend_added", "robot_wxid": ROBOT, "user_wxid": "u", "text": ""}])).await;
    assert_eq!(h.gpet.clock_asked(), 2);
    let ahead = seconds_ahead(h.gpet.events().last().unwrap()["at"].as_str().unwrap());
    assert!((3595..=3605).contains(&ahead), "a clock that appears is used: {ahead}");
}

#[tokio::test]
async fn the_sent_record_has_milliseconds_and_filters_by_robot() {
    let h = start().await;
    for (robot, text) in [(ROBOT, "a"), (OTHER, "b"), (ROBOT, "c")] {
        let body = json!({"robot_wxid": robot, "to_group": GROUP, "content": {"kind": "text", "text": text}});
        assert_eq!(h.send(&body).await["errcode"], 0);
    }
    let mine = h.sent(&format!("?robot={ROBOT}")).await;
    let texts: Vec<&Value> = mine.iter().map(|sent| &sent["content"]["text"]).collect();
    assert_eq!(texts, [&json!("a"), &json!("c")]);
    assert!(mine.iter().all(|sent| sent["robot_wxid"] == ROBOT));
    assert_eq!(h.sent(&format!("?robot={OTHER}&group={GROUP}")).await.len(), 1);
    assert!(h.sent(&format!("?robot={OTHER}&group=9@chatroom")).await.is_empty());
    assert!(h.sent("?robot=wxid_nobody").await.is_empty());
    assert_eq!(h.sent("?robot=").await.len(), 3, "an empty filter is no filter");

    for sent in h.sent("").await {
        let at = sent["at"].as_str().unwrap();
        let (seconds, rest) = at.split_once('.').unwrap_or_else(|| panic!("no fraction in {at}"));
        assert_eq!(seconds.len(), "2026-01-01T08:00:00".len(), "{at}");
        assert_eq!(rest.len(), "123+08:00".len(), "{at}");
        assert!(rest[..3].bytes().all(|b| b.is_ascii_digit()) && rest.ends_with("+08:00"), "{at}");
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    }
}

// ---------------------------------------------------------------------------------------------
// Launch system

#[tokio::test]
async fn launch_switches_are_on_unless_turned_off() {
    let h = start().await;
    let ask = json!({"group_wxids": ["a@chatroom", "b@chatroom"]});
    let (status, answer) = h.post("/launch/v1/switches", ask.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["errcode"], 0);
    assert_eq!(answer["switches"], json!({"a@chatroom": true, "b@chatroom": true}));
    assert_eq!(h.get("/sandbox/launch").await, json!({}));

    let (status, set) = h.put("/sandbox/launch/b@chatroom", json!({"on": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set, json!({"group_wxid": "b@chatroom", "on": false}));
    let (_, answer) = h.post("/launch/v1/switches", ask.clone()).await;
    assert_eq!(answer["switches"], json!({"a@chatroom": true, "b@chatroom": false}));
    assert_eq!(h.get("/sandbox/launch").await, json!({"b@chatroom": false}));

    h.put("/sandbox/launch/b@chatroom", json!({"on": true})).await;
    let (_, answer) = h.post("/launch/v1/switches", ask).await;
    assert_eq!(answer["switches"]["b@chatroom"], true);
    assert_eq!(h.get("/sandbox/launch").await, json!({"b@chatroom": true}));

    let (status, _) = h.put("/sandbox/launch/b@chatroom", json!({"on": "no"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, answer) = h.post("/launch/v1/switches", json!({"groups": []})).await;
    assert_eq!(answer["errcode"], 40003);
}

#[tokio::test]
async fn the_index_page_lists_the_robot_and_launch_routes() {
    let h = start().await;
    let page = h.http.get(h.url("/")).send().await.unwrap().text().await.unwrap();
    for route in [
        "/robot/v1/messages",
        "/robot/v1/groups/leave",
        "/robot/v1/groups/members",
        "/sandbox/robot/events",
        "/sandbox/robot/heartbeats",
        "href=\"/sandbox/robot/sent\"",
        "41002",
        "42901",
        "/sandbox/robot/faults",
        "/launch/v1/switches",
        "href=\"/sandbox/launch\"",
        SECRET,
    ] {
        assert!(page.contains(route), "{route} missing from the index");
    }
    assert!(page.contains(&format!("{}/api/callbacks/robot-events", h.gpet.url)));
}
