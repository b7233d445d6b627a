//! Alerts as a deployed stack sends them: SMTP with STARTTLS (or implicit TLS) and AUTH to the
//! sandbox's SMTP server, its certificate checked against the local CA, and the same alert to
//! the sandbox's WeCom robot; one channel failing leaves the other working.

use std::time::{Duration, Instant};

use gpet::alerts::{self, Alert};
use gpet::config::{MailConfig, Secret, SecretValue, Secrets};
use gpet::partners::mail::Mailer;
use gpet_local::setup::{LOCAL_ALERT_MAIL_TO, SANDBOX_SMTP_PASSWORD, SANDBOX_SMTP_USERNAME, SANDBOX_WECOM_KEY};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, logs};

const ARN: &str = "arn:aws:secretsmanager:ap-east-1:123456789012:secret:test/mail-AbCdEf";

/// The mail and the WeCom messages the sandbox received.
async fn received(app: &TestApp) -> (Vec<Value>, Vec<Value>) {
    let (status, mail) = app.sandbox_call(Method::GET, "/sandbox/mail", None).await;
    assert_eq!(status, 200, "{mail}");
    (mail["messages"].as_array().unwrap().clone(), mail["wecom"].as_array().unwrap().clone())
}

async fn faults(app: &TestApp, faults: Value) {
    let (status, answer) = app.sandbox_call(Method::POST, "/sandbox/mail/faults", Some(faults)).await;
    assert_eq!(status, 200, "{answer}");
}

async fn delivered(app: &TestApp, key: &str) -> bool {
    app.db().await.query_one("SELECT delivered FROM alerts WHERE key = $1", &[&key]).await.unwrap().get("delivered")
}

