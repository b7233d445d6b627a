//! Aliyun SMS (短信服务, dysmsapi `2017-05-25`): verification codes through `SendSms`.
//!
//! One `POST` to `GPET_SMS_BASE_URL` (production `https://dysmsapi.aliyuncs.com/`) with the
//! API's parameters (`PhoneNumbers`, `SignName`, `TemplateCode`, `TemplateParam`) in the query
//! string and an empty body, the way Aliyun's official SDKs send it.
//!
//! Signature: V3, `ACS3-HMAC-SHA256` (a signed canonical request in `Authorization`, the action
//! and version in `x-acs-action` / `x-acs-version`). Aliyun's documentation no longer recommends
//! the older V2 (HMAC-SHA1 over the parameters, "逐步废弃") and its current SDKs sign V3 by
//! default; V3 also binds the host, the method and the body hash, which V2 does not. The signer
//! reproduces the example Aliyun publishes for V3 (a unit test below).
//!
//! Answers: business outcomes travel with HTTP 200 and a `Code` (`"OK"`, or `isv.`/`isp.` codes);
//! the gateway's refusals (signature, key, timestamp, throttling) with 4xx/5xx and the same JSON
//! shape. Only `Code == "OK"` with 200 is a success.
//!
//! The phone and the code are in the query string, so no URL is ever logged or put into an
//! error: reqwest's errors lose theirs (`without_url`), and an error names Aliyun's `Code`, the
//! HTTP status and the request id only, never Aliyun's `Message` (a signature mismatch echoes the
//! string it signed).

use anyhow::anyhow;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::SmsConfig;

pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2017-05-25";
const ALGORITHM: &str = "ACS3-HMAC-SHA256";

pub struct SmsGateway {
    http: reqwest::Client,
    config: SmsConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Aliyun's flow control for the number or the account (`isv.BUSINESS_LIMIT_CONTROL`,
    /// `isv.DAY_LIMIT_CONTROL`, `isv.MONTH_LIMIT_CONTROL`): the owner should wait.
    #[error("Aliyun SMS flow control refused the send: {code}")]
    RateLimited { code: String },
    /// Aliyun does not take the number (`isv.MOBILE_NUMBER_ILLEGAL`).
    #[error("Aliyun SMS refused the number: {code}")]
    BadNumber { code: String },
    /// Anything else: the provider failed, refused our account, key or signature, or could not
    /// be reached or read.
    #[error("Aliyun SMS failed")]
    Failed(#[source] anyhow::Error),
}

/// `SendSms`'s answer (also the shape of the gateway's errors).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: Option<String>,
    request_id: Option<String>,
}

impl SmsGateway {
    pub fn new(http: reqwest::Client, config: SmsConfig) -> Self {
        Self { http, config }
    }

    /// Sends `code` to `phone` with the configured sign name and template (whose one variable
    /// is `${code}`).
    pub async fn send_code(&self, phone: &str, code: &str) -> Result<(), SmsError> {
        let template_param = serde_json::json!({ "code": code }).to_string();
        let params = [
            ("PhoneNumbers", phone),
            ("SignName", self.config.sign_name.as_str()),
            ("TemplateCode", self.config.template_code.as_str()),
            ("TemplateParam", template_param.as_str()),
        ];
        let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let credentials = Credentials {
            access_key_id: &self.config.access_key_id,
            access_key_secret: self.config.access_key_secret.expose_secret(),
        };
        let signed = sign(&self.config.base_url, &params, ACTION, VERSION, &date, &nonce, &credentials)
            .map_err(SmsError::Failed)?;
        let mut request = self.http.post(signed.url).header(reqwest::header::ACCEPT, "application/json").body("");
        for (name, value) in signed.headers {
            request = request.header(name, value);
        }
        let unreadable =
            |e: reqwest::Error, what: &'static str| SmsError::Failed(anyhow!(e.without_url()).context(what));
        let response = request.send().await.map_err(|e| unreadable(e, "SendSms could not be sent"))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| unreadable(e, "SendSms's answer could not be read"))?;
        outcome(status, &body)
    }
}

