//! Aliyun SMS (短信服务) as `dysmsapi.aliyuncs.com` answers `SendSms` (API version
//! `2017-05-25`), so that a request the sandbox accepts is a request Aliyun would accept.
//!
//! Partner API, on `/` (`POST`, or `GET`):
//! - V3 signature (what Aliyun recommends, and gpet's client and the current SDKs send): headers
//!   `x-acs-action: SendSms`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
//!   `x-acs-content-sha256`, `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,
//!   SignedHeaders=<names>,Signature=<hex>`; the canonical request (method, path, sorted
//!   RFC 3986 query, the signed headers, the body's SHA-256) is recomputed with the configured
//!   AccessKey secret. Answers are JSON.
//! - V2 signature (older SDKs): `Action`, `Version`, `AccessKeyId`, `SignatureMethod=HMAC-SHA1`,
//!   `SignatureVersion=1.0`, `SignatureNonce`, `Timestamp`, `Signature` among the parameters;
//!   base64 HMAC-SHA1 keyed `secret + "&"` over `METHOD&%2F&<encoded sorted parameters>`.
//!   Answers are XML unless `Format=JSON`, as Aliyun's.
//! - Parameters (`PhoneNumbers`, `SignName`, `TemplateCode`, `TemplateParam`, optional `OutId`)
//!   come from the query string and from a form body.
//!
//! Refusals, in the order checked, with Aliyun's codes: an action other than `SendSms` (404
//! `InvalidAction.NotFound`) or another version (400 `InvalidVersion`); a missing or malformed
//! signature (400 `IncompleteSignature`); an unknown AccessKeyId (404
//! `InvalidAccessKeyId.NotFound`); a timestamp badly formed (400 `InvalidTimeStamp.Format`) or more
//! than 15 minutes off (400 `InvalidTimeStamp.Expired`); a wrong signature (400
//! `SignatureDoesNotMatch`, echoing the string it signed, as Aliyun does); a nonce seen before
//! (400 `SignatureNonceUsed`); a missing parameter (400 `Missing<Name>`). Then, with HTTP 200
//! and `{"RequestId", "Code", "Message", "BizId"}`: a fault if one is armed; an unknown
//! SignName (`isv.SMS_SIGNATURE_ILLEGAL`) or TemplateCode (`isv.SMS_TEMPLATE_ILLEGAL`); a
//! TemplateParam that is not a JSON object of strings (`isv.INVALID_JSON_PARAM`) or lacks a
//! template variable (`isv.TEMPLATE_MISSING_PARAMETERS`); a number that is not a mainland
//! mobile (`isv.MOBILE_NUMBER_ILLEGAL`; `+86`, `0086` and `86` prefixes are taken, one number per
//! request); the per-number flow control Aliyun applies to verification codes by default (1 a
//! minute, 5 an hour, 10 a day, counted over the last minute, hour and 24 hours:
//! `isv.BUSINESS_LIMIT_CONTROL`, "触发分钟级流控Permits:1"). Otherwise the message is delivered:
//! `{"Code": "OK", "Message": "OK", "BizId", "RequestId"}`.
//!
//! The sandbox's own routes:
//! - `GET /sandbox/sms?phone=` → `{"messages": [{"phone", "sign_name", "template_code", "code",
//!   "text", "sent_at", "biz_id"}]}`, oldest first, delivered messages only (without `phone`: the
//!   last 200 of everyone's);
//! - `GET /sandbox/sms/inbox` → an HTML page of the last 50 messages, newest first;
//! - `POST /sandbox/sms/faults` `{"fail_next": n, "code"?}` → the next n authenticated, complete
//!   sends answer Aliyun's `code` (default `isp.SYSTEM_ERROR`; gateway codes such as
//!   `ServiceUnavailable` (503), `InternalError` (500), `Throttling.User` (400) or
//!   `SignatureDoesNotMatch` (400) come with their HTTP status, the others with 200) and are not
//!   delivered; `{"fail_next": 0}` clears; `GET` shows the switch;
//! - `POST /sandbox/sms/limits` `{"per_minute", "per_hour", "per_day"}` → the flow control per
//!   number (Aliyun's console setting); `GET` shows it.
//!
//! At most [`MAX_MESSAGES`] messages are kept; the oldest are dropped first.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::SandboxState;
use crate::html;

/// The API's action and version.
pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2017-05-25";

/// The account the sandbox plays when not configured otherwise.
pub const DEFAULT_ACCESS_KEY_ID: &str = "LTAI5tSandboxSmsKeyId";
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "sandbox-sms-access-key-secret";
pub const DEFAULT_SIGN_NAME: &str = "群宠";
pub const DEFAULT_TEMPLATE_CODE: &str = "SMS_490000001";

