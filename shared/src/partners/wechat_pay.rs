//! WeChat Pay API v3, transfer bills (商家转账, the current API; the 2019 "enterprise payment to
//! balance" is retired): create a bill, query it by our order number, read the signed, encrypted
//! result notifications, and fetch a day's fund-flow bill (资金账单) for the reconciliation.
//!
//! Every request is signed with the merchant's private key (`WECHATPAY2-SHA256-RSA2048`); every
//! answer and notification is checked against WeChat Pay's public key, and its
//! `Wechatpay-Timestamp` must be within 5 minutes of now (WeChat Pay's rule against replays). An
//! answer that does not verify — a refusal or a 404 as much as a success — is an unknown
//! outcome, never a result: only WeChat Pay's signed word fails a payout. The one exception is
//! the bill file's download, which WeChat Pay answers without signature headers: its SHA-1,
//! announced in the signed answer to the application, is checked instead.

use anyhow::Context as _;
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::{aead, rand, rsa, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::PayConfig;

mod fund_flow;

pub use fund_flow::{Direction, FundFlow, FundFlowBill, FundFlowSummary, yuan_to_fen};

/// The account whose fund flows the reconciliation reads. Transfer bills are paid out of the
/// operation account (运营账户: WeChat Pay's NOT_ENOUGH says "商户运营账户资金不足"), not the basic
/// account that receives payments.
pub const FUND_FLOW_ACCOUNT: &str = "OPERATION";

/// How far an answer's or a notification's `Wechatpay-Timestamp` may be from now, either way:
/// WeChat Pay's documentation asks that anything older than 5 minutes be refused.
pub const SIGNATURE_WINDOW_SECS: i64 = 300;

/// The most a bill file may decompress to (a day of this merchant's flows is far smaller).
const MAX_BILL_BYTES: u64 = 64 << 20;

pub struct WechatPay {
    http: reqwest::Client,
    config: PayConfig,
    merchant_key: signature::RsaKeyPair,
    /// WeChat Pay's public key, SPKI DER.
    platform_key: Vec<u8>,
    name_key: rsa::OaepPublicEncryptingKey,
}

/// A transfer bill as WeChat Pay shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Bill {
    pub out_bill_no: String,
    #[serde(default)]
    pub transfer_bill_no: Option<String>,
    /// ACCEPTED, PROCESSING, WAIT_USER_CONFIRM, TRANSFERING, SUCCESS, FAIL, CANCELING, CANCELLED.
    pub state: String,
    #[serde(default)]
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub package_info: Option<String>,
    #[serde(default)]
    pub transfer_amount: Option<i64>,
    #[serde(default)]
    pub create_time: Option<String>,
    /// When the bill last changed (a final bill: when it became final).
    #[serde(default)]
    pub update_time: Option<String>,
}

/// What a payout sends: identical on every resend of one order number.
#[derive(Debug, Clone)]
pub struct Transfer<'a> {
    pub out_bill_no: &'a str,
    pub openid: &'a str,
    pub user_name: &'a str,
    pub amount_fen: i64,
    pub remark: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// We do not know whether WeChat Pay took it: a timeout, a 5xx, SYSTEM_ERROR, an answer that
    /// does not verify. Query before anything else.
    #[error("outcome unknown: {0}")]
    Unknown(String),
    /// WeChat Pay answered, refusing: the bill was not created (NOT_ENOUGH, PARAM_ERROR, …).
    #[error("refused by WeChat Pay: {code} {message}")]
    Refused { status: u16, code: String, message: String },
}

