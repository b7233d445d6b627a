//! One error type for the whole domain, carrying the codes of SPEC.md. An unexpected failure
//! keeps its whole chain for the logs and shows the client only "internal error".

use std::borrow::Cow;

use serde::Serialize;

/// The response codes of SPEC.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "u16")]
#[repr(u16)]
pub enum Code {
    Ok = 1200,
    NotAuthenticated = 1401,
    TokenExpired = 1406,
    BadParameters = 1403,
    NotFound = 1404,
    Internal = 1500,
    Maintenance = 1503,
    ExternalFailed = 1101,
    NoRobotAvailable = 1600,
    GroupMemberInfoFailed = 1601,
    SendMessageFailed = 1602,
    PhoneMissing = 2001,
    IdentityMissing = 2002,
    SensitiveWord = 2003,
    CreateFailed = 2004,
    SameTimeExists = 2005,
    ProfileComplete = 2200,
    WrongCode = 2301,
    CodeExpired = 2302,
    PhoneRegistered = 2303,
    SmsTooOften = 2304,
    MailSendError = 2401,
    WechatAuthFailed = 2501,
    TransferFailed = 3001,
    InsufficientBalance = 3002,
    AlreadyWithdrawnToday = 3003,
    WithdrawalFailed = 3004,
    TransferSucceeded = 3200,
}

impl Code {
    /// Every code with its meaning (SPEC.md), as the OpenAPI document lists them.
    pub const ALL: [(Code, &'static str); 28] = [
        (Code::Ok, "success"),
        (Code::ExternalFailed, "external interface failed"),
        (Code::NotAuthenticated, "not authenticated (HTTP 401), or not allowed (HTTP 403)"),
        (Code::BadParameters, "bad parameters"),
        (Code::NotFound, "not found"),
        (Code::TokenExpired, "token expired"),
        (Code::Internal, "internal error"),
        (Code::Maintenance, "under maintenance"),
        (Code::NoRobotAvailable, "no robot available"),
        (Code::GroupMemberInfoFailed, "group member info failed"),
        (Code::SendMessageFailed, "send message failed"),
        (Code::PhoneMissing, "phone missing"),
        (Code::IdentityMissing, "identity missing"),
        (Code::SensitiveWord, "sensitive word (data.words lists them)"),
        (Code::CreateFailed, "create failed"),
        (Code::SameTimeExists, "same-time record exists"),
        (Code::ProfileComplete, "profile already complete"),
        (Code::WrongCode, "wrong verification code"),
        (Code::CodeExpired, "verification code expired"),
        (Code::PhoneRegistered, "phone already registered"),
        (Code::SmsTooOften, "SMS sent too often"),
        (Code::MailSendError, "mail send error"),
        (Code::WechatAuthFailed, "WeChat authorization failed"),
        (Code::TransferFailed, "transfer failed"),
        (Code::InsufficientBalance, "insufficient balance"),
        (Code::AlreadyWithdrawnToday, "already withdrawn today"),
        (Code::WithdrawalFailed, "withdrawal failed"),
        (Code::TransferSucceeded, "transfer succeeded"),
    ];
}

/// An integer, one of SPEC.md's codes, each with its meaning in the description (and in
/// `x-enum-descriptions`, which generators read).
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::extensions::ExtensionsBuilder;
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        let meanings: Vec<String> = Code::ALL.iter().map(|(c, m)| format!("{}: {m}", c.as_u16())).collect();
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .enum_values(Some(Code::ALL.iter().map(|(c, _)| c.as_u16())))
            .description(Some(format!("The response code of SPEC.md: {}.", meanings.join("; "))))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-enum-varnames", Code::ALL.iter().map(|(c, _)| format!("{c:?}")).collect::<Vec<_>>())
                    .add("x-enum-descriptions", Code::ALL.iter().map(|(_, m)| *m).collect::<Vec<_>>())
                    .build(),
            ))
            .into()
    }
}

impl utoipa::ToSchema for Code {}

impl From<Code> for u16 {
    fn from(code: Code) -> u16 {
        code as u16
    }
}

impl Code {
    pub fn as_u16(self) -> u16 {
        self as u16
    }

