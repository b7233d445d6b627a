//! A mail API (邮件推送) gpet sends its alerts through: one send call authenticated by a key
//! header. Nothing leaves the sandbox; the messages are kept for people and tests to read.
//!
//! Partner API (what gpet's client calls):
//! - `POST /mail/v1/send`, header `X-Mail-Key`, body `{"to", "subject", "text"}` (`to` may name
//!   several addresses, comma-separated, as given) → `{"id"}`; a wrong or missing key is HTTP
//!   401, a body that is not that JSON (or an empty `to` or `subject`) HTTP 400, a fault HTTP
//!   500; each as `{"code", "message"}`.
//!
//! The sandbox's own routes:
//! - `GET /sandbox/mail` → `{"messages": [{"id", "to", "subject", "text", "at"}]}`, newest last;
//! - `POST /sandbox/mail/faults` `{"fail_next": n}` → the next n authenticated, well-formed
//!   sends answer 500 and are not kept (`{"fail_next": 0}` clears); `GET` shows the switch.
//!
//! At most [`MAX_MESSAGES`] messages are kept; the oldest are dropped first.

use std::collections::VecDeque;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::SandboxState;

/// The header carrying the mail key.
pub const KEY_HEADER: &str = "X-Mail-Key";

/// How many messages the sandbox remembers.
pub const MAX_MESSAGES: usize = 1000;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/mail/v1/send", post(send))
        .route("/sandbox/mail", get(list_messages))
        .route("/sandbox/mail/faults", get(show_faults).post(set_faults))
}

/// One message sent.
#[derive(Debug, Clone, Serialize)]
struct Message {
    id: String,
    to: String,
    subject: String,
    text: String,
    at: String,
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    to: String,
    subject: String,
    text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Faults {
    fail_next: u32,
}

/// The messages sent, oldest first, and the fault switch.
pub(crate) struct MailState {
    messages: VecDeque<Message>,
    faults: Faults,
    next_id: u64,
}

impl MailState {
    pub(crate) fn new() -> Self {
        Self { messages: VecDeque::new(), faults: Faults { fail_next: 0 }, next_id: 0 }
    }

    /// Keeps one authenticated, well-formed send, or fails it when a fault is set.
    fn send(&mut self, request: SendRequest, at: String) -> Result<Message, ()> {
        if self.faults.fail_next > 0 {
            self.faults.fail_next -= 1;
            return Err(());
        }
        self.next_id += 1;
        let message = Message {
            id: format!("sbx_mail_{}", self.next_id),
            to: request.to,
            subject: request.subject,
            text: request.text,
            at,
        };
        while self.messages.len() >= MAX_MESSAGES {
            self.messages.pop_front();
        }
        self.messages.push_back(message.clone());
        Ok(message)
    }
}

fn refusal(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "code": code, "message": message.into() }))).into_response()
}

fn beijing_now() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset");
    Utc::now().with_timezone(&beijing).to_rfc3339_opts(SecondsFormat::Secs, false)
}

async fn send(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    let key = headers.get(KEY_HEADER).and_then(|value| value.to_str().ok());
    if key != Some(state.config().mail_key.as_str()) {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "InvalidKey",
            format!("The key in {KEY_HEADER} is missing or wrong."),
        );
    }
    let request: SendRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                format!("expected {{\"to\", \"subject\", \"text\"}}: {error}"),
            );
        }
    };
    if request.to.trim().is_empty() || request.subject.trim().is_empty() {
        return refusal(StatusCode::BAD_REQUEST, "InvalidParameter", "to and subject must not be empty");
    }
    let outcome = state.mail().send(request, beijing_now());
    match outcome {
        Ok(message) => {
            tracing::info!(id = %message.id, "mail sent");
            Json(json!({ "id": message.id })).into_response()
        }
        Err(()) => {
            tracing::info!("mail failed (fault)");
            refusal(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", "Injected failure; retry later.")
        }
    }
}

async fn list_messages(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "messages": state.mail().messages }))
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Faults> {
    Json(state.mail().faults)
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(faults) => faults,
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("expected {{\"fail_next\": n}}: {error}") })),
            )
                .into_response();
        }
    };
    tracing::info!(fail_next = faults.fail_next, "mail faults set");
    state.mail().faults = faults;
    Json(faults).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(subject: &str) -> SendRequest {
        SendRequest { to: "ops@example.com".to_owned(), subject: subject.to_owned(), text: "详情".to_owned() }
    }

    #[test]
    fn a_fault_fails_n_sends_then_clears_itself() {
        let mut mail = MailState::new();
        mail.faults.fail_next = 2;
        assert!(mail.send(alert("a"), "t".to_owned()).is_err());
        assert!(mail.send(alert("b"), "t".to_owned()).is_err());
        let kept = mail.send(alert("c"), "t".to_owned()).unwrap();
        assert_eq!((kept.id.as_str(), kept.subject.as_str()), ("sbx_mail_1", "c"));
        assert_eq!(mail.messages.len(), 1, "failed sends are not kept");
    }

    #[test]
    fn the_oldest_messages_are_dropped_beyond_the_cap() {
        let mut mail = MailState::new();
        for n in 0..MAX_MESSAGES + 3 {
            mail.send(alert(&n.to_string()), "t".to_owned()).unwrap();
        }
        assert_eq!(mail.messages.len(), MAX_MESSAGES);
        assert_eq!(mail.messages[0].subject, "3");
    }
}
