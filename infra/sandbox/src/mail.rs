//! What the alerts' two channels delivered, for people and tests to read: the mail the sandbox's
//! SMTP server received ([`crate::smtp`]) and the messages its WeCom group robot was posted
//! ([`crate::wecom`]). Nothing leaves the sandbox.
//!
//! The sandbox's own routes:
//! - `GET /sandbox/mail` → `{"messages": [{"id", "from", "to", "subject", "text", "at", "tls",
//!   "user", "mechanism", "raw"}], "wecom": [{"id", "msgtype", "content", "at"}]}`, newest
//!   last. `from` and `to` are the envelope (`MAIL FROM`, the `RCPT TO`s comma-separated);
//!   `subject` and `text` are decoded (RFC 2047 words; base64 or quoted-printable bodies of a
//!   single-part message; a multipart one keeps an empty `text`); `raw` is what `DATA` carried,
//!   dot-unstuffed; `tls` is `starttls` or `implicit`, `user` and `mechanism` who logged in how.
//! - `GET /sandbox/mail/inbox` → an HTML page of the last [`INBOX_LIMIT`] of each, newest first.
//! - `POST /sandbox/mail/faults` `{"refuse_next"?, "drop_next"?, "stall_next"?,
//!   "wecom_fail_next"?}` (counts, 0 when left out) replaces the switches: the next n messages
//!   are refused at the end of `DATA` (554) / met by a closed connection instead of an answer;
//!   the next n SMTP connections are accepted and never greeted (held 60 s); the next n webhook
//!   posts with the right key answer errcode -1 (系统繁忙). Nothing failed is kept. `GET` shows
//!   the switches.
//!
//! At most [`MAX_MESSAGES`] of each are kept; the oldest are dropped first.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::SandboxState;
use crate::html;

/// How many of each the sandbox remembers.
pub const MAX_MESSAGES: usize = 1000;

/// How many of each the inbox page shows.
pub const INBOX_LIMIT: usize = 50;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/sandbox/mail", get(list_messages))
        .route("/sandbox/mail/inbox", get(inbox))
        .route("/sandbox/mail/faults", get(show_faults).post(set_faults))
}

/// One mail the SMTP server took.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Mail {
    pub id: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub at: String,
    pub tls: &'static str,
    pub user: String,
    pub mechanism: &'static str,
    pub raw: String,
}

/// One message the WeCom robot took.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WecomMessage {
    pub id: String,
    pub msgtype: String,
    pub content: String,
    pub at: String,
}

/// The fault switches: how many of the next messages, connections or posts fail, and how.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Faults {
    pub refuse_next: u32,
    pub drop_next: u32,
    pub stall_next: u32,
    pub wecom_fail_next: u32,
}

/// Takes one from a fault's count: whether this one fails.
pub(crate) fn take(count: &mut u32) -> bool {
    let fails = *count > 0;
    *count = count.saturating_sub(1);
    fails
}

/// What both channels delivered, oldest first, and the fault switches.
pub(crate) struct MailState {
    mails: VecDeque<Mail>,
    wecom: VecDeque<WecomMessage>,
    pub faults: Faults,
    next_id: u64,
    /// When each robot (by key) last took messages, within the rate window.
    pub wecom_sends: HashMap<String, VecDeque<Instant>>,
}

impl MailState {
    pub(crate) fn new() -> Self {
        Self {
            mails: VecDeque::new(),
            wecom: VecDeque::new(),
            faults: Faults::default(),
            next_id: 0,
            wecom_sends: HashMap::new(),
        }
    }

    fn next_id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("sbx_{kind}_{}", self.next_id)
    }

    /// Keeps a mail; answers its id.
    pub(crate) fn keep_mail(&mut self, mail: impl FnOnce(String) -> Mail) -> String {
        let mail = mail(self.next_id("mail"));
        let id = mail.id.clone();
        keep(&mut self.mails, mail);
        id
    }

    /// Keeps a WeCom message; answers its id.
    pub(crate) fn keep_wecom(&mut self, msgtype: &str, content: &str) -> String {
        let id = self.next_id("wecom");
        let message = WecomMessage {
            id: id.clone(),
            msgtype: msgtype.to_owned(),
            content: content.to_owned(),
            at: beijing_now(),
        };
        keep(&mut self.wecom, message);
        id
    }
}