    /// The HTTP status that goes with a code: clients read `code`, but proxies, logs and
    /// browsers read the status.
    pub fn http_status(self) -> u16 {
        use Code::*;
        match self {
            Ok | TransferSucceeded => 200,
            NotAuthenticated | TokenExpired | WechatAuthFailed => 401,
            BadParameters => 400,
            NotFound => 404,
            SameTimeExists | PhoneRegistered | ProfileComplete | AlreadyWithdrawnToday => 409,
            SmsTooOften => 429,
            Internal => 500,
            ExternalFailed | GroupMemberInfoFailed | SendMessageFailed | MailSendError => 502,
            Maintenance => 503,
            _ => 422,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A refusal the client caused or must know about: its code and a message that says what
    /// was wrong.
    #[error("{msg}")]
    Rejected { code: Code, msg: Cow<'static, str>, status: Option<u16>, data: Option<Box<serde_json::Value>> },
    /// Anything else: logged with its chain, answered as 1500 without detail.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn rejected(code: Code, msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Rejected { code, msg: msg.into(), status: None, data: None }
    }

    /// Same code, another HTTP status (403 for a role, 413 for a body, 429 for a limit).
    pub fn with_status(mut self, new: u16) -> Self {
        if let Error::Rejected { status, .. } = &mut self {
            *status = Some(new);
        }
        self
    }

    /// A refusal that tells the client more than its message (the words of a 2003).
    pub fn with_data(mut self, value: serde_json::Value) -> Self {
        if let Error::Rejected { data, .. } = &mut self {
            *data = Some(Box::new(value));
        }
        self
    }

    pub fn bad_request(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::rejected(Code::BadParameters, msg)
    }

    pub fn unauthenticated(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::rejected(Code::NotAuthenticated, msg)
    }

    pub fn token_expired() -> Self {
        Self::rejected(Code::TokenExpired, "登录已过期，请刷新或重新登录")
    }

    pub fn forbidden(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::rejected(Code::NotAuthenticated, msg).with_status(403)
    }

    pub fn not_found(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::rejected(Code::NotFound, msg)
    }

    pub fn code(&self) -> Code {
        match self {
            Error::Rejected { code, .. } => *code,
            Error::Unexpected(_) => Code::Internal,
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Error::Rejected { status: Some(status), .. } => *status,
            other => other.code().http_status(),
        }
    }

    /// What the client is told: the message of a refusal, never the text of an unexpected
    /// error.
    pub fn client_message(&self) -> Cow<'static, str> {
        match self {
            Error::Rejected { msg, .. } => msg.clone(),
            Error::Unexpected(_) => Cow::Borrowed("服务器内部错误，请稍后再试"),
        }
    }
}

/// `.context()`-style conversion for I/O results that can only fail unexpectedly.
pub trait Unexpected<T> {
    fn unexpected(self, what: &'static str) -> Result<T>;
}

impl<T, E> Unexpected<T> for std::result::Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn unexpected(self, what: &'static str) -> Result<T> {
        self.map_err(|e| Error::Unexpected(anyhow::Error::new(e).context(what)))
    }
}

/// The envelope every JSON API answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Envelope<T> {
    pub code: Code,
    pub msg: Cow<'static, str>,
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    pub fn ok(data: T) -> Self {
        Envelope { code: Code::Ok, msg: Cow::Borrowed("ok"), data: Some(data) }
    }
}

impl<'a> Envelope<&'a serde_json::Value> {
    pub fn error(error: &'a Error) -> Self {
        let data = match error {
            Error::Rejected { data: Some(data), .. } => Some(data.as_ref()),
            _ => None,
        };
        Envelope { code: error.code(), msg: error.client_message(), data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_errors_hide_their_text() {
        let err = Error::Unexpected(anyhow::anyhow!("connection refused to 10.0.0.1:5432"));
        let json = serde_json::to_string(&Envelope::error(&err)).unwrap();
        assert_eq!(json, r#"{"code":1500,"msg":"服务器内部错误，请稍后再试","data":null}"#);
        assert_eq!(err.http_status(), 500);
    }

    #[test]
    fn refusals_carry_code_message_and_status() {
        let err = Error::bad_request("缺少字段 events");
        let json = serde_json::to_value(Envelope::error(&err)).unwrap();
        assert_eq!(json["code"], 1403);
        assert_eq!(json["msg"], "缺少字段 events");
        assert_eq!(err.http_status(), 400);
        assert_eq!(Error::token_expired().http_status(), 401);
        assert_eq!(Error::bad_request("x").with_status(413).http_status(), 413);
        assert_eq!(Error::forbidden("x").code(), Code::NotAuthenticated);
        let words = Error::rejected(Code::SensitiveWord, "含敏感词").with_data(serde_json::json!({"words": ["x"]}));
        assert_eq!(serde_json::to_value(Envelope::error(&words)).unwrap()["data"]["words"][0], "x");
    }

    #[test]
    fn every_code_is_listed_once_with_its_meaning() {
        let numbers: std::collections::BTreeSet<u16> = Code::ALL.iter().map(|(c, _)| c.as_u16()).collect();
        assert_eq!(numbers.len(), Code::ALL.len());
        let schema = serde_json::to_value(<Code as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "integer", "{schema}");
        assert!(schema["enum"].as_array().unwrap().contains(&serde_json::json!(1600)), "{schema}");
        assert!(schema["description"].as_str().unwrap().contains("1503: under maintenance"), "{schema}");
    }

    #[test]
    fn success_envelope_has_data() {
        let json = serde_json::to_value(Envelope::ok(serde_json::json!({"id": 1}))).unwrap();
        assert_eq!(json, serde_json::json!({"code": 1200, "msg": "ok", "data": {"id": 1}}));
    }
}