/// How far a request's timestamp may be from the sandbox's clock.
pub const MAX_SKEW_SECS: u64 = 15 * 60;

/// How long a nonce is remembered: longer than any timestamp stays acceptable.
const NONCE_MEMORY: Duration = Duration::from_secs(2 * MAX_SKEW_SECS + 60);

/// How many messages the sandbox remembers.
pub const MAX_MESSAGES: usize = 1000;

/// How many messages `GET /sandbox/sms` lists when no phone is given.
pub const LIST_ALL_LIMIT: usize = 200;

/// How many messages the inbox page shows.
pub const INBOX_LIMIT: usize = 50;

/// The code a fault answers when none is named.
pub const DEFAULT_FAULT_CODE: &str = "isp.SYSTEM_ERROR";

/// The approved verification-code template's text: Aliyun allows a code template one variable.
pub const TEMPLATE_TEXT: &str = "您的验证码为：${code}，该验证码 5 分钟内有效，请勿泄漏于他人！";

/// The largest request body read.
const MAX_BODY: usize = 64 * 1024;

/// Headers a V3 signature must cover (with the other `x-acs-*` headers sent).
const REQUIRED_SIGNED_HEADERS: [&str; 6] =
    ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"];

const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/sandbox/sms", get(list_messages))
        .route("/sandbox/sms/inbox", get(inbox))
        .route("/sandbox/sms/faults", get(show_faults).post(set_faults))
        .route("/sandbox/sms/limits", get(show_limits).post(set_limits))
}

/// Whether a `GET /` is an API call (rather than a person opening the sandbox's index).
pub(crate) fn is_api_call(headers: &HeaderMap, uri: &Uri) -> bool {
    headers.contains_key("x-acs-action")
        || uri.query().is_some_and(|query| url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "Action"))
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// RFC 3986 percent-encoding, as both signature versions want it: `A-Z a-z 0-9 - _ . ~` stay,
/// every other UTF-8 byte is `%XY`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The pairs sorted by name (then value), encoded, joined with `&`.
fn canonical_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> =
        pairs.into_iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// V3's string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
/// `headers` are the signed headers, lower-case names with their values, in any order.
pub fn v3_string_to_sign(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body_sha256_hex: &str,
) -> String {
    let mut headers: Vec<&(String, String)> = headers.iter().collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
    let names = headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(";");
    let query = canonical_query(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let canonical_request = format!("{method}\n{path}\n{query}\n{canonical_headers}\n{names}\n{body_sha256_hex}");
    format!("{V3_ALGORITHM}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

/// V3's signature of `string_to_sign`: hex HMAC-SHA256 keyed with the AccessKey secret.
pub fn v3_signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// V2's string to sign: `METHOD&%2F&` + the encoded canonical query of every parameter but
/// `Signature`.
pub fn v2_string_to_sign(method: &str, params: &[(String, String)]) -> String {
    let query = canonical_query(params.iter().filter(|(k, _)| k != "Signature").map(|(k, v)| (k.as_str(), v.as_str())));
    format!("{method}&%2F&{}", percent_encode(&query))
}

/// V2's signature: base64 HMAC-SHA1 keyed with `secret + "&"`.
pub fn v2_signature(secret: &str, string_to_sign: &str) -> String {
    let key =
        aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, format!("{secret}&").as_bytes());
    let tag = aws_lc_rs::hmac::sign(&key, string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

/// Equal strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Answers

/// How an answer is written: V3 and `Format=JSON` want JSON, V2 defaults to XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// An answer other than success: Aliyun's `Code`, its message and the HTTP status it travels with.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AliyunError {
    status: StatusCode,
    code: String,
    message: String,
}

impl AliyunError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, code: code.to_owned(), message: message.into() }
    }

    fn business(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::OK, code, message)
    }

    fn incomplete(detail: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards. {detail}"),
        )
    }

    fn render(&self, format: Format) -> Response {
        let request_id = new_request_id();
        if self.status == StatusCode::OK {
            let fields =
                [("RequestId", request_id.as_str()), ("Code", &self.code), ("Message", &self.message), ("BizId", "")];
            return render(StatusCode::OK, format, "SendSmsResponse", &fields);
        }
        let fields = [
            ("RequestId", request_id.as_str()),
            ("HostId", "dysmsapi.aliyuncs.com"),
            ("Code", &self.code),
            ("Message", &self.message),
        ];
        render(self.status, format, "Error", &fields)
    }
}

/// A flat answer as JSON, or as XML under `root` (Aliyun's two formats).
fn render(status: StatusCode, format: Format, root: &str, fields: &[(&str, &str)]) -> Response {
    match format {
        Format::Json => {
            let object: serde_json::Map<String, serde_json::Value> =
                fields.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
            (status, Json(object)).into_response()
        }
        Format::Xml => {
            let body: String = fields.iter().map(|(k, v)| format!("<{k}>{}</{k}>", html::escape(v))).collect();
            let xml = format!("<?xml version='1.0' encoding='UTF-8'?><{root}>{body}</{root}>");
            (status, [(header::CONTENT_TYPE, "text/xml;charset=utf-8")], xml).into_response()
        }
    }
}

