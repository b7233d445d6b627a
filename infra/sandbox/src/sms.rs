//! An SMS gateway in the manner of Aliyun's 短信服务: one send call authenticated by a key
//! header, business outcomes answered with HTTP 200 and a string `code` (`"OK"` or an
//! `isv.`/`isp.` code), and a `biz_id` receipt per accepted message.
//!
//! Partner API (what gpet's client calls):
//! - `POST /sms/v1/send`, header `X-Sms-Key`, body
//!   `{"phone": "13812345678", "template": "verify_code", "params": {"code": "123456", "minutes": "5"}}`
//!   → `{"code": "OK", "message": "OK", "biz_id"}`; a wrong or missing key is HTTP 401
//!   `InvalidAccessKeyId`, a body that is not that JSON is HTTP 400 `isv.INVALID_PARAMETERS`; with
//!   HTTP 200: `isv.MOBILE_NUMBER_ILLEGAL`, `isv.SMS_TEMPLATE_ILLEGAL`,
//!   `isv.TEMPLATE_MISSING_PARAMETERS`, or whatever code a fault was set to.
//!
//! The sandbox's own routes:
//! - `GET /sandbox/sms?phone=` → `{"messages": [{"phone", "template", "code", "text", "sent_at", "biz_id"}]}`,
//!   oldest first, accepted sends only (without `phone`: the last 200 of everyone's);
//! - `GET /sandbox/sms/inbox` → an HTML page of the last 50 messages, newest first;
//! - `POST /sandbox/sms/faults` `{"fail_next": n, "code"?}` → the next n authenticated,
//!   well-formed sends answer `code` (default `isp.SYSTEM_ERROR`) and are not delivered;
//!   `{"fail_next": 0}` clears; `GET` shows the switch.
//!
//! At most [`MAX_MESSAGES`] messages are kept; the oldest are dropped first.

use std::collections::{BTreeMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::SandboxState;
use crate::html;

/// The header carrying the gateway key.
pub const KEY_HEADER: &str = "X-Sms-Key";

/// How many messages the sandbox remembers.
pub const MAX_MESSAGES: usize = 1000;

/// How many messages `GET /sandbox/sms` lists when no phone is given.
pub const LIST_ALL_LIMIT: usize = 200;

/// How many messages the inbox page shows.
pub const INBOX_LIMIT: usize = 50;

/// The code a fault answers when none is named.
pub const DEFAULT_FAULT_CODE: &str = "isp.SYSTEM_ERROR";

/// The templates the gateway knows, by name, with `{param}` placeholders.
const TEMPLATES: [(&str, &str); 1] =
    [("verify_code", "【群宠】您的验证码为 {code}，{minutes} 分钟内有效。请勿泄露给他人。")];

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/sms/v1/send", post(send))
        .route("/sandbox/sms", get(list_messages))
        .route("/sandbox/sms/inbox", get(inbox))
        .route("/sandbox/sms/faults", get(show_faults).post(set_faults))
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A gateway answer other than success: its `code`, a message, and the HTTP status it travels with.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SmsError {
    status: StatusCode,
    code: String,
    message: String,
}

impl SmsError {
    fn business(code: &str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::OK, code: code.to_owned(), message: message.into() }
    }
}

fn invalid_key() -> SmsError {
    SmsError {
        status: StatusCode::UNAUTHORIZED,
        code: "InvalidAccessKeyId".to_owned(),
        message: format!("The access key in {KEY_HEADER} is missing or not known to the gateway."),
    }
}

fn invalid_parameters(detail: impl std::fmt::Display) -> SmsError {
    SmsError {
        status: StatusCode::BAD_REQUEST,
        code: "isv.INVALID_PARAMETERS".to_owned(),
        message: format!("The request body is not a valid send request: {detail}"),
    }
}

fn faulted(code: &str) -> SmsError {
    let message = match code {
        "isp.SYSTEM_ERROR" => "The gateway had a system error; retry later.",
        "isv.BUSINESS_LIMIT_CONTROL" => "The number was sent too many messages; retry later.",
        "isv.AMOUNT_NOT_ENOUGH" => "The account balance is not enough.",
        _ => "Fault injected by the sandbox.",
    };
    SmsError::business(code, message)
}

impl IntoResponse for SmsError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "code": self.code, "message": self.message }))).into_response()
    }
}

