//! WeChat Pay's transfer bills over real HTTP, as gpet's client talks to them: requests signed
//! with a merchant key pair made here, answers and notifications checked with the platform key
//! the sandbox serves, notifications decrypted with the APIv3 key, all by the test's own code.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _, RsaKeyPair};
use aws_lc_rs::{aead, rsa};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{NaiveDate, TimeDelta};
use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MCH_ID: &str = "1900000109";
const MERCHANT_SERIAL: &str = "SANDBOXMERCHANTSERIAL";
const PLATFORM_SERIAL: &str = "PUB_KEY_ID_SANDBOX";
const API_V3_KEY: &str = "test-apiv3-key-0123456789abcdefg";
const APP_ID: &str = "wx_test_app";
const OPENID: &str = "o_demo_zhangwei";
const NOTIFY_PATH: &str = "/api/callbacks/wechat-pay/transfer";
const CREATE_PATH: &str = "/v3/fund-app/mch-transfer/transfer-bills";

fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).map(str::trim).collect();
    B64.decode(body).unwrap()
}

fn public_pem(key: &RsaKeyPair) -> String {
    let der: PublicKeyX509Der = key.public_key().as_der().unwrap();
    let b64 = B64.encode(der.as_ref());
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|line| std::str::from_utf8(line).unwrap()).collect();
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n"))
}

fn new_key() -> RsaKeyPair {
    rsa::KeyPair::generate(rsa::KeySize::Rsa2048).unwrap()
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The `Authorization` header gpet sends, signed by `key` over the parts given.
fn authorization(
    key: &RsaKeyPair,
    mchid: &str,
    serial: &str,
    method: &str,
    path: &str,
    timestamp: i64,
    body: &str,
) -> String {
    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let message = format!("{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n");
    let mut sig = vec![0; key.public_modulus_len()];
    key.sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), message.as_bytes(), &mut sig).unwrap();
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{}\",timestamp=\"{timestamp}\",serial_no=\"{serial}\"",
        B64.encode(sig)
    )
}

/// Whether `Wechatpay-Signature` is the platform's over `timestamp\nnonce\nbody\n`.
fn platform_signed(platform_der: &[u8], headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| headers.get(name).map(|value| value.to_str().unwrap().to_owned()).unwrap_or_default();
    if header("wechatpay-serial") != PLATFORM_SERIAL {
        return false;
    }
    let mut message = format!("{}\n{}\n", header("wechatpay-timestamp"), header("wechatpay-nonce")).into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let Ok(sig) = B64.decode(header("wechatpay-signature")) else { return false };
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, platform_der)
        .verify(&message, &sig)
        .is_ok()
}

fn encrypt_name(platform_der: &[u8], name: &str) -> String {
    let key = rsa::OaepPublicEncryptingKey::new(rsa::PublicEncryptingKey::from_der(platform_der).unwrap()).unwrap();
    let mut out = vec![0; key.ciphertext_size()];
    let ciphertext = key.encrypt(&rsa::OAEP_SHA1_MGF1SHA1, name.as_bytes(), &mut out, None).unwrap();
    B64.encode(ciphertext)
}

fn decrypt_resource(api_v3_key: &str, resource: &Value) -> Value {
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, api_v3_key.as_bytes()).unwrap());
    let nonce = aead::Nonce::try_assume_unique_for_key(resource["nonce"].as_str().unwrap().as_bytes()).unwrap();
    let aad = aead::Aad::from(resource["associated_data"].as_str().unwrap().as_bytes());
    let mut data = B64.decode(resource["ciphertext"].as_str().unwrap()).unwrap();
    let plain = key.open_in_place(nonce, aad, &mut data).expect("the resource decrypts with the APIv3 key");
    serde_json::from_slice(plain).unwrap()
}

// ---------------------------------------------------------------------------------------------
// A stand-in for gpet's notification callback

#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answers 500 to this many posts before answering 200.
    fail_next: Arc<AtomicU32>,
}

async fn notification(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    inbox.received.lock().unwrap().push(Received { headers, body, at: Instant::now() });
    let failing = inbox.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if failing {
        (AxumStatus::INTERNAL_SERVER_ERROR, axum::Json(json!({"code": "FAIL", "message": "busy"}))).into_response()
    } else {
        axum::Json(json!({"code": "SUCCESS"})).into_response()
    }
}

struct FakeGpet {
    url: String,
    inbox: Inbox,
}

impl FakeGpet {
    async fn start() -> Self {
        let inbox = Inbox::default();
        let app = axum::Router::new().route(NOTIFY_PATH, axum::routing::post(notification)).with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inbox }
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until `n` notifications arrived.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("gpet got {} notifications, not {n}", self.received().len());
    }
}

// ---------------------------------------------------------------------------------------------
// The harness

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
    merchant: RsaKeyPair,
    platform_der: Vec<u8>,
    gpet: FakeGpet,
}

/// A partner answer: status, whether the platform signed it, its JSON.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    signed: bool,
    json: Value,
}

