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

struct FakeGpet {
    url: String,
    inbox: Inbox,
}

async fn robot_events(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
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
        let app = axum::Router::new()
            .route("/api/callbacks/robot-events", axum::routing::post(robot_events))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inbox }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
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
    let sandbox = gpet_sandbox::spawn(SandboxConfig { robot_secret: SECRET.to_owned(), ..SandboxConfig::default() })
        .await
        .expect("sandbox starts");
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
    assert!(at.ends_with("+08:00") && at.len() == "2026-01-01T08:00:00+08:00".len(), "{at}");

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
    assert_eq!(h.get("/sandbox/robot/faults").await, json!({"send_fail": 0, "members_fail": 0, "members_delay_ms": 0}));
    let (status, faults) = h.post("/sandbox/robot/faults", json!({"send_fail": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults, json!({"send_fail": 2, "members_fail": 0, "members_delay_ms": 0}));

    for _ in 0..2 {
        assert_eq!(h.send(&text_to_group(GROUP, "x")).await, json!({"errcode": 50000, "errmsg": "injected failure"}));
    }
    assert_eq!(h.send(&text_to_group(GROUP, "ok now")).await["errcode"], 0);
    let sent = h.sent("").await;
    assert_eq!(sent.len(), 1, "failed sends are not recorded");
    assert_eq!(sent[0]["content"]["text"], "ok now");

    h.put(&format!("/sandbox/robot/groups/{GROUP}"), json!({"owner_wxid": OWNER, "member_count": 5})).await;
    h.post("/sandbox/robot/faults", json!({"members_fail": 1})).await;
    assert_eq!(h.get("/sandbox/robot/faults").await, json!({"send_fail": 0, "members_fail": 1, "members_delay_ms": 0}));
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
        "href=\"/sandbox/robot/sent\"",
        "/sandbox/robot/faults",
        "/launch/v1/switches",
        "href=\"/sandbox/launch\"",
        SECRET,
    ] {
        assert!(page.contains(route), "{route} missing from the index");
    }
    assert!(page.contains(&format!("{}/api/callbacks/robot-events", h.gpet.url)));
}