#[derive(Debug, Serialize)]
struct SendAnswer {
    code: &'static str,
    message: &'static str,
    biz_id: String,
}

/// Aliyun's receipts look like `900619746936498440^0`.
fn new_biz_id() -> String {
    let mut rng = rand::rng();
    format!("{}^0", rng.random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000))
}

// ---------------------------------------------------------------------------------------------
// Rules

/// `^1[3-9]\d{9}$` with ASCII digits: a mainland mobile number without a country prefix.
fn valid_phone(phone: &str) -> bool {
    let bytes = phone.as_bytes();
    bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(|b| b.is_ascii_digit())
}

fn template_text(name: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(known, _)| *known == name).map(|(_, text)| *text)
}

/// Fills each `{name}` of `template` from `params`, in one pass so values are never re-read as
/// placeholders; names the template uses but `params` lacks (or has empty) are the error.
fn render(template: &str, params: &BTreeMap<String, String>) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let name = &after[..close];
        match params.get(name).filter(|value| !value.is_empty()) {
            Some(value) => out.push_str(value),
            None => missing.push(name.to_owned()),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if missing.is_empty() { Ok(out) } else { Err(missing) }
}

/// `time` as RFC 3339 in UTC to the second, e.g. `2026-11-26T09:44:05Z`.
fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or(0);
    let (days, of_day) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day % 3600 / 60, of_day % 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Count in 400-year eras starting on 0000-03-01, so that February ends each counted year.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------------------------
// State

/// One delivered message.
#[derive(Debug, Clone, Serialize)]
struct Message {
    phone: String,
    template: String,
    /// The `code` parameter (the verification code), when the message had one.
    code: Option<String>,
    text: String,
    sent_at: String,
    biz_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Faults {
    fail_next: u32,
    code: String,
}

/// What gpet's client sends.
#[derive(Debug, Deserialize)]
struct SendRequest {
    phone: String,
    template: String,
    #[serde(default)]
    params: BTreeMap<String, String>,
}

/// The gateway's memory: delivered messages, oldest first, and the fault switch.
pub(crate) struct SmsState {
    messages: VecDeque<Message>,
    faults: Faults,
}

impl SmsState {
    pub(crate) fn new() -> Self {
        Self { messages: VecDeque::new(), faults: Faults { fail_next: 0, code: DEFAULT_FAULT_CODE.to_owned() } }
    }

    /// Accepts or refuses one authenticated, well-formed send.
    fn send(&mut self, request: SendRequest, now: SystemTime) -> Result<Message, SmsError> {
        if self.faults.fail_next > 0 {
            self.faults.fail_next -= 1;
            return Err(faulted(&self.faults.code));
        }
        if !valid_phone(&request.phone) {
            return Err(SmsError::business(
                "isv.MOBILE_NUMBER_ILLEGAL",
                format!("{:?} is not a mainland mobile number (11 digits starting 13-19).", request.phone),
            ));
        }
        let Some(template) = template_text(&request.template) else {
            return Err(SmsError::business(
                "isv.SMS_TEMPLATE_ILLEGAL",
                format!("No approved template is named {:?}.", request.template),
            ));
        };
        let text = render(template, &request.params).map_err(|missing| {
            SmsError::business(
                "isv.TEMPLATE_MISSING_PARAMETERS",
                format!("Template {:?} needs the parameters: {}.", request.template, missing.join(", ")),
            )
        })?;
        let message = Message {
            code: request.params.get("code").cloned(),
            phone: request.phone,
            template: request.template,
            text,
            sent_at: rfc3339(now),
            biz_id: new_biz_id(),
        };
        self.push(message.clone());
        Ok(message)
    }