/// What `SendSms` answered, by Aliyun's `Code`.
fn outcome(status: StatusCode, body: &[u8]) -> Result<(), SmsError> {
    let answer: Option<Answer> = serde_json::from_slice(body).ok();
    let code = answer.as_ref().and_then(|a| a.code.clone());
    let request_id = answer.as_ref().and_then(|a| a.request_id.clone()).unwrap_or_default();
    match (status, code.as_deref()) {
        (StatusCode::OK, Some("OK")) => Ok(()),
        (
            StatusCode::OK,
            Some(code @ ("isv.BUSINESS_LIMIT_CONTROL" | "isv.DAY_LIMIT_CONTROL" | "isv.MONTH_LIMIT_CONTROL")),
        ) => Err(SmsError::RateLimited { code: code.to_owned() }),
        (StatusCode::OK, Some(code @ "isv.MOBILE_NUMBER_ILLEGAL")) => {
            Err(SmsError::BadNumber { code: code.to_owned() })
        }
        (status, Some(code)) => {
            Err(SmsError::Failed(anyhow!("SendSms answered HTTP {status} {code} (request id {request_id:?})")))
        }
        (status, None) => Err(SmsError::Failed(anyhow!("SendSms answered HTTP {status} without a Code"))),
    }
}

/// An AccessKey pair.
pub struct Credentials<'a> {
    pub access_key_id: &'a str,
    pub access_key_secret: &'a str,
}

