//! A WeCom (企业微信) group robot's webhook, as qyapi.weixin.qq.com serves it: what gpet's alerts
//! are posted to when the mail secret names a robot. What it took is listed at `/sandbox/mail`.
//!
//! Partner API: `POST /cgi-bin/webhook/send?key=KEY`, body `{"msgtype": "markdown", "markdown":
//! {"content"}}` or `{"msgtype": "text", "text": {"content"}}` → always HTTP 200 with
//! `{"errcode", "errmsg"}`, as WeCom answers:
//! - 0 `ok`;
//! - 93000 a key that is missing or not the robot's ([`crate::SandboxConfig::wecom_webhook_key`]);
//! - 45009 past [`RATE_LIMIT`] messages in the last minute for that robot;
//! - 40058 a body that is not such JSON, or content over [`MARKDOWN_LIMIT`] (markdown) or
//!   [`TEXT_LIMIT`] (text) bytes of UTF-8; 44004 empty content; 40008 another msgtype;
//! - -1 (系统繁忙) while the `wecom_fail_next` fault lasts (`/sandbox/mail/faults`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::SandboxState;
use crate::mail::take;

/// Messages one robot takes a minute.
pub const RATE_LIMIT: usize = 20;
/// The longest markdown content, in bytes.
pub const MARKDOWN_LIMIT: usize = 4096;
/// The longest text content, in bytes.
pub const TEXT_LIMIT: usize = 2048;

const RATE_WINDOW: Duration = Duration::from_secs(60);

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new().route("/cgi-bin/webhook/send", post(send))
}

fn answer(errcode: i64, errmsg: &str) -> Json<Value> {
    Json(json!({ "errcode": errcode, "errmsg": errmsg }))
}

async fn send(
    State(state): State<SandboxState>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Json<Value> {
    let key = query.get("key").map(String::as_str).unwrap_or_default();
    if key.is_empty() || key != state.config().wecom_webhook_key {
        tracing::info!("wecom webhook: unknown key");
        return answer(
            93000,
            "invalid webhook url, hint: [sandbox], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000",
        );
    }
    let mut mail = state.mail();
    if take(&mut mail.faults.wecom_fail_next) {
        tracing::info!("wecom webhook failed (fault)");
        return answer(-1, "system busy");
    }
    let (msgtype, content) = match message(&body) {
        Ok(message) => message,
        Err((errcode, errmsg)) => {
            tracing::info!(errcode, "wecom webhook refused a message");
            return answer(errcode, &errmsg);
        }
    };
    let now = Instant::now();
    let sends = mail.wecom_sends.entry(key.to_owned()).or_default();
    while sends.front().is_some_and(|at| now.duration_since(*at) >= RATE_WINDOW) {
        sends.pop_front();
    }
    if sends.len() >= RATE_LIMIT {
        tracing::info!("wecom webhook: rate limit");
        return answer(45009, "api freq out of limit, hint: [sandbox]");
    }
    sends.push_back(now);
    let id = mail.keep_wecom(&msgtype, &content);
    tracing::info!(%id, "wecom message taken");
    answer(0, "ok")
}

/// The message's type and content, or WeCom's errcode and errmsg for it.
fn message(body: &[u8]) -> Result<(String, String), (i64, String)> {
    let invalid = |why: &str| (40058, format!("{why}. invalid Request Parameter, hint: [sandbox]"));
    let body: Value = serde_json::from_slice(body).map_err(|_| invalid("request body is not JSON"))?;
    let msgtype = body["msgtype"].as_str().ok_or_else(|| invalid("missing msgtype"))?;
    let limit = match msgtype {
        "markdown" => MARKDOWN_LIMIT,
        "text" => TEXT_LIMIT,
        _ => return Err((40008, "invalid message type, hint: [sandbox]".to_owned())),
    };
    let content = body[msgtype]["content"].as_str().ok_or_else(|| invalid(&format!("missing {msgtype}.content")))?;
    if content.is_empty() {
        return Err((44004, "empty content, hint: [sandbox]".to_owned()));
    }
    if content.len() > limit {
        return Err(invalid(&format!("{msgtype}.content exceed max length {limit}")));
    }
    Ok((msgtype.to_owned(), content.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_limited_in_bytes_of_utf8() {
        let markdown = |content: &str| json!({"msgtype": "markdown", "markdown": {"content": content}}).to_string();
        assert!(message(markdown(&"a".repeat(MARKDOWN_LIMIT)).as_bytes()).is_ok());
        // 1,366 characters, 4,098 bytes.
        let err = message(markdown(&"账".repeat(1366)).as_bytes()).unwrap_err();
        assert_eq!(err.0, 40058, "{err:?}");
        assert!(err.1.contains("exceed max length 4096"), "{err:?}");
        let text = json!({"msgtype": "text", "text": {"content": "b".repeat(TEXT_LIMIT + 1)}}).to_string();
        assert_eq!(message(text.as_bytes()).unwrap_err().0, 40058);
        assert_eq!(message(br#"{"msgtype":"image","image":{}}"#).unwrap_err().0, 40008);
        assert_eq!(message(br#"{"msgtype":"text","text":{"content":""}}"#).unwrap_err().0, 44004);
        assert_eq!(message(b"not json").unwrap_err().0, 40058);
    }
}