/// Starts a sandbox that checks signatures with a merchant key made here (or, with
/// `verify: false`, one that is given none).
async fn start_with(verify: bool) -> Harness {
    let merchant = new_key();
    let sandbox = gpet_sandbox::spawn(SandboxConfig {
        app_id: APP_ID.to_owned(),
        pay_api_v3_key: API_V3_KEY.to_owned(),
        pay_merchant_public_key_pem: verify.then(|| public_pem(&merchant)),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let http = reqwest::Client::new();
    let config: Value =
        http.get(format!("{}/sandbox/pay/config", sandbox.base_url)).send().await.unwrap().json().await.unwrap();
    let platform_der = pem_to_der(config["wechatpay_public_key_pem"].as_str().unwrap());
    Harness { sandbox, http, merchant, platform_der, gpet: FakeGpet::start().await }
}

async fn start() -> Harness {
    start_with(true).await
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    fn signed_by_merchant(&self, method: &str, path: &str, body: &str) -> String {
        authorization(&self.merchant, MCH_ID, MERCHANT_SERIAL, method, path, unix_now(), body)
    }

    /// A partner call with exactly the headers given.
    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: &str,
        authorization: Option<&str>,
        serial: Option<&str>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path));
        if !body.is_empty() {
            request = request.header("Content-Type", "application/json").body(body.to_owned());
        }
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        if let Some(serial) = serial {
            request = request.header("Wechatpay-Serial", serial);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        Answer {
            status,
            signed: platform_signed(&self.platform_der, &headers, &bytes),
            json: serde_json::from_slice(&bytes).unwrap(),
        }
    }

    /// A partner call signed as gpet signs it.
    async fn call(&self, method: Method, path: &str, body: &str) -> Answer {
        let authorization = self.signed_by_merchant(method.as_str(), path, body);
        self.raw(method, path, body, Some(&authorization), Some(PLATFORM_SERIAL)).await
    }

    fn transfer(&self, out_bill_no: &str, openid: &str, name: &str, amount: i64) -> Value {
        json!({
            "appid": APP_ID,
            "out_bill_no": out_bill_no,
            "transfer_scene_id": "1000",
            "openid": openid,
            "user_name": encrypt_name(&self.platform_der, name),
            "transfer_amount": amount,
            "transfer_remark": "群主收益提现",
            "notify_url": format!("{}{NOTIFY_PATH}", self.gpet.url),
            "user_recv_perception": "现金奖励",
            "transfer_scene_report_infos": [
                {"info_type": "活动名称", "info_content": "群主收益提现"},
                {"info_type": "奖励说明", "info_content": "群活跃与广告收益"},
            ],
        })
    }

    async fn create(&self, out_bill_no: &str, amount: i64) -> Answer {
        self.create_body(&self.transfer(out_bill_no, OPENID, "张伟", amount)).await
    }

    async fn create_body(&self, body: &Value) -> Answer {
        let answer = self.call(Method::POST, CREATE_PATH, &body.to_string()).await;
        assert!(answer.signed, "every answer is signed: {answer:?}");
        answer
    }

    async fn query(&self, out_bill_no: &str) -> Answer {
        let path = format!("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}");
        let answer = self.call(Method::GET, &path, "").await;
        assert!(answer.signed, "every answer is signed: {answer:?}");
        answer
    }

    async fn get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn set_faults(&self, faults: &[&str]) {
        let (status, answer) = self.post("/sandbox/pay/faults", json!({ "next": faults })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["next"], json!(faults));
    }

    /// The notification deliveries the sandbox recorded for `out_bill_no`, once there are `n`
    /// (an attempt is recorded just after gpet answers it).
    async fn deliveries(&self, out_bill_no: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let listing = self.get(&format!("/sandbox/pay/bills?out_bill_no={out_bill_no}")).await;
            let deliveries = listing["notifications"].as_array().unwrap().clone();
            if deliveries.len() >= n || Instant::now() > deadline {
                assert_eq!(deliveries.len(), n, "{deliveries:?}");
                return deliveries;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The notification's decrypted resource, after checking its signature and envelope.
    fn open(&self, received: &Received) -> Value {
        assert!(platform_signed(&self.platform_der, &received.headers, &received.body), "the notification is signed");
        let body: Value = serde_json::from_slice(&received.body).unwrap();
        assert_eq!(body["event_type"], "MCHTRANSFER.BILL.FINISHED");
        assert_eq!(body["resource_type"], "encrypt-resource");
        assert_eq!(body["resource"]["algorithm"], "AEAD_AES_256_GCM");
        assert_eq!(body["resource"]["original_type"], "mch_payment");
        assert_eq!(body["resource"]["associated_data"], "mch_payment");
        assert_eq!(body["resource"]["nonce"].as_str().unwrap().len(), 12);
        assert!(body["create_time"].as_str().unwrap().ends_with("+08:00"), "{body}");
        decrypt_resource(API_V3_KEY, &body["resource"])
    }
}

// ---------------------------------------------------------------------------------------------
// Signatures

#[tokio::test]
async fn requests_are_refused_unless_signed_by_the_merchant_key() {
    let h = start().await;
    let path = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/GW404A1";
    let now = unix_now();
    let stranger = new_key();
    let cases: Vec<(Option<String>, &str)> = vec![
        (None, "no Authorization header"),
        (Some("Bearer abc".to_owned()), "another scheme"),
        (
            Some(
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="N",timestamp="1",serial_no="S""#.to_owned(),
            ),
            "no signature",
        ),
        (Some(authorization(&stranger, MCH_ID, MERCHANT_SERIAL, "GET", path, now, "")), "another key"),
        (Some(authorization(&h.merchant, "1900000999", MERCHANT_SERIAL, "GET", path, now, "")), "another mchid"),
        (Some(authorization(&h.merchant, MCH_ID, "OTHERSERIAL", "GET", path, now, "")), "another serial"),
        (Some(authorization(&h.merchant, MCH_ID, MERCHANT_SERIAL, "GET", path, now - 600, "")), "a stale timestamp"),
        (Some(authorization(&h.merchant, MCH_ID, MERCHANT_SERIAL, "POST", path, now, "")), "another method"),
        (Some(authorization(&h.merchant, MCH_ID, MERCHANT_SERIAL, "GET", "/v3/other", now, "")), "another path"),
    ];
    for (header, why) in cases {
        let answer = h.raw(Method::GET, path, "", header.as_deref(), None).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{why}: {answer:?}");
        assert_eq!(answer.json["code"], "SIGN_ERROR", "{why}");
        assert!(answer.signed, "{why}: refusals are signed too");
    }

    // A body changed after signing.
    let body = h.transfer("GW1A1", OPENID, "张伟", 100).to_string();
    let signed = h.signed_by_merchant("POST", CREATE_PATH, &body);
    let tampered = body.replace("\"transfer_amount\":100", "\"transfer_amount\":900");
    assert_ne!(tampered, body);
    let answer = h.raw(Method::POST, CREATE_PATH, &tampered, Some(&signed), Some(PLATFORM_SERIAL)).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("SIGN_ERROR")));
    assert!(h.get("/sandbox/pay/bills").await["bills"].as_array().unwrap().is_empty(), "nothing was created");

    // Signed properly, the same calls go through.
    let answer = h.raw(Method::POST, CREATE_PATH, &body, Some(&signed), Some(PLATFORM_SERIAL)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let answer = h.query("GW404A1").await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")));
    assert_eq!(h.get("/sandbox/pay/config").await["verifies_signatures"], true);
}

#[tokio::test]
async fn without_a_merchant_key_only_the_header_shape_is_checked() {
    let h = start_with(false).await;
    let path = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/GW1A1";
    let unchecked = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="N",signature="bm90IGEgc2lnbmF0dXJl",timestamp="1",serial_no="ANY""#;
    let answer = h.raw(Method::GET, path, "", Some(unchecked), None).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::NOT_FOUND, Some("NOT_FOUND")), "{answer:?}");

    let without_nonce =
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",signature="c2ln",timestamp="1",serial_no="ANY""#;
    let other_mchid =
        r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",signature="c2ln",timestamp="1",serial_no="ANY""#;
    for (header, why) in
        [(None, "no header"), (Some(without_nonce), "no nonce_str"), (Some(other_mchid), "another mchid")]
    {
        let answer = h.raw(Method::GET, path, "", header, None).await;
        assert_eq!(
            (answer.status, answer.json["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("SIGN_ERROR")),
            "{why}"
        );
    }
    assert_eq!(h.get("/sandbox/pay/config").await["verifies_signatures"], false);
}

#[tokio::test]
async fn the_config_serves_the_platform_key_and_settings() {
    let h = start().await;
    let config = h.get("/sandbox/pay/config").await;
    assert_eq!(config["mch_id"], MCH_ID);
    assert_eq!(config["app_id"], APP_ID);
    assert_eq!(config["serial"], PLATFORM_SERIAL);
    assert_eq!(config["api_v3_key"], API_V3_KEY);
    assert_eq!(config["merchant_serial_no"], MERCHANT_SERIAL);
    let pem = config["wechatpay_public_key_pem"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && pem.ends_with("-----END PUBLIC KEY-----\n"), "{pem}");
    assert!(rsa::PublicKey::from_der(&pem_to_der(pem)).is_ok(), "an RSA public key");

    // Another sandbox has another platform key pair.
    let other = start().await;
    assert_ne!(other.platform_der, h.platform_der);
}

// ---------------------------------------------------------------------------------------------
// A bill's life

#[tokio::test]
async fn a_confirmed_bill_succeeds_and_its_notification_verifies_and_decrypts() {
    let h = start().await;
    let created = h.create("GW7A1", 1234).await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    assert_eq!(created.json["out_bill_no"], "GW7A1");
    assert_eq!(created.json["state"], "WAIT_USER_CONFIRM");
    assert!(!created.json["package_info"].as_str().unwrap().is_empty());
    assert!(created.json.get("fail_reason").is_none());
    let transfer_bill_no = created.json["transfer_bill_no"].as_str().unwrap().to_owned();
    let create_time = created.json["create_time"].as_str().unwrap().to_owned();
    assert!(create_time.ends_with("+08:00"), "{create_time}");
    let created_at = chrono::DateTime::parse_from_rfc3339(&create_time).unwrap();
    assert!((created_at.timestamp() - unix_now()).abs() <= 5, "real time: {create_time}");

    let bill = h.query("GW7A1").await;
    assert_eq!(bill.status, StatusCode::OK);
    assert_eq!(
        bill.json,
        json!({
            "mch_id": MCH_ID,
            "out_bill_no": "GW7A1",
            "transfer_bill_no": transfer_bill_no,
            "appid": APP_ID,
            "state": "WAIT_USER_CONFIRM",
            "transfer_amount": 1234,
            "transfer_remark": "群主收益提现",
            "openid": OPENID,
            "create_time": create_time,
            "update_time": create_time,
        })
    );
    assert!(h.gpet.received().is_empty(), "nothing is notified before a final state");

    let (status, confirmed) = h.post("/sandbox/pay/confirm", json!({"out_bill_no": "GW7A1"})).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["state"], "SUCCESS");

    let received = h.gpet.wait_for(1, Duration::from_secs(3)).await;
    let plain = h.open(&received[0]);
    assert_eq!(plain["out_bill_no"], "GW7A1");
    assert_eq!(plain["transfer_bill_no"], transfer_bill_no);
    assert_eq!(plain["state"], "SUCCESS");
    assert_eq!(plain["mch_id"], MCH_ID);
    assert_eq!(plain["transfer_amount"], 1234);
    assert_eq!(plain["openid"], OPENID);
    assert_eq!(plain["create_time"], create_time);
    assert!(plain["update_time"].as_str().unwrap().ends_with("+08:00"));
    assert!(plain.get("fail_reason").is_none(), "{plain}");

    let bill = h.query("GW7A1").await;
    assert_eq!(bill.json["state"], "SUCCESS");
    assert_eq!(bill.json["update_time"], plain["update_time"]);
    let deliveries = h.deliveries("GW7A1", 1).await;
    assert_eq!((&deliveries[0]["state"], &deliveries[0]["status"]), (&json!("SUCCESS"), &json!(200)));

    let (status, again) = h.post("/sandbox/pay/confirm", json!({"out_bill_no": "GW7A1"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "only a waiting bill can be confirmed: {again}");
    let (status, _) = h.post("/sandbox/pay/confirm", json!({"out_bill_no": "GW8A1"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_confirm_page_lets_a_person_decline_and_that_is_notified_as_cancelled() {
    let h = start().await;
    h.create("GW9A1", 1234).await;
    let page = h.http.get(h.url("/sandbox/pay/confirm/GW9A1")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    assert!(text.contains(r#"<html lang="zh-CN">"#));
    assert!(text.contains("¥12.34"), "the amount in yuan");
    assert!(text.contains("确认收款") && text.contains("取消"), "both buttons");

    // The browser follows the redirect back to the page, which now shows the outcome.
    let after = h.http.post(h.url("/sandbox/pay/confirm/GW9A1")).form(&[("action", "cancel")]).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    let text = after.text().await.unwrap();
    assert!(text.contains(r#"data-state="CANCELLED""#), "{text}");
    assert!(!text.contains("<button"), "no buttons once decided");

    let received = h.gpet.wait_for(1, Duration::from_secs(3)).await;
    assert_eq!(h.open(&received[0])["state"], "CANCELLED");
    assert_eq!(h.query("GW9A1").await.json["state"], "CANCELLED");
    let missing = h.http.get(h.url("/sandbox/pay/confirm/GW404A1")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_same_out_bill_no_with_the_same_parameters_answers_the_same_bill() {
    let h = start().await;
    let first = h.create("GW2A1", 500).await;
    // The name is encrypted anew (OAEP is randomised): compared decrypted.
    let again = h.create("GW2A1", 500).await;
    assert_eq!(again.status, StatusCode::OK, "{again:?}");
    assert_eq!(again.json, first.json);
    let bills = h.get("/sandbox/pay/bills").await["bills"].as_array().unwrap().clone();
    assert_eq!(bills.len(), 1);
    assert!(h.get("/sandbox/pay/conflicts").await["conflicts"].as_array().unwrap().is_empty());

    // Once confirmed, a repeat shows the bill as it is now.
    h.post("/sandbox/pay/confirm", json!({"out_bill_no": "GW2A1"})).await;
    let later = h.create("GW2A1", 500).await;
    assert_eq!((later.json["state"].as_str(), later.json.get("package_info")), (Some("SUCCESS"), None));
    assert_eq!(later.json["transfer_bill_no"], first.json["transfer_bill_no"]);
}

#[tokio::test]
async fn the_same_out_bill_no_with_other_parameters_is_refused_and_recorded() {
    let h = start().await;
    h.create("GW3A1", 500).await;
    let other = h.create("GW3A1", 600).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{other:?}");
    assert_eq!(other.json["code"], "PARAM_ERROR");
    let renamed = h.create_body(&h.transfer("GW3A1", OPENID, "张三", 500)).await;
    assert_eq!(renamed.json["code"], "PARAM_ERROR");

    let conflicts = h.get("/sandbox/pay/conflicts").await["conflicts"].as_array().unwrap().clone();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert_eq!(conflicts[0]["out_bill_no"], "GW3A1");
    assert_eq!(conflicts[0]["fields"], json!(["transfer_amount"]));
    assert_eq!(conflicts[1]["fields"], json!(["user_name"]));
    assert_eq!(h.query("GW3A1").await.json["transfer_amount"], 500, "the bill is as first created");
}

#[tokio::test]
async fn bad_parameters_are_param_errors() {
    let h = start().await;
    let good = h.transfer("GW4A1", OPENID, "张伟", 100);
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("appid", json!("wx_other")), "appid"),
        (with("transfer_amount", json!(0)), "transfer_amount"),
        (with("out_bill_no", json!("GW_4")), "out_bill_no"),
        (with("transfer_scene_id", json!("1005")), "1005"),
        (with("user_name", json!("bm90IGVuY3J5cHRlZA==")), "user_name"),
        (with("transfer_scene_report_infos", json!([])), "活动名称"),
    ];
    for (body, field) in cases {
        let answer = h.create_body(&body).await;
        assert_eq!(
            (answer.status, answer.json["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("PARAM_ERROR")),
            "{field}"
        );
        assert!(answer.json["message"].as_str().unwrap().contains(field), "{field}: {answer:?}");
    }
    // An encrypted name needs the platform serial in Wechatpay-Serial.
    let body = good.to_string();
    let signed = h.signed_by_merchant("POST", CREATE_PATH, &body);
    let answer = h.raw(Method::POST, CREATE_PATH, &body, Some(&signed), None).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("PARAM_ERROR")));
    assert!(h.get("/sandbox/pay/bills").await["bills"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_name_is_decrypted_and_checked_against_the_registered_one() {
    let h = start().await;
    let response =
        h.http.put(h.url(&format!("/sandbox/pay/names/{OPENID}"))).json(&json!({"name": "张伟"})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(h.get("/sandbox/pay/names").await["names"], json!({ OPENID: "张伟" }));

    let wrong = h.create_body(&h.transfer("GW5A1", OPENID, "张为", 100)).await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert_eq!(
        (wrong.json["state"].as_str(), wrong.json["fail_reason"].as_str()),
        (Some("FAIL"), Some("NAME_NOT_CORRECT"))
    );
    let received = h.gpet.wait_for(1, Duration::from_secs(3)).await;
    let plain = h.open(&received[0]);
    assert_eq!((plain["state"].as_str(), plain["fail_reason"].as_str()), (Some("FAIL"), Some("NAME_NOT_CORRECT")));

    let right = h.create_body(&h.transfer("GW6A1", OPENID, "张伟", 100)).await;
    assert_eq!(right.json["state"], "WAIT_USER_CONFIRM");
    // An openid without a registered name takes any name.
    let unknown = h.create_body(&h.transfer("GW6A2", "o_demo_lina", "随便", 100)).await;
    assert_eq!(unknown.json["state"], "WAIT_USER_CONFIRM");
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn the_fault_queue_is_shown_replaced_and_cleared() {
    let h = start().await;
    assert_eq!(h.get("/sandbox/pay/faults").await, json!({"next": []}));
    h.set_faults(&["system_error", "not_enough"]).await;
    h.set_faults(&["auto_confirm"]).await;
    assert_eq!(h.get("/sandbox/pay/faults").await, json!({"next": ["auto_confirm"]}), "a POST replaces the queue");
    let cleared = h.http.delete(h.url("/sandbox/pay/faults")).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(h.get("/sandbox/pay/faults").await, json!({"next": []}));
    let (status, _) = h.post("/sandbox/pay/faults", json!({"next": ["explode"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn system_error_and_not_enough_create_no_bill_and_take_one_create_each() {
    let h = start().await;
    h.set_faults(&["system_error", "not_enough"]).await;
    let first = h.create("GW10A1", 100).await;
    assert_eq!((first.status, first.json["code"].as_str()), (StatusCode::INTERNAL_SERVER_ERROR, Some("SYSTEM_ERROR")));
    assert_eq!(h.query("GW10A1").await.status, StatusCode::NOT_FOUND);
    let second = h.create("GW10A1", 100).await;
    assert_eq!(second.status, StatusCode::FORBIDDEN);
    assert_eq!(second.json, json!({"code": "NOT_ENOUGH", "message": "商户运营账户资金不足"}));
    assert_eq!(h.query("GW10A1").await.status, StatusCode::NOT_FOUND);
    let third = h.create("GW10A1", 100).await;
    assert_eq!((third.status, third.json["state"].as_str()), (StatusCode::OK, Some("WAIT_USER_CONFIRM")));
    assert_eq!(h.get("/sandbox/pay/faults").await, json!({"next": []}));
}

#[tokio::test]
async fn processing_then_fail_fails_a_second_later_with_transfer_risk() {
    let h = start().await;
    h.set_faults(&["processing_then_fail"]).await;
    let created = h.create("GW11A1", 100).await;
    assert_eq!(created.json["state"], "PROCESSING");
    assert!(created.json.get("package_info").is_none());
    assert_eq!(h.query("GW11A1").await.json["state"], "PROCESSING");
    let received = h.gpet.wait_for(1, Duration::from_secs(4)).await;
    let plain = h.open(&received[0]);
    assert_eq!((plain["state"].as_str(), plain["fail_reason"].as_str()), (Some("FAIL"), Some("TRANSFER_RISK")));
    let bill = h.query("GW11A1").await.json;
    assert_eq!((bill["state"].as_str(), bill["fail_reason"].as_str()), (Some("FAIL"), Some("TRANSFER_RISK")));
}

#[tokio::test]
async fn name_mismatch_fails_and_auto_confirm_succeeds_at_once_both_notified() {
    let h = start().await;
    h.set_faults(&["name_mismatch", "auto_confirm"]).await;
    let failed = h.create("GW12A1", 100).await;
    assert_eq!(
        (failed.json["state"].as_str(), failed.json["fail_reason"].as_str()),
        (Some("FAIL"), Some("NAME_NOT_CORRECT"))
    );
    let paid = h.create("GW12A2", 200).await;
    assert_eq!(paid.json["state"], "SUCCESS");
    let received = h.gpet.wait_for(2, Duration::from_secs(3)).await;
    let mut states: Vec<(String, String)> = received
        .iter()
        .map(|received| h.open(received))
        .map(|plain| (plain["out_bill_no"].as_str().unwrap().to_owned(), plain["state"].as_str().unwrap().to_owned()))
        .collect();
    states.sort();
    assert_eq!(states, [("GW12A1".to_owned(), "FAIL".to_owned()), ("GW12A2".to_owned(), "SUCCESS".to_owned())]);
}

#[tokio::test]
async fn timeout_after_accept_makes_the_bill_but_holds_the_answer() {
    let h = start().await;
    h.set_faults(&["timeout_after_accept"]).await;
    let body = h.transfer("GW13A1", OPENID, "张伟", 100).to_string();
    let signed = h.signed_by_merchant("POST", CREATE_PATH, &body);
    let started = Instant::now();
    let outcome = h
        .http
        .post(h.url(CREATE_PATH))
        .timeout(Duration::from_secs(2))
        .header("Authorization", signed)
        .header("Wechatpay-Serial", PLATFORM_SERIAL)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await;
    assert!(outcome.unwrap_err().is_timeout(), "the answer takes longer than our client waits");
    assert!(started.elapsed() >= Duration::from_secs(2));
    let bill = h.query("GW13A1").await;
    assert_eq!((bill.status, bill.json["state"].as_str()), (StatusCode::OK, Some("WAIT_USER_CONFIRM")));
    // Sent again, the bill is answered at once.
    let again = h.create("GW13A1", 100).await;
    assert_eq!(again.json["transfer_bill_no"], bill.json["transfer_bill_no"]);
}

// ---------------------------------------------------------------------------------------------
// Notifications, forced states, bills of a day

#[tokio::test]
async fn a_failing_notification_is_retried_three_times_a_second_apart() {
    let h = start().await;
    // Two failures, then gpet takes it: three attempts.
    h.gpet.inbox.fail_next.store(2, Ordering::SeqCst);
    h.set_faults(&["auto_confirm"]).await;
    h.create("GW14A1", 100).await;
    let received = h.gpet.wait_for(3, Duration::from_secs(5)).await;
    let ids: Vec<Value> =
        received.iter().map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["id"].clone()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "the same notification each time: {ids:?}");
    for pair in received.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(900) && gap < Duration::from_millis(2000), "{gap:?}");
    }
    let statuses: Vec<Value> = h.deliveries("GW14A1", 3).await.iter().map(|d| d["status"].clone()).collect();
    assert_eq!(statuses, [json!(500), json!(500), json!(200)]);

    // Never taken: the first post and three more, then the sandbox gives up.
    h.gpet.inbox.fail_next.store(u32::MAX, Ordering::SeqCst);
    h.set_faults(&["auto_confirm"]).await;
    h.create("GW14A2", 100).await;
    h.gpet.wait_for(3 + 4, Duration::from_secs(6)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(h.gpet.received().len(), 3 + 4, "no fifth attempt");
    let deliveries = h.deliveries("GW14A2", 4).await;
    let attempts: Vec<(Value, Value)> =
        deliveries.iter().map(|d| (d["attempt"].clone(), d["status"].clone())).collect();
    assert_eq!(
        attempts,
        [(json!(1), json!(500)), (json!(2), json!(500)), (json!(3), json!(500)), (json!(4), json!(500))]
    );
}

#[tokio::test]
async fn an_unreachable_notify_url_is_recorded_without_a_status() {
    let h = start().await;
    let mut body = h.transfer("GW15A1", OPENID, "张伟", 100);
    // A port nobody listens on: bind one, then let it go.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    body["notify_url"] = json!(format!("http://{closed}{NOTIFY_PATH}"));
    h.set_faults(&["auto_confirm"]).await;
    h.create_body(&body).await;
    let deliveries = h.deliveries("GW15A1", 1).await;
    assert_eq!(deliveries[0]["status"], Value::Null);
    assert!(!deliveries[0]["error"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn a_forced_state_is_kept_and_notified_only_when_final() {
    let h = start().await;
    h.create("GW16A1", 100).await;
    let (status, bill) = h.post("/sandbox/pay/bills/GW16A1/state", json!({"state": "TRANSFERING"})).await;
    assert_eq!((status, bill["state"].as_str()), (StatusCode::OK, Some("TRANSFERING")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.gpet.received().is_empty(), "TRANSFERING is not final");
    let (_, bill) = h.post("/sandbox/pay/bills/GW16A1/state", json!({"state": "FAIL"})).await;
    assert_eq!(bill["fail_reason"], "OTHER_FAIL_REASON_TYPE");
    let received = h.gpet.wait_for(1, Duration::from_secs(3)).await;
    assert_eq!(h.open(&received[0])["fail_reason"], "OTHER_FAIL_REASON_TYPE");

    h.create("GW16A2", 100).await;
    let forced = json!({"state": "CANCELLED", "fail_reason": "OVERDUE_CLOSE"});
    let (_, bill) = h.post("/sandbox/pay/bills/GW16A2/state", forced).await;
    assert_eq!((bill["state"].as_str(), bill["fail_reason"].as_str()), (Some("CANCELLED"), Some("OVERDUE_CLOSE")));
    assert_eq!(h.query("GW16A2").await.json["state"], "CANCELLED");
    h.gpet.wait_for(2, Duration::from_secs(3)).await;

    let (status, _) = h.post("/sandbox/pay/bills/GW16A3/state", json!({"state": "FAIL"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = h.post("/sandbox/pay/bills/GW16A1/state", json!({"state": "DONE"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// The fund-flow bill

fn beijing_today() -> NaiveDate {
    (chrono::Utc::now() + TimeDelta::hours(8)).date_naive()
}

fn fund_flow_path(day: NaiveDate, account: &str, gzip: bool) -> String {
    let tar = if gzip { "&tar_type=GZIP" } else { "" };
    format!("/v3/bill/fundflowbill?bill_date={}&account_type={account}{tar}", day.format("%Y-%m-%d"))
}

/// A download as gpet makes it: status, headers, bytes.
struct Download {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Harness {
    async fn set_today_ready(&self, ready: bool) {
        let response = self
            .http
            .put(self.url("/sandbox/pay/fund-flow"))
            .json(&json!({"today_ready": ready}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    async fn set_statement_faults(&self, faults: &[&str]) {
        let (status, answer) = self.post("/sandbox/pay/fund-flow/faults", json!({ "next": faults })).await;
        assert_eq!((status, &answer["next"]), (StatusCode::OK, &json!(faults)), "{answer}");
    }

    /// Applies for a bill: the signed answer.
    async fn apply(&self, day: NaiveDate, account: &str, gzip: bool) -> Answer {
        let answer = self.call(Method::GET, &fund_flow_path(day, account, gzip), "").await;
        if answer.status != StatusCode::NOT_FOUND {
            assert!(answer.signed, "every answer is signed: {answer:?}");
        }
        answer
    }

    /// Downloads `url` (signed over its path and query unless `signed` is false).
    async fn download(&self, url: &str, signed: bool) -> Download {
        let parsed = url::Url::parse(url).unwrap();
        let path = format!("{}?{}", parsed.path(), parsed.query().unwrap());
        let mut request = self.http.get(url);
        if signed {
            request = request.header("Authorization", self.signed_by_merchant("GET", &path, ""));
        }
        let response = request.send().await.unwrap();
        Download {
            status: response.status(),
            headers: response.headers().clone(),
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    /// Applies for today's bill of the operation account and downloads it: the answer, the
    /// served bytes and the plain text.
    async fn todays_bill(&self, gzip: bool) -> (Value, Vec<u8>, String) {
        let answer = self.apply(beijing_today(), "OPERATION", gzip).await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        let download = self.download(answer.json["download_url"].as_str().unwrap(), true).await;
        assert_eq!(download.status, StatusCode::OK);
        let plain = if gzip { gunzip(&download.bytes) } else { download.bytes.clone() };
        (answer.json, download.bytes, String::from_utf8(plain).unwrap())
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut plain).unwrap();
    plain
}

fn sha1(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes))
}

/// The values of a bill's backticked line.
fn values(line: &str) -> Vec<&str> {
    line.strip_prefix('`').unwrap().split(",`").collect()
}

#[tokio::test]
async fn the_fund_flow_bill_has_a_paid_line_for_each_transfer_that_succeeded_gzipped_and_hashed() {
    let h = start().await;
    h.set_faults(&["auto_confirm", "accept", "name_mismatch", "accept"]).await;
    h.create("GW17A1", 129).await;
    h.create("GW17A2", 250).await;
    h.create("GW17A3", 300).await;
    let waiting = h.create("GW17A4", 400).await;
    assert_eq!(waiting.json["state"], "WAIT_USER_CONFIRM");
    let (status, _) = h.post("/sandbox/pay/confirm", json!({"out_bill_no": "GW17A2"})).await;
    assert_eq!(status, StatusCode::OK);

    // Today's bill is being made; a day after today is refused; another day had no flows.
    let today = beijing_today();
    let answer = h.apply(today, "OPERATION", true).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("STATEMENT_CREATING")));
    let answer = h.apply(today.succ_opt().unwrap(), "OPERATION", true).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")));
    let answer = h.apply(today.pred_opt().unwrap(), "OPERATION", true).await;
    assert_eq!((answer.status, answer.json["code"].as_str()), (StatusCode::BAD_REQUEST, Some("NO_STATEMENT_EXIST")));
    let answer = h.apply(today - TimeDelta::days(91), "OPERATION", true).await;
    assert_eq!(answer.json["code"], "INVALID_REQUEST", "{answer:?}");

    h.set_today_ready(true).await;
    let answer = h.apply(today, "BASIC", true).await;
    assert_eq!(answer.json["code"], "NO_STATEMENT_EXIST", "transfers are paid from the operation account");
    let (application, served, text) = h.todays_bill(true).await;
    assert_eq!(application["hash_type"], "SHA1");
    let url = application["download_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/v3/billdownload/file?token=", h.sandbox.base_url)), "{url}");
    assert!(url.ends_with("&tartype=gzip"), "{url}");
    assert_eq!(&served[..2], &[0x1f, 0x8b], "gzipped");
    assert_eq!(application["hash_value"], sha1(text.as_bytes()), "the hash is the plain file's");

    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号"
    );
    let paid: Vec<Vec<&str>> = lines[1..3].iter().map(|line| values(line)).collect();
    assert_eq!(paid.len(), 2);
    let first = h.query("GW17A1").await.json["transfer_bill_no"].as_str().unwrap().to_owned();
    let second = h.query("GW17A2").await.json["transfer_bill_no"].as_str().unwrap().to_owned();
    let applicant = format!("{MCH_ID}API");
    for (line, (no, bill, amount, balance)) in
        paid.iter().zip([("GW17A1", &first, "1.29", "999998.71"), ("GW17A2", &second, "2.50", "999996.21")])
    {
        assert_eq!(line.len(), 11, "{line:?}");
        assert!(line[0].starts_with(&today.format("%Y-%m-%d ").to_string()), "{line:?}");
        assert_eq!(line[1], bill);
        assert_eq!(line[2].len(), 28, "{line:?}");
        assert_eq!(
            &line[3..],
            &["企业付款", "企业付款", "支出", amount, balance, applicant.as_str(), "群主收益提现", no]
        );
    }
    assert_eq!(&lines[3..], ["资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额", "`2,`0,`0.00,`2,`3.79", ""]);

    // Without tar_type the file comes as it is.
    let (application, served, text) = h.todays_bill(false).await;
    assert_eq!(
        (served.as_slice(), application["hash_value"].as_str().unwrap()),
        (text.as_bytes(), sha1(&served).as_str())
    );
    assert!(!application["download_url"].as_str().unwrap().contains("tartype"));
    let listing = h.get("/sandbox/pay/fund-flow").await;
    assert_eq!((listing["flows"].as_array().unwrap().len(), listing["balance_fen"].as_i64()), (2, Some(99_999_621)));
    let page = h.http.get(h.url(&format!("/sandbox/pay/fund-flow/{today}"))).send().await.unwrap();
    assert_eq!(page.text().await.unwrap(), text);
}

#[tokio::test]
async fn a_download_is_signed_used_once_and_carries_no_signature() {
    let h = start().await;
    h.set_faults(&["auto_confirm"]).await;
    h.create("GW18A1", 100).await;
    h.set_today_ready(true).await;
    let answer = h.apply(beijing_today(), "OPERATION", true).await;
    let url = answer.json["download_url"].as_str().unwrap();

    let unsigned = h.download(url, false).await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    let other_key = new_key();
    let parsed = url::Url::parse(url).unwrap();
    let path = format!("{}?{}", parsed.path(), parsed.query().unwrap());
    let forged = authorization(&other_key, MCH_ID, MERCHANT_SERIAL, "GET", &path, unix_now(), "");
    let response = h.http.get(url).header("Authorization", forged).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let download = h.download(url, true).await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(download.headers.get("wechatpay-signature").is_none(), "the file is not signed: its hash is");
    assert_eq!(sha1(&gunzip(&download.bytes)), answer.json["hash_value"].as_str().unwrap());
    let again = h.download(url, true).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let refusal: Value = serde_json::from_slice(&again.bytes).unwrap();
    assert_eq!(refusal["code"], "INVALID_REQUEST");
}

#[tokio::test]
async fn fund_flow_faults_spoil_one_application_each() {
    let h = start().await;
    h.set_faults(&["auto_confirm"]).await;
    h.create("GW19A1", 100).await;
    h.set_today_ready(true).await;
    let today = beijing_today();
    h.set_statement_faults(&[
        "creating",
        "not_found",
        "wrong_hash",
        "malformed",
        "corrupt_gzip",
        "download_not_found",
        "foreign_host",
    ])
    .await;

    let creating = h.apply(today, "OPERATION", true).await;
    assert_eq!(
        (creating.status, creating.json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("STATEMENT_CREATING"))
    );
    let path = fund_flow_path(today, "OPERATION", true);
    let not_found = h.http.get(h.url(&path)).header("Authorization", h.signed_by_merchant("GET", &path, ""));
    assert_eq!(not_found.send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let (wrong, _, text) = h.todays_bill(true).await;
    assert_ne!(wrong["hash_value"], sha1(text.as_bytes()), "wrong_hash");
    let (malformed, _, text) = h.todays_bill(true).await;
    assert_eq!(malformed["hash_value"], sha1(text.as_bytes()), "malformed: the hash is right");
    assert!(text.ends_with("`1,`0,`0.00,`1,`1.01\r\n"), "the summary disagrees with the line: {text}");

    let corrupt = h.apply(today, "OPERATION", true).await;
    let download = h.download(corrupt.json["download_url"].as_str().unwrap(), true).await;
    assert_eq!(download.status, StatusCode::OK);
    let mut plain = Vec::new();
    let unzipped = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&download.bytes[..]), &mut plain);
    assert!(unzipped.is_err(), "corrupt_gzip cuts the stream short");

    let gone = h.apply(today, "OPERATION", true).await;
    assert_eq!(h.download(gone.json["download_url"].as_str().unwrap(), true).await.status, StatusCode::NOT_FOUND);
    let foreign = h.apply(today, "OPERATION", true).await;
    assert!(foreign.json["download_url"].as_str().unwrap().starts_with("http://bills.example.com/"), "{foreign:?}");

    let (good, _, text) = h.todays_bill(true).await;
    assert_eq!(good["hash_value"], sha1(text.as_bytes()), "the queue is empty again");
    assert_eq!(h.get("/sandbox/pay/fund-flow/faults").await["next"], json!([]));
    let (status, _) = h.post("/sandbox/pay/fund-flow/faults", json!({"next": ["late"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_bill_forced_away_from_success_pays_the_money_back_in_the_bill() {
    let h = start().await;
    h.set_faults(&["auto_confirm"]).await;
    h.create("GW20A1", 500).await;
    let (status, _) = h.post("/sandbox/pay/bills/GW20A1/state", json!({"state": "FAIL"})).await;
    assert_eq!(status, StatusCode::OK);
    h.set_today_ready(true).await;
    let (_, _, text) = h.todays_bill(true).await;
    let lines: Vec<&str> = text.split("\r\n").collect();
    let flows: Vec<Vec<&str>> = lines[1..3].iter().map(|line| values(line)).collect();
    assert_eq!(
        flows.iter().map(|f| (f[4], f[5], f[6], f[7], f[10])).collect::<Vec<_>>(),
        [("企业付款", "支出", "5.00", "999995.00", "GW20A1"), ("企业付款退回", "收入", "5.00", "1000000.00", "GW20A1")]
    );
    assert_eq!(lines[4], "`2,`1,`5.00,`1,`5.00");
}

#[tokio::test]
async fn unsigned_refusal_makes_the_bill_but_answers_unsigned_until_it_is_asked_again() {
    let h = start().await;
    h.set_faults(&["unsigned_refusal"]).await;
    let body = h.transfer("GW16A1", OPENID, "张伟", 100).to_string();
    let created = h.call(Method::POST, CREATE_PATH, &body).await;
    assert_eq!(
        (created.status, created.signed, created.json["code"].as_str()),
        (StatusCode::BAD_REQUEST, false, Some("INVALID_REQUEST"))
    );
    let path = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/GW16A1";
    let first = h.call(Method::GET, path, "").await;
    assert_eq!(
        (first.status, first.signed, first.json["code"].as_str()),
        (StatusCode::NOT_FOUND, false, Some("NOT_FOUND"))
    );
    let second = h.query("GW16A1").await;
    assert_eq!(
        (second.status, second.signed, second.json["state"].as_str()),
        (StatusCode::OK, true, Some("WAIT_USER_CONFIRM")),
        "the bill was made all along"
    );
}

#[tokio::test]
async fn a_final_bill_is_notified_again_on_demand_signed_as_of_the_age_asked() {
    let h = start().await;
    h.set_faults(&["auto_confirm"]).await;
    assert_eq!(h.create("GW17A1", 100).await.json["state"], "SUCCESS");
    h.gpet.wait_for(1, Duration::from_secs(3)).await;
    let (status, answer) = h.post("/sandbox/pay/bills/GW17A1/notify", json!({"age_secs": 400})).await;
    assert_eq!((status, answer["status"].as_u64()), (StatusCode::OK, Some(200)), "{answer}");
    let received = h.gpet.wait_for(2, Duration::from_secs(3)).await;
    let replay = &received[1];
    let timestamp: i64 = replay.headers["Wechatpay-Timestamp"].to_str().unwrap().parse().unwrap();
    assert!((unix_now() - 400 - timestamp).abs() <= 2, "signed 400 s ago: {timestamp}");
    assert_eq!(h.open(replay)["state"], "SUCCESS");
    h.set_faults(&[]).await;
    h.create("GW18A1", 100).await;
    let (status, _) = h.post("/sandbox/pay/bills/GW18A1/notify", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a bill waiting for its user has no final state to notify");
}
