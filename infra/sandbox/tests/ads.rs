//! The ad system over real HTTP: the sandbox calls a stand-in for gpet's ad-click callback,
//! which checks the MD5 signature with the test's own code and counts calls in flight.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use gpet_sandbox::{Sandbox, SandboxConfig};
use md5::{Digest, Md5};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SECRET: &str = "test-ad-secret";
const GROUP: &str = "1001@chatroom";

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

// ---------------------------------------------------------------------------------------------
// A stand-in for gpet's callback

#[derive(Debug, Clone)]
struct Received {
    content_type: Option<String>,
    params: BTreeMap<String, String>,
    /// Whether `sign` is the MD5 the contract gives, recomputed here.
    verified: bool,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

/// `amount_fen=…&campaign_id=…&group_wxid=…&trans_id=…&ts=…&key=…`, non-empty parameters only.
fn expected_sign(params: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for key in ["amount_fen", "campaign_id", "group_wxid", "trans_id", "ts"] {
        if let Some(value) = params.get(key).filter(|value| !value.is_empty()) {
            text.push_str(&format!("{key}={value}&"));
        }
    }
    md5_hex(&format!("{text}key={SECRET}"))
}

async fn ad_click(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    let now = inbox.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    inbox.most_in_flight.fetch_max(now, Ordering::SeqCst);
    // Long enough for calls made together to overlap.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let verified = params.get("sign") == Some(&expected_sign(&params));
    let fresh = params.get("ts").and_then(|ts| ts.parse::<i64>().ok()).is_some_and(|ts| (unix_now() - ts).abs() <= 300);
    let trans_id = params.get("trans_id").cloned();
    inbox.received.lock().unwrap().push(Received {
        content_type: headers.get("content-type").map(|value| value.to_str().unwrap().to_owned()),
        params,
        verified,
    });
    inbox.in_flight.fetch_sub(1, Ordering::SeqCst);
    if verified && fresh {
        axum::Json(json!({"code": 1200, "msg": "ok", "data": {"trans_id": trans_id}})).into_response()
    } else {
        (AxumStatus::UNAUTHORIZED, axum::Json(json!({"code": 1401, "msg": "签名错误", "data": null}))).into_response()
    }
}

struct FakeGpet {
    url: String,
    inbox: Inbox,
}

impl FakeGpet {
    async fn start() -> Self {
        let inbox = Inbox::default();
        let app = axum::Router::new()
            .route("/api/callbacks/ad-click", axum::routing::post(ad_click))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inbox }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }
}

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
    gpet: FakeGpet,
}

async fn start() -> Harness {
    let sandbox = gpet_sandbox::spawn(SandboxConfig { ad_secret: SECRET.to_owned(), ..SandboxConfig::default() })
        .await
        .expect("sandbox starts");
    let gpet = FakeGpet::start().await;
    sandbox.set_gpet_base_url(&gpet.url);
    Harness { sandbox, http: reqwest::Client::new(), gpet }
}