/// The HTTP status Aliyun gives a code a fault is set to: gateway codes their own, business
/// codes (`isv.`, `isp.`) 200.
fn fault_status(code: &str) -> StatusCode {
    match code {
        "InternalError" => StatusCode::INTERNAL_SERVER_ERROR,
        "ServiceUnavailable" => StatusCode::SERVICE_UNAVAILABLE,
        "InvalidAccessKeyId.NotFound" | "InvalidAction.NotFound" => StatusCode::NOT_FOUND,
        "SignatureDoesNotMatch"
        | "SignatureNonceUsed"
        | "InvalidTimeStamp.Expired"
        | "InvalidAccessKeyId.Inactive"
        | "IncompleteSignature"
        | "Throttling.User"
        | "Throttling.Api" => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

fn faulted(code: &str) -> AliyunError {
    let message = match code {
        "isp.SYSTEM_ERROR" => "系统错误",
        "isv.BUSINESS_LIMIT_CONTROL" => "触发分钟级流控Permits:1",
        "isv.DAY_LIMIT_CONTROL" => "触发日发送限额",
        "isv.AMOUNT_NOT_ENOUGH" => "账户余额不足",
        "isv.OUT_OF_SERVICE" => "业务停机",
        "isv.MOBILE_NUMBER_ILLEGAL" => "非法手机号",
        "ServiceUnavailable" => "The request has failed due to a temporary failure of the server.",
        "InternalError" => "The request processing has failed due to some unknown error.",
        "Throttling.User" => "Request was denied due to user flow control.",
        "SignatureDoesNotMatch" => "Specified signature is not matched with our calculation.",
        _ => "Fault injected by the sandbox.",
    };
    AliyunError::new(fault_status(code), code, message)
}

/// Aliyun's request ids are upper-case UUIDs.
fn new_request_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    let hex = hex::encode_upper(bytes);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Aliyun's receipts look like `900619746936498440^0`.
fn new_biz_id() -> String {
    let mut rng = rand::rng();
    format!("{}^0", rng.random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000))
}

// ---------------------------------------------------------------------------------------------
// Rules

/// A mainland mobile number (`^1[3-9]\d{9}$`), with an optional `+86`, `0086` or `86` prefix
/// dropped; `None` when it is not one.
fn mainland_mobile(phone: &str) -> Option<&str> {
    let bare =
        ["+86", "0086", "86"].iter().find_map(|prefix| phone.strip_prefix(prefix).filter(|rest| rest.len() == 11));
    let number = bare.unwrap_or(phone);
    let bytes = number.as_bytes();
    let valid = bytes.len() == 11
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
        && bytes.iter().all(|b| b.is_ascii_digit());
    valid.then_some(number)
}

/// Fills each `${name}` of `template` from `params`, in one pass so values are never re-read as
/// variables; variables `params` lacks (or has empty) are the error.
fn render_template(template: &str, params: &BTreeMap<String, String>) -> Result<String, Vec<String>> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("${") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
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

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC), as both signature versions send their time.
fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let time = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%SZ").ok()?.and_utc();
    let secs = u64::try_from(time.timestamp()).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

// ---------------------------------------------------------------------------------------------
// State

/// One delivered message.
#[derive(Debug, Clone, Serialize)]
struct Message {
    phone: String,
    sign_name: String,
    template_code: String,
    /// The `code` template variable (the verification code).
    code: Option<String>,
    /// The text as the phone shows it: `【签名】` and the filled template.
    text: String,
    sent_at: String,
    biz_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Faults {
    fail_next: u32,
    code: String,
}

/// Sends per number Aliyun's flow control allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub per_minute: u32,
    pub per_hour: u32,
    pub per_day: u32,
}

impl Default for Limits {
    /// Aliyun's defaults for verification codes.
    fn default() -> Self {
        Self { per_minute: 1, per_hour: 5, per_day: 10 }
    }
}

/// An authenticated `SendSms`'s parameters.
#[derive(Debug, Default)]
struct SendRequest {
    phone_numbers: String,
    sign_name: String,
    template_code: String,
    template_param: Option<String>,
}

/// What the account is set up with at Aliyun.
struct Account<'a> {
    sign_name: &'a str,
    template_code: &'a str,
}