/// A request signed with V3: `url` carries the canonical query, `headers` the signed headers and
/// `Authorization` (the host header is the one `url` makes the client send).
pub struct Signed {
    pub url: Url,
    pub headers: Vec<(&'static str, String)>,
}

/// Signs a `POST` with an empty body to `base` with `params` in the query string, as Aliyun's
/// "V3版本请求体&签名机制" describes: the canonical request (method, path, sorted encoded query,
/// sorted signed headers, their names, the body's SHA-256) is hashed, and the HMAC-SHA256 of
/// `ACS3-HMAC-SHA256\n<hash>` keyed with the AccessKey secret is the signature.
pub fn sign(
    base: &Url,
    params: &[(&str, &str)],
    action: &str,
    version: &str,
    date: &str,
    nonce: &str,
    credentials: &Credentials<'_>,
) -> anyhow::Result<Signed> {
    let host = match (base.host_str(), base.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => anyhow::bail!("the SMS base URL has no host"),
    };
    let query = canonical_query(params);
    let body_hash = hex::encode(Sha256::digest(b""));
    // Sorted by name, as the canonical request wants them.
    let signed_headers: [(&'static str, String); 6] = [
        ("host", host),
        ("x-acs-action", action.to_owned()),
        ("x-acs-content-sha256", body_hash.clone()),
        ("x-acs-date", date.to_owned()),
        ("x-acs-signature-nonce", nonce.to_owned()),
        ("x-acs-version", version.to_owned()),
    ];
    let canonical_headers: String =
        signed_headers.iter().map(|(name, value)| format!("{name}:{}\n", value.trim())).collect();
    let names = signed_headers.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(";");
    let canonical_request = format!("POST\n{}\n{query}\n{canonical_headers}\n{names}\n{body_hash}", base.path());
    let string_to_sign = format!("{ALGORITHM}\n{}", hex::encode(Sha256::digest(canonical_request.as_bytes())));
    let mut mac = Hmac::<Sha256>::new_from_slice(credentials.access_key_secret.as_bytes())
        .map_err(|_| anyhow!("an HMAC key of any length is accepted"))?;
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization =
        format!("{ALGORITHM} Credential={},SignedHeaders={names},Signature={signature}", credentials.access_key_id);

    let mut url = base.clone();
    url.set_query(if query.is_empty() { None } else { Some(&query) });
    // `host` is what the client sends from the URL; the other signed headers go out as signed.
    let mut headers: Vec<(&'static str, String)> = signed_headers.into_iter().skip(1).collect();
    headers.push(("authorization", authorization));
    Ok(Signed { url, headers })
}

/// `k=v` pairs sorted by name, both percent-encoded, joined with `&`.
fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = params.iter().map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 3986 percent-encoding of UTF-8 as Aliyun's signatures want it: `A-Z a-z 0-9 - _ . ~`
/// stay, every other byte is `%XY` (upper-case hex); a space is `%20`, never `+`.
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of Aliyun's "V3版本请求体&签名机制" (ECS RunInstances), with its published
    /// signature.
    #[test]
    fn the_signer_reproduces_aliyuns_published_v3_example() {
        let base = Url::parse("https://ecs.cn-shanghai.aliyuncs.com/").unwrap();
        let params = [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")];
        let credentials = Credentials { access_key_id: "YourAccessKeyId", access_key_secret: "YourAccessKeySecret" };
        let signed = sign(
            &base,
            &params,
            "RunInstances",
            "2014-05-26",
            "2023-10-26T10:22:32Z",
            "3156853299f313e23d1673dc12e1703d",
            &credentials,
        )
        .unwrap();
        let authorization = &signed.headers.iter().find(|(name, _)| *name == "authorization").unwrap().1;
        assert_eq!(
            authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;\
             x-acs-date;x-acs-signature-nonce;x-acs-version,\
             Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            signed.url.as_str(),
            "https://ecs.cn-shanghai.aliyuncs.com/?ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
        );
    }

    #[test]
    fn a_send_sms_query_is_sorted_and_encoded_as_signed() {
        let base = Url::parse("http://127.0.0.1:3900").unwrap();
        let params = [
            ("TemplateParam", r#"{"code":"012345"}"#),
            ("PhoneNumbers", "13812345678"),
            ("SignName", "群宠"),
            ("TemplateCode", "SMS_1 *~"),
        ];
        let credentials = Credentials { access_key_id: "id", access_key_secret: "secret" };
        let signed = sign(&base, &params, ACTION, VERSION, "2026-01-01T00:00:00Z", "n", &credentials).unwrap();
        assert_eq!(
            signed.url.query().unwrap(),
            "PhoneNumbers=13812345678&SignName=%E7%BE%A4%E5%AE%A0&TemplateCode=SMS_1%20%2A~\
             &TemplateParam=%7B%22code%22%3A%22012345%22%7D"
        );
        assert_eq!(signed.url.port(), Some(3900));
        // The signature changes with every signed part.
        let authorization =
            |signed: &Signed| signed.headers.iter().find(|(n, _)| *n == "authorization").unwrap().1.clone();
        let other_nonce = sign(&base, &params, ACTION, VERSION, "2026-01-01T00:00:00Z", "m", &credentials).unwrap();
        assert_ne!(authorization(&signed), authorization(&other_nonce));
        let other_port = Url::parse("http://127.0.0.1:3901").unwrap();
        let moved = sign(&other_port, &params, ACTION, VERSION, "2026-01-01T00:00:00Z", "n", &credentials).unwrap();
        assert_ne!(authorization(&signed), authorization(&moved));
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
            ("-_.", "-_."),
            (r#"{"code":"1234"}"#, "%7B%22code%22%3A%221234%22%7D"),
            ("阿里云", "%E9%98%BF%E9%87%8C%E4%BA%91"),
        ] {
            assert_eq!(percent_encode(text), encoded, "{text}");
        }
    }

    #[test]
    fn answers_are_read_by_code() {
        let ok = br#"{"Code":"OK","Message":"OK","BizId":"9006197469364984^0","RequestId":"F655A8D5"}"#;
        assert!(outcome(StatusCode::OK, ok).is_ok());
        for code in ["isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL"] {
            let body = format!(r#"{{"Code":"{code}","Message":"触发分钟级流控Permits:1","RequestId":"r"}}"#);
            assert!(matches!(outcome(StatusCode::OK, body.as_bytes()), Err(SmsError::RateLimited { .. })), "{code}");
        }
        let illegal = br#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"13812345678 is illegal","RequestId":"r"}"#;
        assert!(matches!(outcome(StatusCode::OK, illegal), Err(SmsError::BadNumber { .. })));

        let failures: [(StatusCode, &[u8]); 7] = [
            (StatusCode::OK, br#"{"Code":"isp.SYSTEM_ERROR","Message":"x","RequestId":"r"}"#),
            (StatusCode::OK, br#"{"Code":"isv.SMS_TEMPLATE_ILLEGAL","RequestId":"r"}"#),
            (StatusCode::OK, br#"{"Message":"no code"}"#),
            (StatusCode::OK, b"<html>gateway</html>"),
            // Not a success without 200, whatever the body says.
            (StatusCode::INTERNAL_SERVER_ERROR, br#"{"Code":"OK"}"#),
            (StatusCode::SERVICE_UNAVAILABLE, br#"{"Code":"ServiceUnavailable","RequestId":"r"}"#),
            (
                StatusCode::BAD_REQUEST,
                br#"{"Code":"SignatureDoesNotMatch","Message":"server string to sign is:PhoneNumbers=13812345678&TemplateParam=123456","RequestId":"r"}"#,
            ),
        ];
        for (status, body) in failures {
            match outcome(status, body) {
                Err(SmsError::Failed(error)) => {
                    let text = format!("{error:#}");
                    assert!(!text.contains("13812345678") && !text.contains("123456"), "{text}");
                    assert!(!text.contains("string to sign"), "{text}");
                }
                other => panic!("{status} {}: {other:?}", String::from_utf8_lossy(body)),
            }
        }
    }
}