impl Harness {
    async fn click(&self, body: Value) -> (StatusCode, Value) {
        let response =
            self.http.post(format!("{}/sandbox/ads/click", self.sandbox.base_url)).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn clicks(&self) -> Vec<Value> {
        let response = self.http.get(format!("{}/sandbox/ads/clicks", self.sandbox.base_url)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        answer["clicks"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_click_calls_gpet_form_encoded_and_signed_by_the_md5_recipe() {
    let h = start().await;
    let body = json!({"group_wxid": GROUP, "amount_fen": 25, "campaign_id": "C7", "trans_id": "T123"});
    let (status, answer) = h.click(body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["trans_id"], "T123");
    assert_eq!(
        answer["results"],
        json!([{"status": 200, "body": {"code": 1200, "msg": "ok", "data": {"trans_id": "T123"}}}])
    );

    let received = h.gpet.received();
    assert_eq!(received.len(), 1);
    let call = &received[0];
    assert_eq!(call.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let keys: Vec<&str> = call.params.keys().map(String::as_str).collect();
    assert_eq!(keys, ["amount_fen", "campaign_id", "group_wxid", "sign", "trans_id", "ts"]);
    let ts = &call.params["ts"];
    assert!((unix_now() - ts.parse::<i64>().unwrap()).abs() <= 5, "ts is now: {ts}");
    let by_hand =
        md5_hex(&format!("amount_fen=25&campaign_id=C7&group_wxid={GROUP}&trans_id=T123&ts={ts}&key={SECRET}"));
    assert_eq!(call.params["sign"], by_hand);
    assert!(call.verified);

    let clicks = h.clicks().await;
    assert_eq!(clicks.len(), 1);
    assert_eq!(clicks[0]["trans_id"], "T123");
    assert_eq!(clicks[0]["status"], 200);
    assert_eq!(clicks[0]["sign"], by_hand);
    assert_eq!(clicks[0]["amount_fen"], 25);
}

#[tokio::test]
async fn without_campaign_and_transaction_ids_the_call_leaves_out_the_one_and_makes_up_the_other() {
    let h = start().await;
    let (status, answer) = h.click(json!({"group_wxid": GROUP, "amount_fen": 10})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let trans_id = answer["trans_id"].as_str().unwrap();
    assert!(trans_id.starts_with('T') && trans_id.len() > 1, "{trans_id}");
    let call = &h.gpet.received()[0];
    assert!(!call.params.contains_key("campaign_id"));
    assert_eq!(call.params["trans_id"], trans_id);
    let ts = &call.params["ts"];
    let by_hand = md5_hex(&format!("amount_fen=10&group_wxid={GROUP}&trans_id={trans_id}&ts={ts}&key={SECRET}"));
    assert_eq!(call.params["sign"], by_hand);

    // Another click gets another transaction id.
    let (_, other) = h.click(json!({"group_wxid": GROUP, "amount_fen": 10})).await;
    assert_ne!(other["trans_id"], answer["trans_id"]);
}

#[tokio::test]
async fn repeat_makes_that_many_calls_at_once_with_the_same_transaction() {
    let h = start().await;
    let (status, answer) =
        h.click(json!({"group_wxid": GROUP, "amount_fen": 30, "trans_id": "TREP", "repeat": 5})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(results.iter().all(|result| result["status"] == 200), "{results:?}");
    let received = h.gpet.received();
    assert_eq!(received.len(), 5);
    assert!(received.iter().all(|call| call.params["trans_id"] == "TREP" && call.verified));
    assert_eq!(h.gpet.inbox.most_in_flight.load(Ordering::SeqCst), 5, "all five were in flight together");
    assert_eq!(h.clicks().await.len(), 5);
}

#[tokio::test]
async fn tampered_calls_carry_a_wrong_signature_or_a_stale_timestamp() {
    let h = start().await;
    let (_, answer) = h.click(json!({"group_wxid": GROUP, "amount_fen": 5, "tamper": "signature"})).await;
    assert_eq!(answer["results"][0]["status"], 401, "{answer}");
    assert!(!h.gpet.received()[0].verified);

    let (_, answer) = h.click(json!({"group_wxid": GROUP, "amount_fen": 5, "tamper": "stale"})).await;
    assert_eq!(answer["results"][0]["status"], 401, "{answer}");
    let stale = &h.gpet.received()[1];
    assert!(stale.verified, "a stale call is still signed correctly");
    let age = unix_now() - stale.params["ts"].parse::<i64>().unwrap();
    assert!((3595..=3605).contains(&age), "an hour old: {age}");
    let clicks = h.clicks().await;
    assert_eq!((clicks[0]["tamper"].as_str(), clicks[1]["tamper"].as_str()), (Some("signature"), Some("stale")));
}

#[tokio::test]
async fn bad_clicks_are_refused_before_calling_gpet() {
    let h = start().await;
    let cases = [
        (json!({"group_wxid": GROUP, "amount_fen": 5, "repeat": 0}), "repeat 0"),
        (json!({"group_wxid": GROUP, "amount_fen": 5, "repeat": 201}), "repeat over 200"),
        (json!({"group_wxid": "", "amount_fen": 5}), "empty group"),
        (json!({"amount_fen": 5}), "no group"),
        (json!({"group_wxid": GROUP}), "no amount"),
        (json!({"group_wxid": GROUP, "amount_fen": 5, "tamper": "everything"}), "unknown tamper"),
    ];
    for (body, why) in cases {
        let (status, answer) = h.click(body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
    }
    assert!(h.gpet.received().is_empty());
}

#[tokio::test]
async fn an_unreachable_gpet_is_a_bad_gateway() {
    let h = start().await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    h.sandbox.set_gpet_base_url(&format!("http://{closed}"));
    let (status, answer) = h.click(json!({"group_wxid": GROUP, "amount_fen": 5, "repeat": 2})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{answer}");
    assert!(!answer["error"].as_str().unwrap().is_empty());
    assert_eq!(answer["results"][0]["status"], Value::Null);
    assert_eq!(h.clicks().await.len(), 2, "the attempts are recorded");
}