/// The gateway's memory: delivered messages, oldest first, the fault switch, flow control and
/// the nonces seen.
pub(crate) struct SmsState {
    messages: VecDeque<Message>,
    faults: Faults,
    limits: Limits,
    /// Delivery times per number within the last day, oldest first.
    sent: HashMap<String, VecDeque<SystemTime>>,
    /// Nonces of accepted signatures, with when they were seen.
    nonces: HashMap<String, SystemTime>,
}

impl SmsState {
    pub(crate) fn new() -> Self {
        Self {
            messages: VecDeque::new(),
            faults: Faults { fail_next: 0, code: DEFAULT_FAULT_CODE.to_owned() },
            limits: Limits::default(),
            sent: HashMap::new(),
            nonces: HashMap::new(),
        }
    }

    /// Remembers `nonce`; false when it was seen within [`NONCE_MEMORY`].
    fn first_use_of(&mut self, nonce: &str, now: SystemTime) -> bool {
        let fresh = |seen: &SystemTime| now.duration_since(*seen).map(|age| age < NONCE_MEMORY).unwrap_or(true);
        if self.nonces.get(nonce).is_some_and(fresh) {
            return false;
        }
        if self.nonces.len() >= 10_000 {
            self.nonces.retain(|_, seen| fresh(seen));
        }
        self.nonces.insert(nonce.to_owned(), now);
        true
    }

    /// The flow-control refusal for one more message to `phone` at `now`, if any.
    fn flow_control(&mut self, phone: &str, now: SystemTime) -> Option<AliyunError> {
        let times = self.sent.entry(phone.to_owned()).or_default();
        let within = |times: &VecDeque<SystemTime>, secs: u64| {
            times.iter().filter(|at| now.duration_since(**at).map(|age| age.as_secs() < secs).unwrap_or(true)).count()
        };
        while times.front().is_some_and(|at| now.duration_since(*at).is_ok_and(|age| age.as_secs() >= 86_400)) {
            times.pop_front();
        }
        let windows = [
            ("分钟", 60, self.limits.per_minute),
            ("小时", 3600, self.limits.per_hour),
            ("天", 86_400, self.limits.per_day),
        ];
        windows.iter().find(|(_, secs, permits)| within(times, *secs) >= *permits as usize).map(|(name, _, permits)| {
            AliyunError::business("isv.BUSINESS_LIMIT_CONTROL", format!("触发{name}级流控Permits:{permits}"))
        })
    }