/// Why a day's fund-flow bill could not be had. Each is an error the finance console shows:
/// none of them means "no flows" (that is `Ok(None)` from [`WechatPay::fund_flow_bill`]).
#[derive(Debug, thiserror::Error)]
pub enum BillError {
    /// STATEMENT_CREATING: the bill of that day is still being made (from 10:00 the next day).
    #[error("the bill is not ready yet: {0}")]
    NotReady(String),
    /// An HTTP 404: the route or the file is unknown where we asked.
    #[error("HTTP 404 from {0}")]
    NotFound(&'static str),
    /// WeChat Pay refused the application or the download (INVALID_REQUEST, PARAM_ERROR, NO_AUTH…).
    #[error("refused by WeChat Pay: {code} {message}")]
    Refused { status: u16, code: String, message: String },
    /// WeChat Pay could not be asked, answered 5xx, or its answer does not verify.
    #[error("WeChat Pay unavailable: {0}")]
    Unavailable(String),
    /// The download URL is not on WeChat Pay's host: never signed for nor fetched.
    #[error("the download URL is on another host: {0}")]
    ForeignHost(String),
    /// The file is not what the signed answer announced.
    #[error("the bill's SHA-1 is {actual}, not {expected}")]
    HashMismatch { expected: String, actual: String },
    /// The file could not be decompressed or read, or its summary disagrees with its lines.
    #[error("malformed bill: {0}")]
    Malformed(String),
}

/// What WeChat Pay answers to 申请资金账单.
#[derive(Deserialize)]
struct BillApplication {
    hash_type: String,
    hash_value: String,
    download_url: String,
}

/// An answer as it came, before anything is read from it.
struct Answer {
    status: reqwest::StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl PayError {
    /// Whether WeChat Pay said it has no such bill (`NOT_FOUND`, answered with HTTP 400 or 404).
    pub fn is_no_such_bill(&self) -> bool {
        matches!(self, PayError::Refused { status: 400 | 404, code, .. } if code == "NOT_FOUND")
    }
}

#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// A result notification, before decryption.
#[derive(Deserialize)]
struct Notification {
    #[serde(default)]
    event_type: String,
    resource: Resource,
}

#[derive(Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    #[serde(default)]
    associated_data: String,
    nonce: String,
}

/// The DER inside a PEM block (any label).
pub fn pem_to_der(pem: &str) -> anyhow::Result<Vec<u8>> {
    let body: String = pem.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("-----")).collect();
    anyhow::ensure!(!body.is_empty(), "no PEM body");
    Ok(B64.decode(body)?)
}

/// A PEM block of `label` around `der`.
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let lines: Vec<&str> =
        b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("base64 is ASCII")).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::SystemRandom::new().fill(&mut bytes).expect("the system RNG works");
    hex::encode_upper(bytes)
}