/// A mailer as the functions build it, with the stack's variables (`overrides` changed) and this
/// mail secret.
fn mailer(app: &TestApp, secret: Value, overrides: &[(&'static str, String)]) -> Mailer {
    let mut env = app.env.clone();
    for (name, value) in overrides {
        env.set(*name, value.clone());
    }
    let mut secrets = Secrets::default();
    secrets.insert(SecretValue::parse(Secret::Mail, ARN, &secret.to_string()).unwrap());
    let config = MailConfig::load(&env, &secrets).unwrap();
    Mailer::new(gpet::partners::http_client().unwrap(), config).unwrap()
}

fn secret(password: &str, wecom_key: Option<&str>) -> Value {
    let mut secret = json!({"smtp_username": SANDBOX_SMTP_USERNAME, "smtp_password": password});
    if let Some(key) = wecom_key {
        secret["wecom_webhook_key"] = json!(key);
    }
    secret
}

#[tokio::test]
async fn an_alert_arrives_over_smtp_and_in_the_wecom_group() {
    let app = TestApp::spawn().await;
    let key = format!("test-alert:{}", uuid::Uuid::new_v4());
    let text = "第 3 步失败：连接超时\n.请查看控制台";
    let raised = alerts::raise(&app.ctx, Alert::SettlementFailed, &key, "[gpet] 结算失败 2026-01-01", text).await;
    assert!(raised.unwrap(), "raised the first time");

    let (mails, wecom) = received(&app).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!((&mail["subject"], &mail["text"]), (&json!("[gpet] 结算失败 2026-01-01"), &json!(text)));
    assert_eq!((&mail["from"], &mail["to"]), (&json!("alerts@gpet.local"), &json!(LOCAL_ALERT_MAIL_TO)));
    assert_eq!((&mail["tls"], &mail["user"]), (&json!("starttls"), &json!(SANDBOX_SMTP_USERNAME)), "{mail}");
    assert_eq!(wecom.len(), 1, "{wecom:?}");
    assert_eq!(
        (&wecom[0]["msgtype"], &wecom[0]["content"]),
        (&json!("markdown"), &json!(format!("**[gpet] 结算失败 2026-01-01**\n{text}")))
    );
    assert!(delivered(&app, &key).await);

    // Once per key.
    let again = alerts::raise(&app.ctx, Alert::SettlementFailed, &key, "[gpet] 结算失败 2026-01-01", text).await;
    assert!(!again.unwrap());
    let (mails, wecom) = received(&app).await;
    assert_eq!((mails.len(), wecom.len()), (1, 1));
}

#[tokio::test]
async fn with_the_webhook_failing_the_mail_still_arrives() {
    let app = TestApp::spawn().await;
    // WeCom busy (-1) at every try.
    faults(&app, json!({"wecom_fail_next": 5})).await;
    let key = format!("test-alert:{}", uuid::Uuid::new_v4());
    assert!(alerts::raise(&app.ctx, Alert::PayoutsFailing, &key, "[gpet] 连续打款失败", "5 笔").await.unwrap());
    let (mails, wecom) = received(&app).await;
    assert_eq!(mails.iter().map(|m| m["subject"].clone()).collect::<Vec<_>>(), [json!("[gpet] 连续打款失败")]);
    assert!(wecom.is_empty(), "{wecom:?}");
    assert!(delivered(&app, &key).await, "the mail delivered it");
    let logged = logs();
    assert!(logged.contains("the alert did not reach the WeCom group") && logged.contains("errcode -1"));

    // A robot removed from its group (93000): reported, not retried, and the key stays secret.
    let removed = "removed-robot-key-4e1b9c";
    let delivery =
        mailer(&app, secret(SANDBOX_SMTP_PASSWORD, Some(removed)), &[]).alert("[gpet] 商户余额不足", "x").await;
    delivery.mail.unwrap();
    let error = format!("{:#}", delivery.wecom.expect("a robot is configured").unwrap_err());
    assert!(error.contains("93000") && !error.contains(removed), "{error}");
    assert_eq!(received(&app).await.0.len(), 2);
}

#[tokio::test]
async fn with_smtp_failing_the_wecom_group_still_gets_the_alert() {
    let app = TestApp::spawn().await;
    faults(&app, json!({"refuse_next": 1})).await;
    let key = format!("test-alert:{}", uuid::Uuid::new_v4());
    assert!(
        alerts::raise(&app.ctx, Alert::LedgerAuditFailed, &key, "[gpet] 账本校验失败", "交易借贷平衡").await.unwrap()
    );
    let (mails, wecom) = received(&app).await;
    assert!(mails.is_empty(), "{mails:?}");
    assert_eq!(wecom.len(), 1);
    assert!(delivered(&app, &key).await, "the WeCom group got it");
    assert!(logs().contains("the alert mail was not sent"));

    // Neither: recorded as not delivered.
    faults(&app, json!({"drop_next": 1, "wecom_fail_next": 5})).await;
    let key = format!("test-alert:{}", uuid::Uuid::new_v4());
    assert!(alerts::raise(&app.ctx, Alert::LedgerAuditFailed, &key, "[gpet] 账本校验失败", "again").await.unwrap());
    assert!(!delivered(&app, &key).await);
}

#[tokio::test]
async fn without_a_webhook_key_only_the_mail_goes_out_and_implicit_tls_works_too() {
    let app = TestApp::spawn().await;
    let implicit = app.sandbox().smtp.unwrap().implicit.port().to_string();
    let overrides = [("GPET_SMTP_TLS", "implicit".to_owned()), ("GPET_SMTP_PORT", implicit)];
    let delivery = mailer(&app, secret(SANDBOX_SMTP_PASSWORD, None), &overrides).alert("[gpet] 只发邮件", "正文").await;
    delivery.mail.unwrap();
    assert!(delivery.wecom.is_none());
    let (mails, wecom) = received(&app).await;
    assert_eq!((&mails[0]["subject"], &mails[0]["tls"]), (&json!("[gpet] 只发邮件"), &json!("implicit")));
    assert!(wecom.is_empty());
}

#[tokio::test]
async fn smtp_failures_are_reported_without_the_password_and_within_the_timeout() {
    let app = TestApp::spawn().await;
    let wrong = "wrong-smtp-password-7d2f0a";
    let delivery = mailer(&app, secret(wrong, Some(SANDBOX_WECOM_KEY)), &[]).alert("[gpet] s", "t").await;
    let error = format!("{:#}", delivery.mail.unwrap_err());
    assert!(error.contains("535") && !error.contains(wrong), "{error}");
    assert!(matches!(delivery.wecom, Some(Ok(()))), "the robot still got it");

    // A server that accepts the connection and never speaks: lettre's own timeout covers only
    // connecting, the mailer's covers the whole send.
    faults(&app, json!({"stall_next": 1})).await;
    let mailer = mailer(&app, secret(SANDBOX_SMTP_PASSWORD, Some(SANDBOX_WECOM_KEY)), &[])
        .with_send_timeout(Duration::from_secs(2));
    let started = Instant::now();
    let delivery = mailer.alert("[gpet] stalled", "t").await;
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    let error = format!("{:#}", delivery.mail.unwrap_err());
    assert!(error.contains("did not finish within"), "{error}");
    assert!(matches!(delivery.wecom, Some(Ok(()))));

    assert!(received(&app).await.0.is_empty());
    let logged = logs();
    for secret in [SANDBOX_SMTP_PASSWORD, SANDBOX_WECOM_KEY, wrong] {
        assert!(!logged.contains(secret), "{secret} was logged");
    }
}