    /// Accepts or refuses one authenticated, complete send.
    fn send(&mut self, request: SendRequest, account: &Account<'_>, now: SystemTime) -> Result<Message, AliyunError> {
        if self.faults.fail_next > 0 {
            self.faults.fail_next -= 1;
            return Err(faulted(&self.faults.code));
        }
        if request.sign_name != account.sign_name {
            return Err(AliyunError::business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名"));
        }
        if request.template_code != account.template_code {
            return Err(AliyunError::business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板"));
        }
        let params: BTreeMap<String, String> = match request.template_param.as_deref() {
            None => BTreeMap::new(),
            Some(text) => serde_json::from_str(text)
                .map_err(|_| AliyunError::business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"))?,
        };
        let text = render_template(TEMPLATE_TEXT, &params).map_err(|missing| {
            AliyunError::business(
                "isv.TEMPLATE_MISSING_PARAMETERS",
                format!("模板变量中存在未赋值变量：{}", missing.join(", ")),
            )
        })?;
        let Some(phone) = mainland_mobile(request.phone_numbers.trim()) else {
            return Err(AliyunError::business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"));
        };
        if let Some(refusal) = self.flow_control(phone, now) {
            return Err(refusal);
        }
        let message = Message {
            phone: phone.to_owned(),
            sign_name: request.sign_name.clone(),
            template_code: request.template_code,
            code: params.get("code").cloned(),
            text: format!("【{}】{text}", request.sign_name),
            sent_at: rfc3339(now),
            biz_id: new_biz_id(),
        };
        self.sent.entry(message.phone.clone()).or_default().push_back(now);
        while self.messages.len() >= MAX_MESSAGES {
            self.messages.pop_front();
        }
        self.messages.push_back(message.clone());
        Ok(message)
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

/// What a request carries, read once.
struct Incoming {
    method: Method,
    path: String,
    headers: HeaderMap,
    /// The query string's pairs, decoded, in order.
    query: Vec<(String, String)>,
    /// The form body's pairs, decoded (empty for other bodies).
    form: Vec<(String, String)>,
    body: Bytes,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// A parameter from the query string or the form body.
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().chain(&self.form).find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every parameter, the query's first.
    fn params(&self) -> Vec<(String, String)> {
        self.query.iter().chain(&self.form).cloned().collect()
    }
}

fn decode_pairs(text: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// `SendSms` on `/` (`POST`, and `GET` with an action).
pub(crate) async fn api(State(state): State<SandboxState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return AliyunError::new(StatusCode::PAYLOAD_TOO_LARGE, "InvalidParameter", "The request body is too large.")
            .render(Format::Json);
    };
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(|query| decode_pairs(query.as_bytes())).unwrap_or_default(),
        form: if is_form { decode_pairs(&body) } else { Vec::new() },
        headers: parts.headers,
        body,
    };
    let now = SystemTime::now();
    let (format, outcome) = handle(&state, &incoming, now);
    match outcome {
        Ok(message) => {
            // Like a real gateway's log, no phone or code: the inbox page shows those.
            tracing::info!(template = %message.template_code, biz_id = %message.biz_id, "sms delivered");
            let fields = [
                ("RequestId", new_request_id()),
                ("Code", "OK".to_owned()),
                ("Message", "OK".to_owned()),
                ("BizId", message.biz_id),
            ];
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            render(StatusCode::OK, format, "SendSmsResponse", &fields)
        }
        Err(error) => {
            tracing::info!(code = %error.code, status = error.status.as_u16(), "sms refused");
            error.render(format)
        }
    }
}

/// Checks the call as Aliyun does and sends.
fn handle(state: &SandboxState, incoming: &Incoming, now: SystemTime) -> (Format, Result<Message, AliyunError>) {
    let v3 = incoming.headers.contains_key(header::AUTHORIZATION) || incoming.headers.contains_key("x-acs-action");
    let format = match incoming.param("Format") {
        _ if v3 => Format::Json,
        Some(format) if format.eq_ignore_ascii_case("json") => Format::Json,
        _ => Format::Xml,
    };
    (format, check_and_send(state, incoming, v3, now))
}

fn check_and_send(
    state: &SandboxState,
    incoming: &Incoming,
    v3: bool,
    now: SystemTime,
) -> Result<Message, AliyunError> {
    let (action, version) = if v3 {
        (incoming.header("x-acs-action"), incoming.header("x-acs-version"))
    } else {
        (incoming.param("Action"), incoming.param("Version"))
    };
    if action != Some(ACTION) {
        return Err(AliyunError::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        ));
    }
    if version != Some(VERSION) {
        return Err(AliyunError::new(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        ));
    }
    let config = state.config();
    let nonce = if v3 { check_v3(incoming, config, now)? } else { check_v2(incoming, config, now)? };
    if !state.sms().first_use_of(&nonce, now) {
        return Err(AliyunError::new(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }

    let required = |name: &str| {
        incoming.param(name).filter(|value| !value.is_empty()).map(str::to_owned).ok_or_else(|| {
            AliyunError::new(
                StatusCode::BAD_REQUEST,
                &format!("Missing{name}"),
                format!("{name} is mandatory for this action."),
            )
        })
    };
    let request = SendRequest {
        phone_numbers: required("PhoneNumbers")?,
        sign_name: required("SignName")?,
        template_code: required("TemplateCode")?,
        template_param: incoming.param("TemplateParam").map(str::to_owned),
    };
    let account = Account { sign_name: &config.sms_sign_name, template_code: &config.sms_template_code };
    state.sms().send(request, &account, now)
}

/// The timestamp's refusal, if any.
fn check_time(text: Option<&str>, now: SystemTime) -> Result<(), AliyunError> {
    let Some(at) = text.and_then(parse_timestamp) else {
        return Err(AliyunError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        ));
    };
    let skew = now.duration_since(at).unwrap_or_else(|ahead| ahead.duration());
    if skew.as_secs() > MAX_SKEW_SECS {
        return Err(AliyunError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    Ok(())
}

fn unknown_key() -> AliyunError {
    AliyunError::new(StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
}

fn signature_mismatch(string_to_sign: &str) -> AliyunError {
    AliyunError::new(
        StatusCode::BAD_REQUEST,
        "SignatureDoesNotMatch",
        format!("Specified signature does not match our calculation. server string to sign is:{string_to_sign}"),
    )
}

/// Checks a V3 signature; answers its nonce.
fn check_v3(incoming: &Incoming, config: &crate::SandboxConfig, now: SystemTime) -> Result<String, AliyunError> {
    let authorization = incoming.header("authorization").unwrap_or_default();
    let Some(fields) = authorization.strip_prefix(V3_ALGORITHM).and_then(|rest| rest.strip_prefix(' ')) else {
        return Err(AliyunError::incomplete(
            "Authorization must be ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…",
        ));
    };
    let field = |name: &str| fields.split(',').find_map(|part| part.trim().strip_prefix(name)?.strip_prefix('='));
    let (Some(key_id), Some(signed_headers), Some(signature)) =
        (field("Credential"), field("SignedHeaders"), field("Signature"))
    else {
        return Err(AliyunError::incomplete("Authorization lacks Credential, SignedHeaders or Signature."));
    };
    let names: Vec<String> = signed_headers.split(';').map(str::to_ascii_lowercase).collect();
    let sent_acs = incoming.headers.keys().map(|name| name.as_str()).filter(|name| name.starts_with("x-acs-"));
    if let Some(unsigned) =
        REQUIRED_SIGNED_HEADERS.iter().copied().chain(sent_acs).find(|name| !names.iter().any(|signed| signed == name))
    {
        return Err(AliyunError::incomplete(&format!("The header {unsigned} must be signed.")));
    }
    if key_id != config.sms_access_key_id {
        return Err(unknown_key());
    }
    check_time(incoming.header("x-acs-date"), now)?;
    let headers: Vec<(String, String)> = names
        .iter()
        .map(|name| {
            let mut values: Vec<&str> = incoming
                .headers
                .get_all(name.as_str())
                .iter()
                .filter_map(|value| value.to_str().ok())
                .map(str::trim)
                .collect();
            values.sort_unstable();
            (name.clone(), values.join(","))
        })
        .collect();
    let body_hash = hex::encode(Sha256::digest(&incoming.body));
    let string_to_sign =
        v3_string_to_sign(incoming.method.as_str(), &incoming.path, &incoming.query, &headers, &body_hash);
    if !same(&v3_signature(&config.sms_access_key_secret, &string_to_sign), &signature.to_ascii_lowercase()) {
        return Err(signature_mismatch(&string_to_sign));
    }
    incoming
        .header("x-acs-signature-nonce")
        .filter(|nonce| !nonce.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| AliyunError::incomplete("x-acs-signature-nonce is missing."))
}

/// Checks a V2 signature; answers its nonce.
fn check_v2(incoming: &Incoming, config: &crate::SandboxConfig, now: SystemTime) -> Result<String, AliyunError> {
    let (Some(signature), Some(key_id), Some(nonce)) =
        (incoming.param("Signature"), incoming.param("AccessKeyId"), incoming.param("SignatureNonce"))
    else {
        return Err(AliyunError::incomplete("Signature, AccessKeyId and SignatureNonce are required."));
    };
    if incoming.param("SignatureMethod") != Some("HMAC-SHA1") || incoming.param("SignatureVersion") != Some("1.0") {
        return Err(AliyunError::incomplete("SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0."));
    }
    if key_id != config.sms_access_key_id {
        return Err(unknown_key());
    }
    check_time(incoming.param("Timestamp"), now)?;
    let string_to_sign = v2_string_to_sign(incoming.method.as_str(), &incoming.params());
    if !same(&v2_signature(&config.sms_access_key_secret, &string_to_sign), signature) {
        return Err(signature_mismatch(&string_to_sign));
    }
    Ok(nonce.to_owned())
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

fn refuse(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Faults> {
    Json(state.sms().faults.clone())
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
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

async fn show_limits(State(state): State<SandboxState>) -> Json<Limits> {
    Json(state.sms().limits)
}

async fn set_limits(State(state): State<SandboxState>, body: Bytes) -> Response {
    let limits: Limits = match serde_json::from_slice(&body) {
        Ok(limits) => limits,
        Err(error) => return refuse(format!("expected {{\"per_minute\", \"per_hour\", \"per_day\"}}: {error}")),
    };
    if limits.per_minute == 0 || limits.per_hour == 0 || limits.per_day == 0 {
        return refuse("every limit must allow at least one message".to_owned());
    }
    tracing::info!(?limits, "sms flow control set");
    state.sms().limits = limits;
    Json(limits).into_response()
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
                template = html::escape(&message.template_code),
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
    use super::*;

    const ACCOUNT: Account<'static> = Account { sign_name: "群宠", template_code: "SMS_1" };

    fn verify_code(phone: &str, code: &str) -> SendRequest {
        SendRequest {
            phone_numbers: phone.to_owned(),
            sign_name: "群宠".to_owned(),
            template_code: "SMS_1".to_owned(),
            template_param: Some(serde_json::json!({ "code": code }).to_string()),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// The example of Aliyun's "V3版本请求体&签名机制" (ECS RunInstances) and its published signature.
    #[test]
    fn v3_reproduces_aliyuns_published_example() {
        let body_hash = hex::encode(Sha256::digest(b""));
        let headers = pairs(&[
            ("x-acs-version", "2014-05-26"),
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-content-sha256", &body_hash),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ]);
        let query =
            pairs(&[("RegionId", "cn-shanghai"), ("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd")]);
        let string_to_sign = v3_string_to_sign("POST", "/", &query, &headers, &body_hash);
        assert_eq!(
            string_to_sign,
            "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            v3_signature("YourAccessKeySecret", &string_to_sign),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    /// The SMS example of Aliyun's "HTTP协议及签名" (GET, secret `testSecret`), and the generic
    /// RPC example (DescribeRegions, secret `testsecret`), with their published signatures.
    #[test]
    fn v2_reproduces_aliyuns_published_examples() {
        let sms = pairs(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", r#"{"customer":"test"}"#),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
            ("Signature", "ignored: never signed"),
        ]);
        let string_to_sign = v2_string_to_sign("GET", &sms);
        assert!(
            string_to_sign.starts_with("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"),
            "{string_to_sign}"
        );
        assert!(string_to_sign.ends_with("%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"));
        assert_eq!(v2_signature("testSecret", &string_to_sign), "zJDF+Lrzhj/ThnlvIToysFRq6t4=");

        let regions = pairs(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Version", "2014-05-26"),
        ]);
        let string_to_sign = v2_string_to_sign("GET", &regions);
        assert_eq!(
            string_to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1\
             %26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0\
             %26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(v2_signature("testsecret", &string_to_sign), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn percent_encoding_follows_rfc_3986() {
        for (text, encoded) in [
            ("a b", "a%20b"),
            ("*", "%2A"),
            ("~", "~"),
            ("/", "%2F"),
            (":", "%3A"),
            ("+", "%2B"),
            ("{\"c\"}", "%7B%22c%22%7D"),
        ] {
            assert_eq!(percent_encode(text), encoded, "{text}");
        }
    }

    #[test]
    fn a_verification_code_is_rendered_into_the_approved_template() {
        let mut sms = SmsState::new();
        let message = sms.send(verify_code("13812345678", "123456"), &ACCOUNT, UNIX_EPOCH).unwrap();
        assert_eq!(message.text, "【群宠】您的验证码为：123456，该验证码 5 分钟内有效，请勿泄漏于他人！");
        assert_eq!(message.code.as_deref(), Some("123456"));
        assert_eq!(message.sent_at, "1970-01-01T00:00:00Z");
        assert!(message.biz_id.ends_with("^0"), "{}", message.biz_id);
        assert_eq!(sms.list(Some("13812345678")).len(), 1);
    }

    #[test]
    fn numbers_must_be_mainland_mobiles_with_an_optional_country_prefix() {
        for (phone, bare) in [
            ("13812345678", "13812345678"),
            ("+8619900000000", "19900000000"),
            ("008613000000000", "13000000000"),
            ("8613812345678", "13812345678"),
        ] {
            assert_eq!(mainland_mobile(phone), Some(bare), "{phone}");
        }
        for phone in [
            "",
            "12812345678",
            "23812345678",
            "1381234567",
            "138123456789",
            "1381234567a",
            "+1 13812345678",
            "13812345678,13912345678",
        ] {
            assert_eq!(mainland_mobile(phone), None, "{phone}");
        }
        // Full-width or other Unicode digits are not `\d` here.
        assert_eq!(mainland_mobile("1381234567\u{FF18}"), None);
    }

    #[test]
    fn the_account_template_and_parameters_are_checked() {
        let mut sms = SmsState::new();
        let refused =
            |sms: &mut SmsState, request: SendRequest| sms.send(request, &ACCOUNT, UNIX_EPOCH).unwrap_err().code;
        let mut request = verify_code("13812345678", "123456");
        request.sign_name = "阿里云".to_owned();
        assert_eq!(refused(&mut sms, request), "isv.SMS_SIGNATURE_ILLEGAL");
        let mut request = verify_code("13812345678", "123456");
        request.template_code = "SMS_2".to_owned();
        assert_eq!(refused(&mut sms, request), "isv.SMS_TEMPLATE_ILLEGAL");
        for param in [Some(r#"{"code":123456}"#), Some("not json"), Some(r#"["123456"]"#)] {
            let mut request = verify_code("13812345678", "123456");
            request.template_param = param.map(str::to_owned);
            assert_eq!(refused(&mut sms, request), "isv.INVALID_JSON_PARAM", "{param:?}");
        }
        for param in [None, Some(r#"{"code":""}"#), Some(r#"{"other":"1"}"#)] {
            let mut request = verify_code("13812345678", "123456");
            request.template_param = param.map(str::to_owned);
            assert_eq!(refused(&mut sms, request), "isv.TEMPLATE_MISSING_PARAMETERS", "{param:?}");
        }
        assert_eq!(refused(&mut sms, verify_code("1381234567", "123456")), "isv.MOBILE_NUMBER_ILLEGAL");
        assert!(sms.list(None).is_empty(), "refused sends are not delivered");
    }

    #[test]
    fn template_values_are_not_read_as_variables() {
        let params = BTreeMap::from([("code".to_owned(), "${code}".to_owned())]);
        assert_eq!(render_template("a ${code} b", &params).unwrap(), "a ${code} b");
    }

    #[test]
    fn flow_control_allows_one_a_minute_five_an_hour_ten_a_day_per_number() {
        let mut sms = SmsState::new();
        let send =
            |sms: &mut SmsState, phone: &str, secs: u64| sms.send(verify_code(phone, "111111"), &ACCOUNT, at(secs));
        assert!(send(&mut sms, "13812345678", 0).is_ok());
        let refused = send(&mut sms, "13812345678", 59).unwrap_err();
        assert_eq!((refused.status, refused.code.as_str()), (StatusCode::OK, "isv.BUSINESS_LIMIT_CONTROL"));
        assert_eq!(refused.message, "触发分钟级流控Permits:1");
        assert!(send(&mut sms, "13912345678", 59).is_ok(), "per number");
        for n in 1..5 {
            assert!(send(&mut sms, "13812345678", n * 60).is_ok(), "send {n}");
        }
        assert_eq!(send(&mut sms, "13812345678", 301).unwrap_err().message, "触发小时级流控Permits:5");
        for n in 0..5 {
            assert!(send(&mut sms, "13812345678", 3600 + n * 60).is_ok(), "the next hour, send {n}");
        }
        assert_eq!(send(&mut sms, "13812345678", 7200).unwrap_err().message, "触发天级流控Permits:10");
        assert!(send(&mut sms, "13812345678", 86_400).is_ok(), "the first send left the day");

        sms.limits = Limits { per_minute: 3, per_hour: 100, per_day: 100 };
        assert!(send(&mut sms, "13700000000", 0).is_ok());
        assert!(send(&mut sms, "13700000000", 1).is_ok());
        assert!(send(&mut sms, "13700000000", 2).is_ok());
        assert!(send(&mut sms, "13700000000", 3).is_err());
    }

    #[test]
    fn a_nonce_is_refused_the_second_time_while_remembered() {
        let mut sms = SmsState::new();
        assert!(sms.first_use_of("n1", at(0)));
        assert!(!sms.first_use_of("n1", at(1000)));
        assert!(sms.first_use_of("n2", at(1000)));
        assert!(sms.first_use_of("n1", at(NONCE_MEMORY.as_secs() + 1)), "forgotten after the timestamps expired");
    }

    #[test]
    fn a_fault_answers_its_code_n_times_then_clears_itself() {
        let mut sms = SmsState::new();
        sms.faults = Faults { fail_next: 2, code: "ServiceUnavailable".to_owned() };
        for n in 0..2 {
            let error = sms.send(verify_code("13812345678", "111111"), &ACCOUNT, at(n * 100)).unwrap_err();
            assert_eq!((error.status, error.code.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable"));
        }
        assert!(sms.send(verify_code("13812345678", "222222"), &ACCOUNT, at(300)).is_ok());
        let listed = sms.list(None);
        assert_eq!(listed.len(), 1, "faulted sends are not delivered");
        assert_eq!(listed[0].code.as_deref(), Some("222222"));
        assert_eq!(fault_status("isp.SYSTEM_ERROR"), StatusCode::OK);
        assert_eq!(fault_status("SignatureDoesNotMatch"), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_oldest_messages_are_dropped_beyond_the_cap() {
        let mut sms = SmsState::new();
        sms.limits = Limits { per_minute: u32::MAX, per_hour: u32::MAX, per_day: u32::MAX };
        for n in 0..MAX_MESSAGES + 5 {
            sms.send(verify_code("13812345678", &format!("{n:06}")), &ACCOUNT, UNIX_EPOCH).unwrap();
        }
        assert_eq!(sms.messages.len(), MAX_MESSAGES);
        let mine = sms.list(Some("13812345678"));
        assert_eq!(mine.len(), MAX_MESSAGES);
        assert_eq!(mine[0].code.as_deref(), Some("000005"));
        assert_eq!(mine.last().unwrap().code.as_deref(), Some(format!("{:06}", MAX_MESSAGES + 4).as_str()));
        assert_eq!(sms.list(None).len(), LIST_ALL_LIMIT);
    }

    #[test]
    fn timestamps_are_read_in_aliyuns_format_only() {
        assert_eq!(parse_timestamp("1970-01-01T00:01:40Z"), Some(at(100)));
        for bad in ["1970-01-01T00:01:40", "1970-01-01 00:01:40Z", "100", "1970-01-01T00:01:40+08:00"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert!(check_time(Some("1970-01-01T00:15:00Z"), at(0)).is_ok());
        assert_eq!(check_time(Some("1970-01-01T00:15:01Z"), at(0)).unwrap_err().code, "InvalidTimeStamp.Expired");
        assert_eq!(check_time(Some("1970-01-01T00:00:00Z"), at(901)).unwrap_err().code, "InvalidTimeStamp.Expired");
        assert_eq!(check_time(None, at(0)).unwrap_err().code, "InvalidTimeStamp.Format");
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
