//! The mail API over real HTTP, as gpet's alert mailer talks to it.

use gpet_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

const KEY: &str = "test-mail-key";

struct Harness {
    sandbox: Sandbox,
    http: reqwest::Client,
}

async fn start() -> Harness {
    let sandbox = gpet_sandbox::spawn(SandboxConfig { mail_key: KEY.to_owned(), ..SandboxConfig::default() })
        .await
        .expect("sandbox starts");
    Harness { sandbox, http: reqwest::Client::new() }
}

fn alert(subject: &str) -> Value {
    json!({"to": "ops@example.com,finance@example.com", "subject": subject, "text": "详情见控制台"})
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url)
    }

    async fn send_raw(&self, key: Option<&str>, body: String) -> (StatusCode, Value) {
        let mut request = self.http.post(self.url("/mail/v1/send")).header(CONTENT_TYPE, "application/json").body(body);
        if let Some(key) = key {
            request = request.header("X-Mail-Key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn send(&self, body: &Value) -> (StatusCode, Value) {
        self.send_raw(Some(KEY), body.to_string()).await
    }

    async fn messages(&self) -> Vec<Value> {
        let response = self.http.get(self.url("/sandbox/mail")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let answer: Value = response.json().await.unwrap();
        answer["messages"].as_array().unwrap().clone()
    }

    async fn set_faults(&self, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.url("/sandbox/mail/faults")).json(&body).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

#[tokio::test]
async fn sent_mail_is_listed_newest_last() {
    let h = start().await;
    let (status, first) = h.send(&alert("[gpet] 结算失败 2026-01-01")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, second) = h.send(&alert("[gpet] 商户余额不足")).await;
    let (first_id, second_id) = (first["id"].as_str().unwrap(), second["id"].as_str().unwrap());
    assert!(!first_id.is_empty());
    assert_ne!(first_id, second_id);

    let messages = h.messages().await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["id"], first_id);
    assert_eq!(messages[0]["to"], "ops@example.com,finance@example.com");
    assert_eq!(messages[0]["subject"], "[gpet] 结算失败 2026-01-01");
    assert_eq!(messages[0]["text"], "详情见控制台");
    assert!(messages[0]["at"].as_str().unwrap().ends_with("+08:00"), "{}", messages[0]);
    assert_eq!(messages[1]["id"], second_id);
    assert_eq!(messages[1]["subject"], "[gpet] 商户余额不足");
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_refused_and_nothing_is_kept() {
    let h = start().await;
    let body = alert("[gpet] 账本校验失败").to_string();
    for (key, why) in
        [(None, "no key"), (Some("sandbox-mail-key"), "the default key"), (Some("TEST-MAIL-KEY"), "wrong case")]
    {
        let (status, answer) = h.send_raw(key, body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {answer}");
    }
    assert!(h.messages().await.is_empty());
}

#[tokio::test]
async fn a_body_that_is_not_a_message_is_a_bad_request() {
    let h = start().await;
    let cases = [
        ("not json".to_owned(), "not JSON"),
        (json!({"to": "ops@example.com", "text": "t"}).to_string(), "no subject"),
        (json!({"to": "", "subject": "s", "text": "t"}).to_string(), "empty to"),
        (json!({"to": "ops@example.com", "subject": " ", "text": "t"}).to_string(), "blank subject"),
    ];
    for (body, why) in cases {
        let (status, answer) = h.send_raw(Some(KEY), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {answer}");
    }
    assert!(h.messages().await.is_empty());
}

#[tokio::test]
async fn faults_fail_the_next_sends_with_500_then_clear() {
    let h = start().await;
    let (status, faults) = h.set_faults(json!({"fail_next": 2})).await;
    assert_eq!((status, faults), (StatusCode::OK, json!({"fail_next": 2})));
    for n in 0..2 {
        let (status, answer) = h.send(&alert(&format!("fails {n}"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{answer}");
    }
    let shown: Value = h.http.get(h.url("/sandbox/mail/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown, json!({"fail_next": 0}));
    let (status, _) = h.send(&alert("goes through")).await;
    assert_eq!(status, StatusCode::OK);
    let subjects: Vec<Value> = h.messages().await.iter().map(|message| message["subject"].clone()).collect();
    assert_eq!(subjects, [json!("goes through")], "failed sends are not kept");

    // A fault does not fail a send with a wrong key, which is refused anyway.
    h.set_faults(json!({"fail_next": 1})).await;
    let (status, _) = h.send_raw(Some("wrong"), alert("x").to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = h.send(&alert("fails")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = h.set_faults(json!({"fail_next": -1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
