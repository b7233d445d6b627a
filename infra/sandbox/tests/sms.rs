//! The SMS gateway sandbox over real HTTP, as gpet's client talks to it.

use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

const KEY: &str = "test-sms-key";
const PHONE: &str = "13812345678";

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let sandbox = gpet_sandbox::spawn(SandboxConfig { sms_key: KEY.to_owned(), ..SandboxConfig::default() })
        .await
        .expect("sandbox starts");
    Harness { sandbox, http: reqwest::Client::new() }
}

fn verify_code(phone: &str, code: &str) -> Value {
    json!({"phone": phone, "template": "verify_code", "params": {"code": code, "minutes": "5"}})
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    /// Sends with the right key; answers the HTTP status and the JSON.
    async fn send(&self, body: &Value) -> (StatusCode, Value) {
        self.send_raw(Some(KEY), body.to_string()).await
    }

    async fn send_raw(&self, key: Option<&str>, body: String) -> (StatusCode, Value) {
        let mut request = self.http.post(self.url("/sms/v1/send")).header(CONTENT_TYPE, "application/json").body(body);
        if let Some(key) = key {
            request = request.header("X-Sms-Key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// The business `code` of a send that the gateway answered with HTTP 200.
    async fn send_code(&self, body: &Value) -> String {
        let (status, answer) = self.send(body).await;
        assert_eq!(status, StatusCode::OK, "business outcomes travel with 200: {answer}");
        answer["code"].as_str().unwrap().to_owned()
    }

    async fn messages(&self, phone: Option<&str>) -> Vec<Value> {
        let mut request = self.http.get(self.url("/sandbox/sms"));
        if let Some(phone) = phone {
            request = request.query(&[("phone", phone)]);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        answer["messages"].as_array().unwrap().clone()
    }

    async fn set_faults(&self, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url("/sandbox/sms/faults")).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

#[tokio::test]
async fn a_send_is_accepted_and_listed_for_its_phone() {
    let h = start().await;
    let (status, answer) = h.send(&verify_code(PHONE, "123456")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["code"], "OK");
    assert_eq!(answer["message"], "OK");
    let biz_id = answer["biz_id"].as_str().unwrap();
    assert!(!biz_id.is_empty());

    assert_eq!(h.send_code(&verify_code("13900000000", "654321")).await, "OK");

    let mine = h.messages(Some(PHONE)).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    let message = &mine[0];
    assert_eq!(message["phone"], PHONE);
    assert_eq!(message["template"], "verify_code");
    assert_eq!(message["code"], "123456");
    assert_eq!(message["text"], "【群宠】您的验证码为 123456，5 分钟内有效。请勿泄露给他人。");
    assert_eq!(message["biz_id"], biz_id);
    let sent_at = message["sent_at"].as_str().unwrap();
    assert_eq!(sent_at.len(), "2026-11-26T09:44:05Z".len(), "{sent_at}");
    assert!(sent_at.as_bytes()[10] == b'T' && sent_at.ends_with('Z'), "{sent_at}");

    let everyone = h.messages(None).await;
    let codes: Vec<&str> = everyone.iter().map(|message| message["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["123456", "654321"], "oldest first");
    assert!(h.messages(Some("13700000000")).await.is_empty());
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_401_invalid_access_key_id() {
    let h = start().await;
    for key in [Some("not-the-key"), Some(""), None] {
        let (status, answer) = h.send_raw(key, verify_code(PHONE, "123456").to_string()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{key:?}");
        assert_eq!(answer["code"], "InvalidAccessKeyId");
        assert!(!answer["message"].as_str().unwrap().is_empty());
    }
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn an_illegal_phone_answers_mobile_number_illegal() {
    let h = start().await;
    for phone in ["12812345678", "1381234567", "+8613812345678", "138-1234-5678"] {
        assert_eq!(h.send_code(&verify_code(phone, "123456")).await, "isv.MOBILE_NUMBER_ILLEGAL", "{phone}");
    }
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn an_unknown_template_or_missing_parameter_is_refused() {
    let h = start().await;
    let unknown = json!({"phone": PHONE, "template": "promo", "params": {}});
    assert_eq!(h.send_code(&unknown).await, "isv.SMS_TEMPLATE_ILLEGAL");
    let incomplete = json!({"phone": PHONE, "template": "verify_code", "params": {"code": "123456"}});
    assert_eq!(h.send_code(&incomplete).await, "isv.TEMPLATE_MISSING_PARAMETERS");
    assert!(h.messages(None).await.is_empty());
}

#[tokio::test]
async fn a_malformed_body_is_400_invalid_parameters() {
    let h = start().await;
    let bodies = [
        "{not json".to_owned(),
        String::new(),
        json!({"template": "verify_code"}).to_string(),
        json!({"phone": PHONE, "template": "verify_code", "params": {"code": 123456, "minutes": "5"}}).to_string(),
    ];
    for body in bodies {
        let (status, answer) = h.send_raw(Some(KEY), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["code"], "isv.INVALID_PARAMETERS", "{body}");
    }
}

#[tokio::test]
async fn the_fault_switch_fails_the_next_sends_then_clears() {
    let h = start().await;
    let (status, faults) = h.set_faults(json!({"fail_next": 2})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults, json!({"fail_next": 2, "code": "isp.SYSTEM_ERROR"}));

    assert_eq!(h.send_code(&verify_code(PHONE, "111111")).await, "isp.SYSTEM_ERROR");
    assert_eq!(h.send_code(&verify_code(PHONE, "222222")).await, "isp.SYSTEM_ERROR");
    assert_eq!(h.send_code(&verify_code(PHONE, "333333")).await, "OK");
    let codes: Vec<Value> = h.messages(Some(PHONE)).await.iter().map(|message| message["code"].clone()).collect();
    assert_eq!(codes, [json!("333333")], "failed sends are not delivered");

    h.set_faults(json!({"fail_next": 5, "code": "isv.BUSINESS_LIMIT_CONTROL"})).await;
    assert_eq!(h.send_code(&verify_code(PHONE, "444444")).await, "isv.BUSINESS_LIMIT_CONTROL");
    let (_, cleared) = h.set_faults(json!({"fail_next": 0})).await;
    assert_eq!(cleared["fail_next"], 0);
    assert_eq!(h.send_code(&verify_code(PHONE, "555555")).await, "OK");

    let shown: Value = h.http.get(h.url("/sandbox/sms/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["fail_next"], 0);

    let (status, _) = h.set_faults(json!({"fail_next": -1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = h.set_faults(json!({"fail_next": 1, "code": "OK"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_fault_does_not_answer_for_a_bad_key() {
    let h = start().await;
    h.set_faults(json!({"fail_next": 1})).await;
    let (status, answer) = h.send_raw(Some("wrong"), verify_code(PHONE, "123456").to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer["code"], "InvalidAccessKeyId");
    assert_eq!(h.send_code(&verify_code(PHONE, "123456")).await, "isp.SYSTEM_ERROR", "the fault is still armed");
}

#[tokio::test]
async fn only_the_last_thousand_messages_are_kept() {
    let h = start().await;
    for n in 0..1003 {
        assert_eq!(h.send_code(&verify_code(PHONE, &format!("{n:06}"))).await, "OK");
    }
    let mine = h.messages(Some(PHONE)).await;
    assert_eq!(mine.len(), 1000);
    assert_eq!(mine[0]["code"], "000003");
    assert_eq!(mine[999]["code"], "001002");
    let everyone = h.messages(None).await;
    assert_eq!(everyone.len(), 200);
    assert_eq!(everyone[0]["code"], "000803");
}

#[tokio::test]
async fn the_inbox_page_shows_the_latest_messages_escaped() {
    let h = start().await;
    let empty = h.http.get(h.url("/sandbox/sms/inbox")).send().await.unwrap().text().await.unwrap();
    assert!(empty.contains("还没有短信"), "{empty}");

    h.send_code(&verify_code(PHONE, "112233")).await;
    h.send_code(&verify_code("13900000000", "<b>")).await;
    let response = h.http.get(h.url("/sandbox/sms/inbox")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("【群宠】您的验证码为 112233，5 分钟内有效。"), "{page}");
    assert!(page.contains("&lt;b&gt;") && !page.contains("<b>"), "{page}");
    assert!(page.find("13900000000").unwrap() < page.find(PHONE).unwrap(), "newest first");

    let index = h.http.get(h.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(index.contains(r#"href="/sandbox/sms/inbox""#), "{index}");
    assert!(index.contains(KEY), "{index}");
}
