//! WeChat Pay API v3, transfer bills (商家转账, the current API; the 2019 "enterprise payment to
//! balance" is retired): create a bill, query it by our order number, list a day's bills for the
//! reconciliation, and read the signed, encrypted result notifications.
//!
//! Every request is signed with the merchant's private key (`WECHATPAY2-SHA256-RSA2048`); every
//! answer and notification is checked against WeChat Pay's public key, and an answer that does
//! not verify is an unknown outcome, never a result.

use anyhow::Context as _;
use aws_lc_rs::rand::SecureRandom;
use aws_lc_rs::{aead, rand, rsa, signature};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::header::HeaderMap;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::config::PayConfig;

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

#[derive(Deserialize)]
struct Bills {
    bills: Vec<Bill>,
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

    /// Checks `Wechatpay-Signature` over `timestamp\nnonce\nbody\n` with WeChat Pay's key.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        let (timestamp, nonce, sig) =
            (header("Wechatpay-Timestamp"), header("Wechatpay-Nonce"), header("Wechatpay-Signature"));
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

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Option<Vec<u8>>, PayError> {
        let url =
            self.config.base_url.join(path.trim_start_matches('/')).map_err(|e| PayError::Unknown(e.to_string()))?;
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let body_text = body.clone().unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), url)
            .header("Authorization", self.authorization(method.as_str(), &path_and_query, &body_text))
            .header("Accept", "application/json")
            .header("Wechatpay-Serial", &self.config.public_key_id);
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body);
        }
        let response = request.send().await.map_err(|e| PayError::Unknown(format!("{e}")))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(|e| PayError::Unknown(format!("{e}")))?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status.is_server_error() {
            return Err(PayError::Unknown(format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes))));
        }
        if !status.is_success() {
            let answer: ErrorAnswer = serde_json::from_slice(&bytes)
                .unwrap_or(ErrorAnswer { code: format!("HTTP_{}", status.as_u16()), message: String::new() });
            if answer.code == "SYSTEM_ERROR" || answer.code == "SYSTEMERROR" || answer.code == "FREQUENCY_LIMITED" {
                return Err(PayError::Unknown(answer.code));
            }
            return Err(PayError::Refused { status: status.as_u16(), code: answer.code, message: answer.message });
        }
        if !self.verify(&headers, &bytes) {
            return Err(PayError::Unknown("the answer's signature does not verify".into()));
        }
        Ok(Some(bytes.to_vec()))
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

    /// The bill of our order number; `None` when WeChat Pay has none.
    pub async fn query(&self, out_bill_no: &str) -> Result<Option<Bill>, PayError> {
        let path = format!("v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}");
        match self.call(reqwest::Method::GET, &path, None).await? {
            None => Ok(None),
            Some(bytes) => {
                serde_json::from_slice(&bytes).map(Some).map_err(|e| PayError::Unknown(format!("unreadable bill: {e}")))
            }
        }
    }

    /// Every bill WeChat Pay created on `day` (YYYY-MM-DD).
    pub async fn bills_of(&self, day: &str) -> Result<Vec<Bill>, PayError> {
        let path = format!("v3/fund-app/mch-transfer/bills?bill_date={day}");
        match self.call(reqwest::Method::GET, &path, None).await? {
            None => Ok(Vec::new()),
            Some(bytes) => serde_json::from_slice::<Bills>(&bytes)
                .map(|b| b.bills)
                .map_err(|e| PayError::Unknown(format!("unreadable bills: {e}"))),
        }
    }

    /// A result notification: verified, decrypted, read. `None` for anything that is not a
    /// genuine transfer result.
    pub fn notification(&self, headers: &HeaderMap, body: &[u8]) -> Option<Bill> {
        if !self.verify(headers, body) {
            tracing::warn!("a WeChat Pay notification with a bad signature");
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