impl WechatPay {
    pub fn new(http: reqwest::Client, config: PayConfig) -> anyhow::Result<Self> {
        let der = pem_to_der(config.private_key_pem.expose_secret())
            .context("secret wechat-pay: field `private_key_pem` is not PEM")?;
        let merchant_key = signature::RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| anyhow::anyhow!("secret wechat-pay: field `private_key_pem` is not a PKCS#8 RSA key: {e}"))?;
        let platform_key =
            pem_to_der(&config.public_key_pem).context("secret wechat-pay: field `public_key_pem` is not PEM")?;
        let name_key = rsa::PublicEncryptingKey::from_der(&platform_key)
            .ok()
            .and_then(|k| rsa::OaepPublicEncryptingKey::new(k).ok())
            .ok_or_else(|| anyhow::anyhow!("secret wechat-pay: field `public_key_pem` is not an RSA public key"))?;
        Ok(Self { http, config, merchant_key, platform_key, name_key })
    }

    fn authorization(&self, method: &str, path_and_query: &str, body: &str) -> String {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let nonce = nonce();
        let message = format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n");
        let mut sig = vec![0u8; self.merchant_key.public_modulus_len()];
        self.merchant_key
            .sign(&signature::RSA_PKCS1_SHA256, &rand::SystemRandom::new(), message.as_bytes(), &mut sig)
            .expect("RSA signing works");
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",signature=\"{}\",timestamp=\"{timestamp}\",serial_no=\"{}\"",
            self.config.merchant.mch_id,
            B64.encode(sig),
            self.config.serial_no
        )
    }

    /// Checks `Wechatpay-Signature` over `timestamp\nnonce\nbody\n` with WeChat Pay's key, and
    /// that the timestamp is within [`SIGNATURE_WINDOW_SECS`] of now (real time).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (timestamp, nonce, sig) =
            (header("Wechatpay-Timestamp"), header("Wechatpay-Nonce"), header("Wechatpay-Signature"));
        if !fresh(timestamp, chrono::Utc::now().timestamp()) {
            return false;
        }
        let Ok(sig) = B64.decode(sig) else { return false };
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.platform_key)
            .verify(&message, &sig)
            .is_ok()
    }

    fn encrypt_name(&self, name: &str) -> String {
        let mut out = vec![0u8; self.name_key.ciphertext_size()];
        let ct = self
            .name_key
            .encrypt(&rsa::OAEP_SHA1_MGF1SHA1, name.as_bytes(), &mut out, None)
            .expect("a name fits one RSA block");
        B64.encode(ct)
    }

    /// Sends a signed request to `url` (path and query signed as they go out) and reads the whole
    /// answer; not reaching WeChat Pay is an unknown outcome.
    async fn send(
        &self,
        method: reqwest::Method,
        url: url::Url,
        body: Option<String>,
        accept: &str,
    ) -> Result<Answer, PayError> {
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let body_text = body.clone().unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), url)
            .header("Authorization", self.authorization(method.as_str(), &path_and_query, &body_text))
            .header("Accept", accept)
            .header("Wechatpay-Serial", &self.config.public_key_id);
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| PayError::Unknown(format!("{e}")))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| PayError::Unknown(format!("{e}")))?.to_vec();
        Ok(Answer { status, headers, body })
    }

    /// A signed answer's body; a refusal or an answer that does not verify is an error. A
    /// refusal is [`PayError::Refused`] only when WeChat Pay signed it: an unsigned one (from a
    /// proxy, or anyone in the path) says nothing of the bill, so it is an unknown outcome.
    fn read(&self, answer: Answer) -> Result<Vec<u8>, PayError> {
        let Answer { status, headers, body } = answer;
        if status.is_server_error() {
            return Err(PayError::Unknown(format!("HTTP {status}: {}", String::from_utf8_lossy(&body))));
        }
        if !status.is_success() && !self.verify(&headers, &body) {
            return Err(PayError::Unknown(format!("HTTP {status} without WeChat Pay's valid signature")));
        }
        if !status.is_success() {
            let answer: ErrorAnswer = serde_json::from_slice(&body)
                .unwrap_or(ErrorAnswer { code: format!("HTTP_{}", status.as_u16()), message: String::new() });
            if answer.code == "SYSTEM_ERROR" || answer.code == "SYSTEMERROR" || answer.code == "FREQUENCY_LIMITED" {
                return Err(PayError::Unknown(answer.code));
            }
            return Err(PayError::Refused { status: status.as_u16(), code: answer.code, message: answer.message });
        }
        if !self.verify(&headers, &body) {
            return Err(PayError::Unknown("the answer's signature does not verify".into()));
        }
        Ok(body)
    }

    fn url(&self, path: &str) -> Result<url::Url, PayError> {
        self.config.base_url.join(path.trim_start_matches('/')).map_err(|e| PayError::Unknown(e.to_string()))
    }

    /// A JSON call under the base URL: `None` for an HTTP 404 that WeChat Pay signed (a bare 404
    /// is not WeChat Pay's word that there is nothing: an unknown outcome).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Option<Vec<u8>>, PayError> {
        let answer = self.send(method, self.url(path)?, body, "application/json").await?;
        if answer.status == reqwest::StatusCode::NOT_FOUND {
            if self.verify(&answer.headers, &answer.body) {
                return Ok(None);
            }
            return Err(PayError::Unknown("HTTP 404 without WeChat Pay's valid signature".into()));
        }
        self.read(answer).map(Some)
    }

    /// Creates (or, for an order number WeChat Pay knows, shows again) a transfer bill.
    pub async fn create(&self, transfer: &Transfer<'_>) -> Result<Bill, PayError> {
        let body = serde_json::json!({
            "appid": self.config.merchant.app_id,
            "out_bill_no": transfer.out_bill_no,
            "transfer_scene_id": "1000",
            "openid": transfer.openid,
            "user_name": self.encrypt_name(transfer.user_name),
            "transfer_amount": transfer.amount_fen,
            "transfer_remark": transfer.remark,
            "notify_url": self.config.notify_url.as_str(),
            "user_recv_perception": "现金奖励",
            "transfer_scene_report_infos": [
                {"info_type": "活动名称", "info_content": "群主收益提现"},
                {"info_type": "奖励说明", "info_content": "群活跃与广告收益"},
            ],
        })
        .to_string();
        let bytes = self
            .call(reqwest::Method::POST, "v3/fund-app/mch-transfer/transfer-bills", Some(body))
            .await?
            .ok_or_else(|| PayError::Unknown("HTTP 404 on create".into()))?;
        serde_json::from_slice(&bytes).map_err(|e| PayError::Unknown(format!("unreadable bill: {e}")))
    }

    /// The bill of our order number; `None` when WeChat Pay has none. WeChat Pay does not
    /// publish how this API says "no such bill": both an HTTP 404 and a 400 with `NOT_FOUND` have
    /// been seen, and both mean none.
    pub async fn query(&self, out_bill_no: &str) -> Result<Option<Bill>, PayError> {
        let path = format!("v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}");
        match self.call(reqwest::Method::GET, &path, None).await {
            Ok(None) => Ok(None),
            Err(e) if e.is_no_such_bill() => Ok(None),
            Err(e) => Err(e),
            Ok(Some(bytes)) => {
                serde_json::from_slice(&bytes).map(Some).map_err(|e| PayError::Unknown(format!("unreadable bill: {e}")))
            }
        }
    }

    /// The fund-flow bill of the operation account for `day` (Beijing time): applied for
    /// (申请资金账单, a signed answer naming the file, its SHA-1 and where to download it within
    /// 30 s), downloaded with a signed request to WeChat Pay's own host, decompressed, its SHA-1
    /// checked and its lines read.
    ///
    /// `Ok(None)` is WeChat Pay's NO_STATEMENT_EXIST: it says the account had no fund flow that
    /// day, which is an answer about the day (no money moved), not a failure to know. Everything
    /// else that keeps the bill from us is an error: not ready yet, a 404, a refusal, a file
    /// whose hash or content is wrong.
    #[tracing::instrument(skip(self))]
    pub async fn fund_flow_bill(&self, day: chrono::NaiveDate) -> Result<Option<FundFlowBill>, BillError> {
        let path = format!("v3/bill/fundflowbill?bill_date={day}&account_type={FUND_FLOW_ACCOUNT}&tar_type=GZIP");
        let answer = self.send(reqwest::Method::GET, self.url(&path)?, None, "application/json").await?;
        if answer.status == reqwest::StatusCode::NOT_FOUND {
            return Err(BillError::NotFound("申请资金账单"));
        }
        let application = match self.read(answer) {
            Ok(body) => serde_json::from_slice::<BillApplication>(&body)
                .map_err(|e| BillError::Unavailable(format!("unreadable answer to the bill application: {e}")))?,
            Err(PayError::Refused { code, .. }) if code == "NO_STATEMENT_EXIST" => return Ok(None),
            Err(PayError::Refused { code, message, .. }) if code == "STATEMENT_CREATING" => {
                return Err(BillError::NotReady(message));
            }
            Err(e) => return Err(e.into()),
        };
        if !application.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(BillError::Malformed(format!("摘要算法为 {}，不是 SHA1", application.hash_type)));
        }
        let download = self.download_url(&application.download_url)?;
        let answer = self.send(reqwest::Method::GET, download, None, "*/*").await?;
        if answer.status == reqwest::StatusCode::NOT_FOUND {
            return Err(BillError::NotFound("下载资金账单"));
        }
        if !answer.status.is_success() {
            // Errors of the download are signed JSON like any other answer's.
            return Err(self.read(answer).err().unwrap_or_else(|| PayError::Unknown("HTTP error".into())).into());
        }
        let plain = gunzip(&answer.body)?;
        let actual = hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &plain));
        if !actual.eq_ignore_ascii_case(application.hash_value.trim()) {
            return Err(BillError::HashMismatch { expected: application.hash_value, actual });
        }
        let text = std::str::from_utf8(&plain).map_err(|_| BillError::Malformed("账单文件不是 UTF-8 文本".into()))?;
        let (flows, summary) = fund_flow::parse(text).map_err(BillError::Malformed)?;
        tracing::info!(flows = flows.len(), "fund-flow bill read");
        Ok(Some(FundFlowBill { flows, summary, sha1: actual }))
    }

    /// The download URL WeChat Pay gave, refused unless it is on the host we call WeChat Pay at:
    /// the request is signed with our key, and its answer is the merchant's books.
    fn download_url(&self, given: &str) -> Result<url::Url, BillError> {
        let url = url::Url::parse(given).map_err(|_| BillError::Malformed(format!("下载地址无效：{given}")))?;
        if url.origin() != self.config.base_url.origin() {
            return Err(BillError::ForeignHost(url.host_str().unwrap_or("?").to_owned()));
        }
        Ok(url)
    }

    /// A result notification: verified (a notification signed more than 5 minutes ago is a
    /// replay, refused: WeChat Pay signs each delivery anew), decrypted, read. `None` for
    /// anything that is not a genuine, fresh transfer result.
    pub fn notification(&self, headers: &HeaderMap, body: &[u8]) -> Option<Bill> {
        if !self.verify(headers, body) {
            tracing::warn!("a WeChat Pay notification with a bad or stale signature");
            return None;
        }
        let note: Notification = serde_json::from_slice(body).ok()?;
        if note.resource.algorithm != "AEAD_AES_256_GCM" {
            return None;
        }
        let plain = decrypt(
            self.config.api_v3_key.expose_secret().as_bytes(),
            &note.resource.nonce,
            &note.resource.associated_data,
            &note.resource.ciphertext,
        )?;
        let bill: Bill = serde_json::from_slice(&plain).ok()?;
        tracing::info!(
            event_type = note.event_type,
            out_bill_no = bill.out_bill_no,
            state = bill.state,
            "notification"
        );
        Some(bill)
    }
}