    fn push(&mut self, message: Message) {
        while self.messages.len() >= MAX_MESSAGES {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
    }

    /// Oldest first: every message to `phone`, or the last [`LIST_ALL_LIMIT`] of all.
    fn list(&self, phone: Option<&str>) -> Vec<Message> {
        match phone {
            Some(phone) => self.messages.iter().filter(|message| message.phone == phone).cloned().collect(),
            None => self.messages.iter().skip(self.messages.len().saturating_sub(LIST_ALL_LIMIT)).cloned().collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Partner API

async fn send(State(state): State<SandboxState>, headers: HeaderMap, body: Bytes) -> Response {
    let key = headers.get(KEY_HEADER).and_then(|value| value.to_str().ok());
    if key != Some(state.config().sms_key.as_str()) {
        return invalid_key().into_response();
    }
    let request: SendRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return invalid_parameters(error).into_response(),
    };
    let outcome = state.sms().send(request, SystemTime::now());
    match outcome {
        Ok(message) => {
            // Like a real gateway's log, no phone or code: the inbox page shows those.
            tracing::info!(template = %message.template, biz_id = %message.biz_id, "sms delivered");
            Json(SendAnswer { code: "OK", message: "OK", biz_id: message.biz_id }).into_response()
        }
        Err(error) => {
            tracing::info!(code = %error.code, "sms refused");
            error.into_response()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own routes

#[derive(Debug, Deserialize)]
struct ListQuery {
    phone: Option<String>,
}

async fn list_messages(State(state): State<SandboxState>, Query(query): Query<ListQuery>) -> Response {
    let phone = query.phone.as_deref().filter(|phone| !phone.is_empty());
    let messages = state.sms().list(phone);
    Json(serde_json::json!({ "messages": messages })).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    fail_next: u32,
    code: Option<String>,
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Faults> {
    Json(state.sms().faults.clone())
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let refuse =
        |message: String| (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": message }))).into_response();
    let request: FaultsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(format!("expected {{\"fail_next\": n, \"code\"?: \"...\"}}: {error}")),
    };
    let code = request.code.unwrap_or_else(|| DEFAULT_FAULT_CODE.to_owned());
    if code.is_empty() || code == "OK" {
        return refuse("code must name an error, not be empty or \"OK\"".to_owned());
    }
    let faults = Faults { fail_next: request.fail_next, code };
    tracing::info!(fail_next = faults.fail_next, code = %faults.code, "sms faults set");
    state.sms().faults = faults.clone();
    Json(faults).into_response()
}

async fn inbox(State(state): State<SandboxState>) -> Html<String> {
    let (messages, faults) = {
        let sms = state.sms();
        let skip = sms.messages.len().saturating_sub(INBOX_LIMIT);
        let messages: Vec<Message> = sms.messages.iter().skip(skip).rev().cloned().collect();
        (messages, sms.faults.clone())
    };
    let rows: String = messages
        .iter()
        .map(|message| {
            format!(
                r#"<li class="sms"><div class="meta"><span class="phone">{phone}</span> <span class="code">{code}</span> <time>{sent_at}</time> <span class="template">{template}</span></div><div class="text">{text}</div></li>
"#,
                phone = html::escape(&message.phone),
                code = html::escape(message.code.as_deref().unwrap_or("")),
                sent_at = html::escape(&message.sent_at),
                template = html::escape(&message.template),
                text = html::escape(&message.text),
            )
        })
        .collect();
    let list = if rows.is_empty() {
        r#"<p class="empty">还没有短信。</p>"#.to_owned()
    } else {
        format!("<ul class=\"inbox\">\n{rows}</ul>")
    };
    let fault_note = if faults.fail_next > 0 {
        format!(
            r#"<p class="fault">接下来 {n} 条发送将答 <code>{code}</code>（故障开关）。</p>"#,
            n = faults.fail_next,
            code = html::escape(&faults.code),
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>短信收件箱（沙箱）</h1>
<p class="hint">最近 {limit} 条，最新在前，时间为 UTC。<a href="/sandbox/sms/inbox">刷新</a> · <a href="/sandbox/sms">JSON</a> · <a href="/">沙箱首页</a></p>
{fault_note}{list}"#,
        limit = INBOX_LIMIT,
    );
    Html(html::page("短信收件箱", INBOX_STYLE, &body))
}

const INBOX_STYLE: &str = r#"
.hint { color: #888; font-size: 13px; }
.fault { color: #fa5151; }
.empty { color: #888; }
.inbox { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 8px; }
.sms { border: 1px solid #e5e5e5; border-radius: 8px; padding: 10px 12px; }
.meta { font-size: 13px; color: #888; display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; }
.phone { color: #191919; font-weight: 600; }
.code { color: #07c160; font-size: 18px; font-weight: 600; letter-spacing: 2px; }
.text { margin-top: 4px; font-size: 15px; }
"#;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn verify_code(phone: &str, code: &str) -> SendRequest {
        SendRequest {
            phone: phone.to_owned(),
            template: "verify_code".to_owned(),
            params: BTreeMap::from([("code".to_owned(), code.to_owned()), ("minutes".to_owned(), "5".to_owned())]),
        }
    }

    #[test]
    fn a_verify_code_is_rendered_into_the_approved_text() {
        let mut sms = SmsState::new();
        let message = sms.send(verify_code("13812345678", "123456"), UNIX_EPOCH).unwrap();
        assert_eq!(message.text, "【群宠】您的验证码为 123456，5 分钟内有效。请勿泄露给他人。");
        assert_eq!(message.code.as_deref(), Some("123456"));
        assert_eq!(message.sent_at, "1970-01-01T00:00:00Z");
        assert!(message.biz_id.ends_with("^0"), "{}", message.biz_id);
        assert_eq!(sms.list(Some("13812345678")).len(), 1);
    }

    #[test]
    fn phones_must_match_the_mainland_mobile_pattern() {
        for phone in ["13812345678", "19900000000", "13000000000"] {
            assert!(valid_phone(phone), "{phone}");
        }
        for phone in ["", "12812345678", "23812345678", "1381234567", "138123456789", "+8613812345678", "1381234567a"] {
            assert!(!valid_phone(phone), "{phone}");
        }
        // Full-width or other Unicode digits are not `\d` here.
        assert!(!valid_phone("1381234567\u{FF18}"));
    }

    #[test]
    fn missing_or_empty_parameters_are_named() {
        let params = BTreeMap::from([("code".to_owned(), String::new())]);
        let missing = render(template_text("verify_code").unwrap(), &params).unwrap_err();
        assert_eq!(missing, ["code", "minutes"]);
    }

    #[test]
    fn parameter_values_are_not_read_as_placeholders() {
        let params =
            BTreeMap::from([("code".to_owned(), "{minutes}".to_owned()), ("minutes".to_owned(), "5".to_owned())]);
        let text = render(template_text("verify_code").unwrap(), &params).unwrap();
        assert!(text.contains("您的验证码为 {minutes}，5 分钟"), "{text}");
    }

    #[test]
    fn a_fault_answers_its_code_n_times_then_clears_itself() {
        let mut sms = SmsState::new();
        sms.faults = Faults { fail_next: 2, code: "isv.BUSINESS_LIMIT_CONTROL".to_owned() };
        for _ in 0..2 {
            let error = sms.send(verify_code("13812345678", "111111"), UNIX_EPOCH).unwrap_err();
            assert_eq!(error.code, "isv.BUSINESS_LIMIT_CONTROL");
            assert_eq!(error.status, StatusCode::OK);
        }
        assert!(sms.send(verify_code("13812345678", "222222"), UNIX_EPOCH).is_ok());
        let listed = sms.list(None);
        assert_eq!(listed.len(), 1, "faulted sends are not delivered");
        assert_eq!(listed[0].code.as_deref(), Some("222222"));
    }

    #[test]
    fn the_oldest_messages_are_dropped_beyond_the_cap() {
        let mut sms = SmsState::new();
        for n in 0..MAX_MESSAGES + 5 {
            sms.send(verify_code("13812345678", &format!("{n:06}")), UNIX_EPOCH).unwrap();
        }
        assert_eq!(sms.messages.len(), MAX_MESSAGES);
        let mine = sms.list(Some("13812345678"));
        assert_eq!(mine.len(), MAX_MESSAGES);
        assert_eq!(mine[0].code.as_deref(), Some("000005"));
        assert_eq!(mine.last().unwrap().code.as_deref(), Some(format!("{:06}", MAX_MESSAGES + 4).as_str()));
    }

    #[test]
    fn listing_everyone_gives_the_last_two_hundred_oldest_first() {
        let mut sms = SmsState::new();
        for n in 0..LIST_ALL_LIMIT + 10 {
            let phone = if n % 2 == 0 { "13800000000" } else { "13900000000" };
            sms.send(verify_code(phone, &format!("{n:06}")), UNIX_EPOCH).unwrap();
        }
        let all = sms.list(None);
        assert_eq!(all.len(), LIST_ALL_LIMIT);
        assert_eq!(all[0].code.as_deref(), Some("000010"));
        assert_eq!(sms.list(Some("13900000000")).len(), (LIST_ALL_LIMIT + 10) / 2);
        assert!(sms.list(Some("13700000000")).is_empty());
    }

    #[test]
    fn rfc3339_handles_leap_days_and_century_rules() {
        let at = |secs: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }
}