fn keep<T>(list: &mut VecDeque<T>, item: T) {
    while list.len() >= MAX_MESSAGES {
        list.pop_front();
    }
    list.push_back(item);
}

pub(crate) fn beijing_now() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset");
    Utc::now().with_timezone(&beijing).to_rfc3339_opts(SecondsFormat::Secs, false)
}

async fn list_messages(State(state): State<SandboxState>) -> Json<Value> {
    let mail = state.mail();
    Json(json!({ "messages": mail.mails, "wecom": mail.wecom }))
}

async fn inbox(State(state): State<SandboxState>) -> Html<String> {
    let mail = state.mail();
    let mut body = String::from("<h1>邮件与企业微信告警</h1><h2>邮件 (SMTP)</h2>");
    if mail.mails.is_empty() {
        body.push_str("<p>没有邮件。</p>");
    }
    for m in mail.mails.iter().rev().take(INBOX_LIMIT) {
        body.push_str(&format!(
            "<section><h3>{subject}</h3><p class=\"meta\">{at} · {from} → {to} · {tls}, {mechanism} {user}</p><pre>{text}</pre></section>",
            subject = html::escape(&m.subject),
            at = html::escape(&m.at),
            from = html::escape(&m.from),
            to = html::escape(&m.to),
            tls = m.tls,
            mechanism = m.mechanism,
            user = html::escape(&m.user),
            text = html::escape(&m.text),
        ));
    }
    body.push_str("<h2>企业微信群机器人</h2>");
    if mail.wecom.is_empty() {
        body.push_str("<p>没有消息。</p>");
    }
    for m in mail.wecom.iter().rev().take(INBOX_LIMIT) {
        body.push_str(&format!(
            "<section><p class=\"meta\">{at} · {msgtype}</p><pre>{content}</pre></section>",
            at = html::escape(&m.at),
            msgtype = html::escape(&m.msgtype),
            content = html::escape(&m.content),
        ));
    }
    let style = "section { border-bottom: 1px solid #eee; padding: 8px 0; } .meta { color: #888; font-size: 13px; } pre { white-space: pre-wrap; }";
    Html(html::page("告警收件箱", style, &body))
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Faults> {
    Json(state.mail().faults)
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(error) => {
            let expected = r#"{"refuse_next"?, "drop_next"?, "stall_next"?, "wecom_fail_next"?}"#;
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": format!("expected {expected}: {error}") })))
                .into_response();
        }
    };
    tracing::info!(?faults, "mail faults set");
    state.mail().faults = faults;
    Json(faults).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(subject: &str) -> impl FnOnce(String) -> Mail {
        let subject = subject.to_owned();
        move |id| Mail {
            id,
            from: "alerts@gpet.local".into(),
            to: "oncall@gpet.local".into(),
            subject,
            text: "详情".into(),
            at: "t".into(),
            tls: "starttls",
            user: "gpet".into(),
            mechanism: "PLAIN",
            raw: String::new(),
        }
    }

    #[test]
    fn a_fault_count_fails_that_many_then_none() {
        let mut count = 2;
        assert_eq!([take(&mut count), take(&mut count), take(&mut count)], [true, true, false]);
        assert_eq!(count, 0);
    }

    #[test]
    fn the_oldest_are_dropped_beyond_the_cap() {
        let mut state = MailState::new();
        for n in 0..MAX_MESSAGES + 3 {
            state.keep_mail(mail(&n.to_string()));
            state.keep_wecom("markdown", &n.to_string());
        }
        assert_eq!((state.mails.len(), state.wecom.len()), (MAX_MESSAGES, MAX_MESSAGES));
        assert_eq!((state.mails[0].subject.as_str(), state.wecom[0].content.as_str()), ("3", "3"));
    }
}