impl From<PayError> for BillError {
    fn from(e: PayError) -> Self {
        match e {
            PayError::Unknown(e) => BillError::Unavailable(e),
            PayError::Refused { status, code, message } => BillError::Refused { status, code, message },
        }
    }
}

/// Whether `timestamp` (unix seconds, as WeChat Pay sends it) is within the window of `now`.
fn fresh(timestamp: &str, now: i64) -> bool {
    timestamp.trim().parse::<i64>().is_ok_and(|ts| (now - ts).abs() <= SIGNATURE_WINDOW_SECS)
}

/// The plain bill: gunzipped when it is a gzip stream (we ask for GZIP), as it is otherwise.
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, BillError> {
    use std::io::Read as _;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes.to_vec());
    }
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BILL_BYTES + 1)
        .read_to_end(&mut plain)
        .map_err(|e| BillError::Malformed(format!("账单文件无法解压：{e}")))?;
    if plain.len() as u64 > MAX_BILL_BYTES {
        return Err(BillError::Malformed(format!("账单文件解压后超过 {} MiB", MAX_BILL_BYTES >> 20)));
    }
    Ok(plain)
}

/// AEAD_AES_256_GCM of a notification's resource: base64 of ciphertext followed by the tag.
pub fn decrypt(key: &[u8], nonce: &str, associated_data: &str, ciphertext_b64: &str) -> Option<Vec<u8>> {
    let key = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).ok()?);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).ok()?;
    let mut data = B64.decode(ciphertext_b64).ok()?;
    let plain = key.open_in_place(nonce, aead::Aad::from(associated_data.as_bytes()), &mut data).ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_means_no_bill_with_a_400_or_a_404() {
        let refused = |status: u16, code: &str| PayError::Refused { status, code: code.into(), message: String::new() };
        assert!(refused(400, "NOT_FOUND").is_no_such_bill());
        assert!(refused(404, "NOT_FOUND").is_no_such_bill());
        assert!(!refused(400, "PARAM_ERROR").is_no_such_bill());
        assert!(!refused(403, "NOT_FOUND").is_no_such_bill());
        assert!(!PayError::Unknown("NOT_FOUND".into()).is_no_such_bill());
    }

    #[test]
    fn a_timestamp_is_fresh_within_five_minutes_either_way() {
        let now = 1_800_000_000;
        for (ts, ok) in [("1800000000", true), ("1799999700", true), ("1799999699", false), ("1800000300", true)] {
            assert_eq!(fresh(ts, now), ok, "{ts}");
        }
        for bad in ["1800000301", "", "abc", "1.8e9"] {
            assert!(!fresh(bad, now), "{bad:?}");
        }
    }

    #[test]
    fn a_bill_is_gunzipped_only_when_it_is_gzip() {
        use std::io::Write as _;
        let plain = "记账时间,…\r\n".repeat(100);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(plain.as_bytes()).unwrap();
        let zipped = encoder.finish().unwrap();
        assert_eq!(gunzip(&zipped).unwrap(), plain.as_bytes());
        assert_eq!(gunzip(plain.as_bytes()).unwrap(), plain.as_bytes());
        let cut = gunzip(&zipped[..zipped.len() / 2]).unwrap_err();
        assert!(matches!(cut, BillError::Malformed(ref m) if m.starts_with("账单文件无法解压")), "{cut}");
    }

    #[test]
    fn pem_round_trips() {
        let der = vec![1u8, 2, 3, 250, 251, 252];
        let pem = der_to_pem("PUBLIC KEY", &der);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(pem_to_der(&pem).unwrap(), der);
        assert!(pem_to_der("-----BEGIN X-----\n-----END X-----").is_err());
    }

    #[test]
    fn notifications_decrypt_and_refuse_tampering() {
        let key = b"0123456789abcdef0123456789abcdef";
        let sealing = aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, key).unwrap());
        let mut data = br#"{"out_bill_no":"GW1A1","state":"SUCCESS"}"#.to_vec();
        let nonce = "abcdefghijkl";
        sealing
            .seal_in_place_append_tag(
                aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap(),
                aead::Aad::from(b"mch_payment"),
                &mut data,
            )
            .unwrap();
        let ct = B64.encode(&data);
        let plain = decrypt(key, nonce, "mch_payment", &ct).unwrap();
        assert_eq!(plain, br#"{"out_bill_no":"GW1A1","state":"SUCCESS"}"#);
        assert!(decrypt(key, nonce, "other", &ct).is_none(), "the associated data is authenticated");
        assert!(decrypt(b"0123456789abcdef0123456789abcdeX", nonce, "mch_payment", &ct).is_none());
    }
}
