//! WeChat Pay API v3, transfer bills (商家转账), as `api.mch.weixin.qq.com` answers it: a
//! merchant creates a bill for a user's openid, the user confirms the receipt in WeChat, and
//! WeChat Pay posts the final state, signed and encrypted, to the bill's `notify_url`.
//!
//! Signatures, both ways:
//! - every request carries `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
//!   signature="…",timestamp="…",serial_no="…"`, the signature being base64 RSA-SHA256
//!   (PKCS#1 v1.5) with the merchant's private key over
//!   `"{METHOD}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n"`. The header must always be
//!   well formed and name [`SandboxConfig::pay_mch_id`](crate::SandboxConfig::pay_mch_id);
//!   when the sandbox was given the merchant's public key it also checks the serial
//!   ([`MERCHANT_SERIAL`]), the timestamp (within [`MAX_SKEW_SECS`]) and the signature. A
//!   refusal is HTTP 401 `{"code": "SIGN_ERROR", "message"}`;
//! - every answer and notification carries `Wechatpay-Timestamp`, `Wechatpay-Nonce`,
//!   `Wechatpay-Serial` ([`PLATFORM_SERIAL`]) and `Wechatpay-Signature`, base64 RSA-SHA256 with
//!   the platform's private key over `"{timestamp}\n{nonce}\n{body}\n"`. The platform key pair
//!   is generated when the sandbox starts; `GET /sandbox/pay/config` serves its public half.
//!
//! Partner API (what gpet's client calls):
//! - `POST /v3/fund-app/mch-transfer/transfer-bills` `{appid, out_bill_no, transfer_scene_id:
//!   "1000", openid, user_name?, transfer_amount, transfer_remark, notify_url,
//!   user_recv_perception?, transfer_scene_report_infos}` → `{out_bill_no, transfer_bill_no,
//!   create_time, state, package_info?, fail_reason?}`. `user_name` is base64 RSA-OAEP(SHA-1)
//!   with the platform's public key, and then header `Wechatpay-Serial` must name
//!   [`PLATFORM_SERIAL`]. The same `out_bill_no` with the same parameters (the name compared
//!   decrypted) answers the same bill in its current state; with other parameters it is 400
//!   `PARAM_ERROR` and a recorded conflict. Bad parameters are 400 `PARAM_ERROR` naming the
//!   field. `notify_url` may be `http:` here (WeChat Pay wants `https:`).
//! - `GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}` → the bill
//!   `{mch_id, out_bill_no, transfer_bill_no, appid, state, transfer_amount, transfer_remark,
//!   fail_reason?, openid, create_time, update_time}`, or 404 `NOT_FOUND`.
//! - `GET /v3/bill/fundflowbill?bill_date=YYYY-MM-DD&account_type=BASIC|OPERATION|FEES&tar_type=GZIP`
//!   (申请资金账单) → `{hash_type: "SHA1", hash_value, download_url}`, hash_value being the SHA-1 of
//!   the plain (not gzipped) file. The sandbox's merchant moves money in its operation account
//!   only: every bill that reaches SUCCESS is a 支出 flow there (业务名称 and 业务类型 企业付款,
//!   业务凭证号 the out_bill_no, 微信支付业务单号 the transfer_bill_no), a bill forced away from
//!   SUCCESS a 收入 flow back (企业付款退回); the balance starts at [`OPENING_BALANCE_FEN`]. Errors
//!   are 400 `{code, message}`: `NO_STATEMENT_EXIST` for a day (or another account) without
//!   flows, `STATEMENT_CREATING` for today (a day's bill exists from the next day, Beijing
//!   time), `INVALID_REQUEST` for a day after today or more than [`BILL_DAYS_KEPT`] days ago,
//!   `PARAM_ERROR` for bad parameters.
//! - `GET {download_url}` = `/v3/billdownload/file?token=…[&tartype=gzip]`, signed like any
//!   request (over that path and query), within [`DOWNLOAD_VALID_FOR`] and once: the file's bytes,
//!   gzipped when `tar_type=GZIP` was asked, without signature headers; an unknown, used or
//!   expired token is 400 `INVALID_REQUEST`. The download URL is on the host the application
//!   was sent to. The file: the header `记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,
//!   收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号`, one line per flow with
//!   every value after a backtick, then `资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额` and its
//!   backticked line, CRLF line ends.
//!
//! A bill reaching SUCCESS, FAIL or CANCELLED is notified at once: POST to its `notify_url` with
//! `{id, create_time, resource_type: "encrypt-resource", event_type:
//! "MCHTRANSFER.BILL.FINISHED", summary, resource: {original_type: "mch_payment", algorithm:
//! "AEAD_AES_256_GCM", ciphertext, associated_data: "mch_payment", nonce}}`, the ciphertext being
//! base64 of AES-256-GCM (APIv3 key, 12-character nonce) ciphertext followed by its tag, over
//! `{out_bill_no, transfer_bill_no, state, mch_id, transfer_amount, openid, fail_reason?,
//! create_time, update_time}`. Any 2xx answer is a delivery; otherwise the same notification is
//! posted again up to [`NOTIFY_RETRIES`] times, [`NOTIFY_RETRY_EVERY`] apart. Every attempt is
//! recorded.
//!
//! Fund-flow faults, one taken from their own queue by each application for a bill:
//! `creating` (STATEMENT_CREATING whatever the day), `not_found` (a bare 404, as for a route
//! WeChat Pay does not have), `wrong_hash` (hash_value is not the file's), `malformed` (the
//! summary line disagrees with the flows; the hash is that file's), `corrupt_gzip` (the served
//! bytes are cut short), `download_not_found` (the download answers 404), `foreign_host` (the
//! download URL names another host).
//!
//! Faults, one taken from the queue by each create that makes a new bill (a repeat of a known
//! `out_bill_no` answers that bill and leaves the queue alone): `accept` (the default:
//! WAIT_USER_CONFIRM), `timeout_after_accept` (the bill is made, the answer comes after
//! [`TIMEOUT_AFTER_ACCEPT`]), `system_error` (500 `SYSTEM_ERROR`, no bill), `processing_then_fail`
//! (PROCESSING, then after [`PROCESSING_FOR`] FAIL `TRANSFER_RISK`), `not_enough` (403
//! `NOT_ENOUGH`, no bill), `name_mismatch` (FAIL `NAME_NOT_CORRECT` at once), `auto_confirm`
//! (SUCCESS at once), `unsigned_refusal` (the bill is made as by `accept`, but the create is
//! answered 400 `INVALID_REQUEST` and the bill's first query 404 `NOT_FOUND`, both without
//! signature headers: answers WeChat Pay did not make — it signs every answer of these APIs —
//! as a proxy or someone in the path might give). Besides the faults, a name registered for the
//! openid that differs from the decrypted `user_name` makes the bill FAIL `NAME_NOT_CORRECT` at
//! once.
//!
//! The sandbox's own routes:
//! - `GET /sandbox/pay/config` → `{mch_id, app_id, serial, wechatpay_public_key_pem,
//!   api_v3_key, merchant_serial_no, verifies_signatures}`, for the local setup;
//! - `PUT /sandbox/pay/merchant-key` `{"public_key_pem", "serial_no"?}` — the merchant's public
//!   key (the local stack makes its key pair at start); requests are checked against it;
//! - `GET`/`POST`/`DELETE /sandbox/pay/faults` — POST `{"next": [fault…]}` replaces the queue,
//!   DELETE empties it; each answers `{"next"}`;
//! - `GET /sandbox/pay/bills[?out_bill_no=]` → `{"bills", "notifications": [{out_bill_no, state,
//!   status, at, attempt, id, error}]}` (`status` null when gpet could not be reached);
//! - `POST /sandbox/pay/confirm` `{"out_bill_no", "cancel"?: bool}` — the user confirms
//!   (SUCCESS) or declines (CANCELLED) a bill waiting for them (409 otherwise);
//! - `GET /sandbox/pay/confirm/{out_bill_no}` — the same as a zh-CN page with two buttons (which
//!   POST the form to the same path);
//! - `POST /sandbox/pay/bills/{out_bill_no}/state` `{"state", "fail_reason"?}` forces a state
//!   (FAIL without a reason gets `OTHER_FAIL_REASON_TYPE`);
//! - `POST /sandbox/pay/bills/{out_bill_no}/notify` `{"age_secs"?}` posts the notification of the
//!   bill's (final) state once more, signed as if `age_secs` ago (`Wechatpay-Timestamp` that far
//!   in the past: a replay of an old notification), and answers `{"status"}` (gpet's HTTP
//!   status) or 409 when the bill is not final;
//! - `GET /sandbox/pay/names`, `GET`/`PUT /sandbox/pay/names/{openid}` `{"name"}` — the real
//!   names WeChat knows for openids;
//! - `GET /sandbox/pay/conflicts` → `{"conflicts": [{out_bill_no, fields, at}]}`;
//! - `GET /sandbox/pay/fund-flow` → `{today_ready, balance_fen, next, flows}`; `PUT` `{"today_ready":
//!   bool}` — whether today's bill is served now (the flows so far, as if the day had ended)
//!   instead of STATEMENT_CREATING, for tests that pay and reconcile within one day;
//! - `GET`/`POST`/`DELETE /sandbox/pay/fund-flow/faults` — POST `{"next": [fault…]}` replaces the
//!   fund-flow fault queue, DELETE empties it; each answers `{"next"}`;
//! - `GET /sandbox/pay/fund-flow/{day}` — the plain file of that day's operation account (404
//!   without flows), for people.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair as _};
use aws_lc_rs::{aead, rsa};
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{SandboxConfig, SandboxState, html};

/// The merchant number when none is configured.
pub const DEFAULT_MCH_ID: &str = "1900000109";

/// The APIv3 key when none is configured (32 ASCII bytes).
pub const DEFAULT_API_V3_KEY: &str = "sandboxapiv3key0123456789abcdefg";

/// The serial of the merchant's API certificate, as requests must name it when signatures are
/// checked.
pub const MERCHANT_SERIAL: &str = "SANDBOXMERCHANTSERIAL";

/// The id of WeChat Pay's public key (微信支付公钥 ID): `Wechatpay-Serial` of answers and
/// notifications, and of requests that carry encrypted fields.
pub const PLATFORM_SERIAL: &str = "PUB_KEY_ID_SANDBOX";

/// The authorization scheme of requests.
pub const AUTH_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// How far a request's timestamp may be from now, either way, when signatures are checked.
pub const MAX_SKEW_SECS: i64 = 300;

/// The only transfer scene the sandbox's merchant has (现金营销).
pub const TRANSFER_SCENE_ID: &str = "1000";

/// How long `timeout_after_accept` holds the answer.
pub const TIMEOUT_AFTER_ACCEPT: Duration = Duration::from_secs(15);

/// How long `processing_then_fail` keeps a bill in PROCESSING.
pub const PROCESSING_FOR: Duration = Duration::from_secs(1);

/// How many times a notification that was not answered 2xx is posted again.
pub const NOTIFY_RETRIES: u32 = 3;

/// The pause before each repeat of a notification.
pub const NOTIFY_RETRY_EVERY: Duration = Duration::from_secs(1);

/// How long one notification post may take.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);

/// The `fail_reason` of a bill forced to FAIL without one.
pub const DEFAULT_FAIL_REASON: &str = "OTHER_FAIL_REASON_TYPE";

/// How many notification attempts and conflicts are remembered; the oldest are dropped first.
pub const MAX_RECORDS: usize = 5000;

/// The report infos scene 1000 requires.
const REQUIRED_REPORT_INFOS: [&str; 2] = ["活动名称", "奖励说明"];

/// What scene 1000 lets the user see the money as.
const RECV_PERCEPTIONS: [&str; 2] = ["活动奖励", "现金奖励"];

/// The operation account's balance before the sandbox's first flow (¥1,000,000.00).
pub const OPENING_BALANCE_FEN: i64 = 100_000_000;

/// How long a fund-flow bill's download URL works (once).
pub const DOWNLOAD_VALID_FOR: Duration = Duration::from_secs(30);

/// How far back fund-flow bills can be applied for.
pub const BILL_DAYS_KEPT: i64 = 90;

/// The account transfers are paid from (运营账户).
pub const TRANSFER_ACCOUNT: &str = "OPERATION";

/// 业务名称 of a transfer's flows.
const TRANSFER_BUSINESS: &str = "企业付款";

/// The header of a fund-flow bill, and of its summary.
const FUND_FLOW_HEADER: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号";
const FUND_FLOW_SUMMARY_HEADER: &str = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额";

const MAX_REMARK_CHARS: usize = 32;
const NOTIFICATION_AAD: &str = "mch_payment";

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new()
        .route("/v3/fund-app/mch-transfer/transfer-bills", post(create_bill))
        .route("/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}", get(query_bill))
        .route("/v3/bill/fundflowbill", get(apply_for_fund_flow_bill))
        .route("/v3/billdownload/file", get(download_bill))
        .route("/sandbox/pay/config", get(show_config))
        .route("/sandbox/pay/merchant-key", put(set_merchant_key))
        .route("/sandbox/pay/faults", get(show_faults).post(set_faults).delete(clear_faults))
        .route("/sandbox/pay/bills", get(list_bills))
        .route("/sandbox/pay/bills/{out_bill_no}/state", post(force_state))
        .route("/sandbox/pay/bills/{out_bill_no}/notify", post(notify_again))
        .route("/sandbox/pay/confirm", post(confirm))
        .route("/sandbox/pay/confirm/{out_bill_no}", get(confirm_page).post(confirm_form))
        .route("/sandbox/pay/names", get(list_names))
        .route("/sandbox/pay/names/{openid}", get(show_name).put(put_name))
        .route("/sandbox/pay/conflicts", get(list_conflicts))
        .route("/sandbox/pay/fund-flow", get(show_fund_flow).put(set_fund_flow))
        .route(
            "/sandbox/pay/fund-flow/faults",
            get(show_statement_faults).post(set_statement_faults).delete(clear_statement_faults),
        )
        .route("/sandbox/pay/fund-flow/{day}", get(fund_flow_file_page))
}

// ---------------------------------------------------------------------------------------------
// Keys and signatures

/// The DER inside a PEM block (any label); `None` when there is no base64 body.
pub fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String =
        pem.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with("-----")).collect();
    if body.is_empty() {
        return None;
    }
    B64.decode(body).ok()
}

/// A PEM block of `label` around `der`, 64 characters a line.
pub fn der_to_pem(label: &str, der: &[u8]) -> String {
    let encoded = B64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The DER of a merchant's RSA public key in PEM; `what` names where it came from.
fn merchant_key(pem: &str, what: &str) -> anyhow::Result<Vec<u8>> {
    let der = pem_to_der(pem).with_context(|| format!("{what} is not a PEM block"))?;
    rsa::PublicKey::from_der(&der).map_err(|error| anyhow::anyhow!("{what} is not an RSA public key: {error}"))?;
    Ok(der)
}

/// WeChat Pay's keys: the platform key pair (signs answers and notifications, decrypts names),
/// the merchant's public key when given, and the APIv3 key.
pub(crate) struct PayKeys {
    platform: signature::RsaKeyPair,
    names: rsa::OaepPrivateDecryptingKey,
    platform_public_pem: String,
    /// SPKI (or PKCS#1) DER; set at start or later by `PUT /sandbox/pay/merchant-key`.
    merchant_public: std::sync::RwLock<Option<Vec<u8>>>,
    api_v3_key: aead::LessSafeKey,
}

impl PayKeys {
    /// Generates the platform key pair and reads the merchant's keys from `config`.
    pub(crate) fn new(config: &SandboxConfig) -> anyhow::Result<Self> {
        let platform = rsa::KeyPair::generate(rsa::KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("cannot generate WeChat Pay's platform key pair"))?;
        let pkcs8: Pkcs8V1Der<'static> =
            platform.as_der().map_err(|_| anyhow::anyhow!("cannot export the platform private key"))?;
        let names = rsa::PrivateDecryptingKey::from_pkcs8(pkcs8.as_ref())
            .ok()
            .and_then(|key| rsa::OaepPrivateDecryptingKey::new(key).ok())
            .context("cannot make the platform key an OAEP decrypting key")?;
        let spki: PublicKeyX509Der<'static> =
            platform.public_key().as_der().map_err(|_| anyhow::anyhow!("cannot export the platform public key"))?;
        let platform_public_pem = der_to_pem("PUBLIC KEY", spki.as_ref());
        let merchant_public = match config.pay_merchant_public_key_pem.as_deref() {
            // Named as main.rs reads it, so that a bad setting says where it came from.
            Some(pem) => {
                Some(merchant_key(pem, "the merchant public key (GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_PEM or _FILE)")?)
            }
            None => None,
        };
        let merchant_public = std::sync::RwLock::new(merchant_public);
        anyhow::ensure!(
            config.pay_api_v3_key.len() == 32,
            "the APIv3 key must be 32 bytes, not {}",
            config.pay_api_v3_key.len()
        );
        let api_v3_key = aead::UnboundKey::new(&aead::AES_256_GCM, config.pay_api_v3_key.as_bytes())
            .map(aead::LessSafeKey::new)
            .map_err(|_| anyhow::anyhow!("the APIv3 key is not an AES-256 key"))?;
        Ok(Self { platform, names, platform_public_pem, merchant_public, api_v3_key })
    }

    /// Whether requests' signatures are checked (the merchant's key was given).
    pub(crate) fn verifies_signatures(&self) -> bool {
        self.merchant_public.read().expect("the merchant key lock is never poisoned").is_some()
    }

    /// Sets the merchant's public key (the local stack makes its merchant key pair at start).
    fn set_merchant_public(&self, der: Vec<u8>) {
        *self.merchant_public.write().expect("the merchant key lock is never poisoned") = Some(der);
    }

    /// Base64 RSA-SHA256 (PKCS#1 v1.5) of `message` with the platform's private key.
    fn sign(&self, message: &[u8]) -> String {
        let mut signature = vec![0; self.platform.public_modulus_len()];
        self.platform
            .sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
            .expect("signing with a generated RSA key works");
        B64.encode(signature)
    }

    /// Whether base64 `signature` is the merchant's over `message`; `None` when the sandbox was
    /// given no merchant key.
    fn verify_merchant(&self, message: &[u8], signature: &str) -> Option<bool> {
        let guard = self.merchant_public.read().expect("the merchant key lock is never poisoned");
        let key = guard.as_deref()?;
        let Ok(signature) = B64.decode(signature) else { return Some(false) };
        Some(
            signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key)
                .verify(message, &signature)
                .is_ok(),
        )
    }

    /// The UTF-8 text of base64 RSA-OAEP(SHA-1) `ciphertext` made with the platform's public key.
    fn decrypt_name(&self, ciphertext: &str) -> Option<String> {
        let ciphertext = B64.decode(ciphertext.trim()).ok()?;
        let mut plaintext = vec![0; self.names.min_output_size()];
        let name = self.names.decrypt(&rsa::OAEP_SHA1_MGF1SHA1, &ciphertext, &mut plaintext, None).ok()?;
        String::from_utf8(name.to_vec()).ok()
    }

    /// Base64 of AES-256-GCM ciphertext followed by the tag.
    fn seal(&self, nonce: &str, associated_data: &str, plaintext: &[u8]) -> String {
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce.as_bytes()).expect("the nonce is 12 bytes");
        let mut data = plaintext.to_vec();
        self.api_v3_key
            .seal_in_place_append_tag(nonce, aead::Aad::from(associated_data.as_bytes()), &mut data)
            .expect("AES-GCM sealing works");
        B64.encode(data)
    }
}

/// `"{timestamp}\n{nonce}\n{body}\n"`, what answers and notifications are signed over.
fn answer_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

/// `"{METHOD}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n"`, what requests are signed over.
fn request_message(method: &str, path_and_query: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    message
}

fn random_text(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

/// The four headers that sign `body`.
fn signature_headers(keys: &PayKeys, body: &[u8]) -> [(&'static str, String); 4] {
    signature_headers_at(keys, body, Utc::now().timestamp())
}

/// The four headers that sign `body`, as of unix time `at`.
fn signature_headers_at(keys: &PayKeys, body: &[u8], at: i64) -> [(&'static str, String); 4] {
    let timestamp = at.to_string();
    let nonce = random_text(32).to_ascii_uppercase();
    let signature = keys.sign(&answer_message(&timestamp, &nonce, body));
    [
        ("Wechatpay-Timestamp", timestamp),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Serial", PLATFORM_SERIAL.to_owned()),
        ("Wechatpay-Signature", signature),
    ]
}

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorization {
    mchid: String,
    nonce_str: String,
    signature: String,
    timestamp: String,
    serial_no: String,
}

/// Reads `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…`: all five fields, non-empty, once each, and a
/// timestamp of unix seconds.
fn parse_authorization(value: &str) -> Result<Authorization, String> {
    let (scheme, params) = value.trim().split_once(' ').ok_or_else(|| format!("应为 {AUTH_SCHEME} 后接签名参数"))?;
    if scheme != AUTH_SCHEME {
        return Err(format!("认证类型应为 {AUTH_SCHEME}"));
    }
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for part in params.split(',') {
        let (key, quoted) =
            part.trim().split_once('=').ok_or_else(|| format!("{:?} 不是 key=\"value\"", part.trim()))?;
        let value = quoted
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .ok_or_else(|| format!("{key} 的值应在双引号中"))?;
        if fields.insert(key, value).is_some() {
            return Err(format!("{key} 出现了两次"));
        }
    }
    let field = |name: &str| match fields.get(name) {
        Some(value) if !value.is_empty() => Ok((*value).to_owned()),
        _ => Err(format!("缺少 {name}")),
    };
    let authorization = Authorization {
        mchid: field("mchid")?,
        nonce_str: field("nonce_str")?,
        signature: field("signature")?,
        timestamp: field("timestamp")?,
        serial_no: field("serial_no")?,
    };
    if authorization.timestamp.parse::<i64>().is_err() {
        return Err("timestamp 应为 Unix 秒数".to_owned());
    }
    Ok(authorization)
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A signed JSON answer.
fn signed_answer(state: &SandboxState, status: StatusCode, body: &Value) -> Response {
    let body = serde_json::to_vec(body).expect("JSON values serialize");
    let headers = signature_headers(state.pay_keys(), &body);
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    map.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        map.insert(name, HeaderValue::from_str(&value).expect("signature headers are ASCII"));
    }
    map.insert("Request-ID", HeaderValue::from_str(&random_text(32)).expect("alphanumerics are a header value"));
    response
}

/// A signed error answer `{"code", "message"}`.
fn refusal(state: &SandboxState, status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    tracing::info!(status = status.as_u16(), code, "wechat pay refused");
    signed_answer(state, status, &json!({ "code": code, "message": message.into() }))
}

fn param_error(state: &SandboxState, message: impl Into<String>) -> Response {
    refusal(state, StatusCode::BAD_REQUEST, "PARAM_ERROR", message)
}

/// A refusal of one of the sandbox's own routes: `{"error"}`.
fn sandbox_error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Checks the `Authorization` header, and the signature when the sandbox has the merchant's key;
/// a refusal is HTTP 401 `SIGN_ERROR`.
fn authenticate(
    state: &SandboxState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let problem = authentication_problem(state, method, uri, headers, body)?;
    Some(refusal(state, StatusCode::UNAUTHORIZED, "SIGN_ERROR", problem))
}

/// What is wrong with a request's authentication, if anything.
fn authentication_problem(
    state: &SandboxState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<String> {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()) else {
        return Some("缺少 Authorization 请求头".to_owned());
    };
    let authorization = match parse_authorization(value) {
        Ok(authorization) => authorization,
        Err(problem) => return Some(format!("Authorization 格式错误：{problem}")),
    };
    if authorization.mchid != state.config().pay_mch_id {
        return Some(format!("mchid {} 与商户号不符", authorization.mchid));
    }
    if !state.pay_keys().verifies_signatures() {
        return None;
    }
    if authorization.serial_no != MERCHANT_SERIAL {
        return Some(format!("商户证书序列号 {} 无效", authorization.serial_no));
    }
    let timestamp: i64 = authorization.timestamp.parse().unwrap_or_default();
    if (Utc::now().timestamp() - timestamp).abs() > MAX_SKEW_SECS {
        return Some("timestamp 与当前时间相差超过 5 分钟".to_owned());
    }
    let path_and_query = uri.path_and_query().map_or_else(|| uri.path(), |pq| pq.as_str());
    let message =
        request_message(method.as_str(), path_and_query, &authorization.timestamp, &authorization.nonce_str, body);
    if state.pay_keys().verify_merchant(&message, &authorization.signature) != Some(true) {
        return Some("签名错误，请检查签名串与商户私钥".to_owned());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Times

fn beijing_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset")
}

fn beijing(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    time.with_timezone(&beijing_offset())
}

fn rfc3339(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The Beijing (Asia/Shanghai, no daylight saving) date of `time`.
fn beijing_day(time: &DateTime<FixedOffset>) -> NaiveDate {
    time.with_timezone(&beijing_offset()).date_naive()
}

// ---------------------------------------------------------------------------------------------
// Bills

/// A transfer bill's state, as WeChat Pay names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum BillState {
    Accepted,
    Processing,
    WaitUserConfirm,
    Transfering,
    Success,
    Fail,
    Canceling,
    Cancelled,
}

impl BillState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "ACCEPTED",
            Self::Processing => "PROCESSING",
            Self::WaitUserConfirm => "WAIT_USER_CONFIRM",
            Self::Transfering => "TRANSFERING",
            Self::Success => "SUCCESS",
            Self::Fail => "FAIL",
            Self::Canceling => "CANCELING",
            Self::Cancelled => "CANCELLED",
        }
    }

    fn is_final(self) -> bool {
        matches!(self, Self::Success | Self::Fail | Self::Cancelled)
    }

    /// What the confirm page says.
    fn label(self) -> &'static str {
        match self {
            Self::Accepted => "已受理",
            Self::Processing => "处理中",
            Self::WaitUserConfirm => "待确认收款",
            Self::Transfering => "转账中",
            Self::Success => "已收款",
            Self::Fail => "转账失败",
            Self::Canceling => "撤销中",
            Self::Cancelled => "已撤销",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ReportInfo {
    info_type: String,
    info_content: String,
}

/// What a create says about a bill, the name decrypted: a repeat must say the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Params {
    appid: String,
    transfer_scene_id: String,
    openid: String,
    user_name: Option<String>,
    transfer_amount: i64,
    transfer_remark: String,
    notify_url: String,
    user_recv_perception: Option<String>,
    report_infos: Vec<ReportInfo>,
}

impl Params {
    /// The fields in which `other` differs.
    fn differences(&self, other: &Params) -> Vec<&'static str> {
        let mut fields = Vec::new();
        let mut differ = |differs: bool, field: &'static str| {
            if differs {
                fields.push(field);
            }
        };
        differ(self.appid != other.appid, "appid");
        differ(self.transfer_scene_id != other.transfer_scene_id, "transfer_scene_id");
        differ(self.openid != other.openid, "openid");
        differ(self.user_name != other.user_name, "user_name");
        differ(self.transfer_amount != other.transfer_amount, "transfer_amount");
        differ(self.transfer_remark != other.transfer_remark, "transfer_remark");
        differ(self.notify_url != other.notify_url, "notify_url");
        differ(self.user_recv_perception != other.user_recv_perception, "user_recv_perception");
        differ(self.report_infos != other.report_infos, "transfer_scene_report_infos");
        fields
    }
}

#[derive(Debug, Clone)]
struct Bill {
    out_bill_no: String,
    transfer_bill_no: String,
    params: Params,
    state: BillState,
    fail_reason: Option<String>,
    package_info: String,
    created: DateTime<FixedOffset>,
    updated: DateTime<FixedOffset>,
}

impl Bill {
    fn insert_fail_reason(&self, object: &mut Map<String, Value>) {
        if let Some(reason) = &self.fail_reason {
            object.insert("fail_reason".to_owned(), Value::String(reason.clone()));
        }
    }

    /// The answer to a create.
    fn create_answer(&self) -> Value {
        let mut object = Map::new();
        object.insert("out_bill_no".to_owned(), json!(self.out_bill_no));
        object.insert("transfer_bill_no".to_owned(), json!(self.transfer_bill_no));
        object.insert("create_time".to_owned(), json!(rfc3339(&self.created)));
        object.insert("state".to_owned(), json!(self.state.as_str()));
        if self.state == BillState::WaitUserConfirm {
            object.insert("package_info".to_owned(), json!(self.package_info));
        }
        self.insert_fail_reason(&mut object);
        Value::Object(object)
    }

    /// The bill as the query API shows it.
    fn partner_view(&self, mch_id: &str) -> Value {
        let mut object = Map::new();
        object.insert("mch_id".to_owned(), json!(mch_id));
        object.insert("out_bill_no".to_owned(), json!(self.out_bill_no));
        object.insert("transfer_bill_no".to_owned(), json!(self.transfer_bill_no));
        object.insert("appid".to_owned(), json!(self.params.appid));
        object.insert("state".to_owned(), json!(self.state.as_str()));
        object.insert("transfer_amount".to_owned(), json!(self.params.transfer_amount));
        object.insert("transfer_remark".to_owned(), json!(self.params.transfer_remark));
        self.insert_fail_reason(&mut object);
        object.insert("openid".to_owned(), json!(self.params.openid));
        object.insert("create_time".to_owned(), json!(rfc3339(&self.created)));
        object.insert("update_time".to_owned(), json!(rfc3339(&self.updated)));
        Value::Object(object)
    }

    /// The partner view and what only the sandbox shows (the notify URL, the confirm page).
    fn sandbox_view(&self, mch_id: &str, base_url: &str) -> Value {
        let mut view = self.partner_view(mch_id);
        let object = view.as_object_mut().expect("the partner view is an object");
        object.insert("notify_url".to_owned(), json!(self.params.notify_url));
        object.insert("package_info".to_owned(), json!(self.package_info));
        object.insert("confirm_url".to_owned(), json!(format!("{base_url}/sandbox/pay/confirm/{}", self.out_bill_no)));
        view
    }

    /// The plaintext of a notification.
    fn notification_plaintext(&self, mch_id: &str) -> Value {
        let mut object = Map::new();
        object.insert("out_bill_no".to_owned(), json!(self.out_bill_no));
        object.insert("transfer_bill_no".to_owned(), json!(self.transfer_bill_no));
        object.insert("state".to_owned(), json!(self.state.as_str()));
        object.insert("mch_id".to_owned(), json!(mch_id));
        object.insert("transfer_amount".to_owned(), json!(self.params.transfer_amount));
        object.insert("openid".to_owned(), json!(self.params.openid));
        self.insert_fail_reason(&mut object);
        object.insert("create_time".to_owned(), json!(rfc3339(&self.created)));
        object.insert("update_time".to_owned(), json!(rfc3339(&self.updated)));
        Value::Object(object)
    }
}

/// What the next creates do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Fault {
    Accept,
    TimeoutAfterAccept,
    SystemError,
    ProcessingThenFail,
    NotEnough,
    NameMismatch,
    AutoConfirm,
    UnsignedRefusal,
}

#[derive(Debug, Clone, Serialize)]
struct Conflict {
    out_bill_no: String,
    fields: Vec<&'static str>,
    at: String,
}

/// One attempt at delivering a notification.
#[derive(Debug, Clone, Serialize)]
struct Delivery {
    out_bill_no: String,
    state: BillState,
    /// gpet's HTTP status; `None` when it could not be reached.
    status: Option<u16>,
    at: String,
    attempt: u32,
    /// The notification's id (the same on every attempt).
    id: String,
    error: Option<String>,
}

/// What the next applications for a fund-flow bill do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StatementFault {
    Creating,
    NotFound,
    WrongHash,
    Malformed,
    CorruptGzip,
    DownloadNotFound,
    ForeignHost,
}

/// One movement of the operation account.
#[derive(Debug, Clone, Serialize)]
struct Flow {
    #[serde(serialize_with = "serialize_rfc3339")]
    at: DateTime<FixedOffset>,
    transfer_bill_no: String,
    flow_no: String,
    /// 业务类型.
    business_type: &'static str,
    income: bool,
    amount_fen: i64,
    /// 账户结余 after it.
    balance_fen: i64,
    remark: String,
    out_bill_no: String,
}

fn serialize_rfc3339<S: serde::Serializer>(time: &DateTime<FixedOffset>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339(time))
}

/// A file waiting for its download.
#[derive(Debug, Clone)]
struct Download {
    bytes: Vec<u8>,
    until: Instant,
    not_found: bool,
}

/// What a download token gets.
#[derive(Debug, PartialEq, Eq)]
enum Downloaded {
    File(Vec<u8>),
    NotFound,
    /// Unknown, used or expired.
    Invalid,
}

/// What a create came to.
#[derive(Debug)]
enum Created {
    /// A new bill, with the fault it was made under.
    New(Bill, Fault),
    /// The bill of a repeat with the same parameters.
    Existing(Bill),
    /// A repeat with other parameters.
    Conflict(Vec<&'static str>),
    /// A fault that makes no bill.
    Refused(Fault),
}

#[derive(Debug, PartialEq, Eq)]
enum ChangeError {
    Unknown,
    /// The bill is not in the state the change needs; its state.
    WrongState(BillState),
}

/// WeChat Pay's memory: bills (and the order they were made in), faults, names, records.
pub(crate) struct PayState {
    bills: HashMap<String, Bill>,
    order: Vec<String>,
    faults: VecDeque<Fault>,
    names: BTreeMap<String, String>,
    conflicts: VecDeque<Conflict>,
    notifications: VecDeque<Delivery>,
    next_bill: u64,
    /// The operation account's movements, oldest first, and its balance now.
    flows: Vec<Flow>,
    balance_fen: i64,
    statement_faults: VecDeque<StatementFault>,
    today_ready: bool,
    downloads: HashMap<String, Download>,
    /// Bills whose next queries answer an unsigned 404 (`unsigned_refusal`), and how many.
    unsigned_queries: HashMap<String, u32>,
}

fn push_capped<T>(records: &mut VecDeque<T>, record: T) {
    while records.len() >= MAX_RECORDS {
        records.pop_front();
    }
    records.push_back(record);
}

impl PayState {
    pub(crate) fn new() -> Self {
        Self {
            bills: HashMap::new(),
            order: Vec::new(),
            faults: VecDeque::new(),
            names: BTreeMap::new(),
            conflicts: VecDeque::new(),
            notifications: VecDeque::new(),
            next_bill: 0,
            flows: Vec::new(),
            balance_fen: OPENING_BALANCE_FEN,
            statement_faults: VecDeque::new(),
            today_ready: false,
            downloads: HashMap::new(),
            unsigned_queries: HashMap::new(),
        }
    }

    /// Books `bill`'s money out of the operation account (or, `income`, back into it) at `at`.
    fn book(&mut self, bill: &Bill, income: bool, at: DateTime<FixedOffset>) {
        let amount = bill.params.transfer_amount;
        self.balance_fen += if income { amount } else { -amount };
        let flow_no = format!("1900{}{:016}", at.format("%Y%m%d"), self.flows.len() + 1);
        self.flows.push(Flow {
            at,
            transfer_bill_no: bill.transfer_bill_no.clone(),
            flow_no,
            business_type: if income { "企业付款退回" } else { TRANSFER_BUSINESS },
            income,
            amount_fen: amount,
            balance_fen: self.balance_fen,
            remark: bill.params.transfer_remark.clone(),
            out_bill_no: bill.out_bill_no.clone(),
        });
    }

    /// The plain fund-flow bill of `day` (Beijing time): `None` when nothing moved that day.
    /// `tamper` makes its summary disagree with its lines.
    fn fund_flow_file(&self, day: NaiveDate, applicant: &str, tamper: bool) -> Option<String> {
        let flows: Vec<&Flow> = self.flows.iter().filter(|flow| beijing_day(&flow.at) == day).collect();
        if flows.is_empty() {
            return None;
        }
        // Escaped as WeChat Pay escapes line breaks inside a value.
        let value = |text: &str| text.replace('\r', "\\r").replace('\n', "\\n");
        let mut file = format!("{FUND_FLOW_HEADER}\r\n");
        let (mut income, mut income_fen, mut expense, mut expense_fen) = (0, 0, 0, 0);
        for flow in &flows {
            if flow.income {
                income += 1;
                income_fen += flow.amount_fen;
            } else {
                expense += 1;
                expense_fen += flow.amount_fen;
            }
            file.push_str(&format!(
                "`{},`{},`{},`{TRANSFER_BUSINESS},`{},`{},`{},`{},`{applicant},`{},`{}\r\n",
                flow.at.format("%Y-%m-%d %H:%M:%S"),
                flow.transfer_bill_no,
                flow.flow_no,
                flow.business_type,
                if flow.income { "收入" } else { "支出" },
                yuan(flow.amount_fen),
                yuan(flow.balance_fen),
                value(&flow.remark),
                flow.out_bill_no,
            ));
        }
        if tamper {
            expense_fen += 1;
        }
        file.push_str(&format!("{FUND_FLOW_SUMMARY_HEADER}\r\n"));
        file.push_str(&format!(
            "`{},`{income},`{},`{expense},`{}\r\n",
            flows.len(),
            yuan(income_fen),
            yuan(expense_fen)
        ));
        Some(file)
    }

    /// Keeps `bytes` for one download through a new token, within [`DOWNLOAD_VALID_FOR`] of `now`.
    fn offer_download(&mut self, bytes: Vec<u8>, not_found: bool, now: Instant) -> String {
        self.downloads.retain(|_, download| download.until > now);
        let token = random_text(64);
        self.downloads.insert(token.clone(), Download { bytes, until: now + DOWNLOAD_VALID_FOR, not_found });
        token
    }

    /// The file of `token`, once.
    fn take_download(&mut self, token: &str, now: Instant) -> Downloaded {
        match self.downloads.remove(token) {
            Some(download) if download.until <= now => Downloaded::Invalid,
            Some(download) if download.not_found => Downloaded::NotFound,
            Some(download) => Downloaded::File(download.bytes),
            None => Downloaded::Invalid,
        }
    }

    /// A create of `out_bill_no` at `now`: the known bill, a conflict, or the next fault's outcome.
    fn create(&mut self, out_bill_no: &str, params: Params, now: DateTime<FixedOffset>) -> Created {
        if let Some(bill) = self.bills.get(out_bill_no) {
            let fields = bill.params.differences(&params);
            if fields.is_empty() {
                return Created::Existing(bill.clone());
            }
            push_capped(
                &mut self.conflicts,
                Conflict { out_bill_no: out_bill_no.to_owned(), fields: fields.clone(), at: rfc3339(&now) },
            );
            return Created::Conflict(fields);
        }
        let fault = self.faults.pop_front().unwrap_or(Fault::Accept);
        if matches!(fault, Fault::SystemError | Fault::NotEnough) {
            return Created::Refused(fault);
        }
        let registered = self.names.get(&params.openid);
        let wrong_name = fault == Fault::NameMismatch
            || matches!((registered, params.user_name.as_ref()), (Some(known), Some(given)) if known != given);
        let (state, fail_reason) = if wrong_name {
            (BillState::Fail, Some("NAME_NOT_CORRECT".to_owned()))
        } else {
            match fault {
                Fault::ProcessingThenFail => (BillState::Processing, None),
                Fault::AutoConfirm => (BillState::Success, None),
                _ => (BillState::WaitUserConfirm, None),
            }
        };
        self.next_bill += 1;
        let transfer_bill_no =
            format!("1330{}{:010}{:04}", now.format("%Y%m%d"), self.next_bill, rand::rng().random_range(0..10_000));
        let mut package = [0u8; 36];
        rand::rng().fill(&mut package[..]);
        let bill = Bill {
            out_bill_no: out_bill_no.to_owned(),
            transfer_bill_no,
            params,
            state,
            fail_reason,
            package_info: B64.encode(package),
            created: now,
            updated: now,
        };
        self.bills.insert(bill.out_bill_no.clone(), bill.clone());
        self.order.push(bill.out_bill_no.clone());
        if bill.state == BillState::Success {
            self.book(&bill, false, now);
        }
        Created::New(bill, fault)
    }

    /// Moves a bill to `to` (from `from` only, when given).
    fn change(
        &mut self,
        out_bill_no: &str,
        from: Option<BillState>,
        to: BillState,
        fail_reason: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> Result<Bill, ChangeError> {
        let bill = self.bills.get_mut(out_bill_no).ok_or(ChangeError::Unknown)?;
        if from.is_some_and(|from| from != bill.state) {
            return Err(ChangeError::WrongState(bill.state));
        }
        let was = bill.state;
        bill.state = to;
        bill.fail_reason = fail_reason;
        bill.updated = now;
        let bill = bill.clone();
        // The money leaves at SUCCESS; a bill forced away from SUCCESS (never a real WeChat Pay
        // move) gets it back, so that the fund-flow bill and the query tell one story.
        match (was == BillState::Success, to == BillState::Success) {
            (false, true) => self.book(&bill, false, now),
            (true, false) => self.book(&bill, true, now),
            _ => {}
        }
        Ok(bill)
    }
}

// ---------------------------------------------------------------------------------------------
// Notifications

/// The body of `bill`'s notification, and its id.
fn notification_body(state: &SandboxState, bill: &Bill) -> (Vec<u8>, String) {
    let mch_id = state.config().pay_mch_id.clone();
    let plaintext = serde_json::to_vec(&bill.notification_plaintext(&mch_id)).expect("JSON values serialize");
    let nonce = random_text(12);
    let id = notification_id();
    let body = json!({
        "id": id,
        "create_time": rfc3339(&beijing(Utc::now())),
        "resource_type": "encrypt-resource",
        "event_type": "MCHTRANSFER.BILL.FINISHED",
        "summary": "商家转账单据终态通知",
        "resource": {
            "original_type": NOTIFICATION_AAD,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": state.pay_keys().seal(&nonce, NOTIFICATION_AAD, &plaintext),
            "associated_data": NOTIFICATION_AAD,
            "nonce": nonce,
        },
    });
    (serde_json::to_vec(&body).expect("JSON values serialize"), id)
}

/// Posts `bill`'s notification to its `notify_url`, again on failure, recording each attempt.
async fn notify(state: SandboxState, bill: Bill) {
    let (body, id) = notification_body(&state, &bill);
    for attempt in 1..=NOTIFY_RETRIES + 1 {
        let mut request = state
            .http()
            .post(&bill.params.notify_url)
            .timeout(NOTIFY_TIMEOUT)
            .header(header::CONTENT_TYPE, "application/json");
        for (name, value) in signature_headers(state.pay_keys(), &body) {
            request = request.header(name, value);
        }
        let (status, error) = match request.body(body.clone()).send().await {
            Ok(response) => {
                let status = response.status();
                let error = (!status.is_success()).then(|| format!("HTTP {}", status.as_u16()));
                (Some(status.as_u16()), error)
            }
            Err(error) => (None, Some(crate::robot::error_chain(&error))),
        };
        let delivered = error.is_none();
        tracing::info!(out_bill_no = %bill.out_bill_no, state = bill.state.as_str(), attempt, ?status, "wechat pay notification");
        push_capped(
            &mut state.pay().notifications,
            Delivery {
                out_bill_no: bill.out_bill_no.clone(),
                state: bill.state,
                status,
                at: rfc3339(&beijing(Utc::now())),
                attempt,
                id: id.clone(),
                error,
            },
        );
        if delivered {
            return;
        }
        if attempt <= NOTIFY_RETRIES {
            tokio::time::sleep(NOTIFY_RETRY_EVERY).await;
        }
    }
    tracing::warn!(out_bill_no = %bill.out_bill_no, "wechat pay notification given up");
}

/// A UUID-shaped random id, as WeChat Pay's notification ids look.
fn notification_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Notifies `bill` in the background when its state is final.
fn notify_if_final(state: &SandboxState, bill: &Bill) {
    if bill.state.is_final() {
        tokio::spawn(notify(state.clone(), bill.clone()));
    }
}

// ---------------------------------------------------------------------------------------------
// Partner API

#[derive(Debug, Deserialize)]
struct CreateRequest {
    appid: Option<String>,
    out_bill_no: Option<String>,
    transfer_scene_id: Option<String>,
    openid: Option<String>,
    user_name: Option<String>,
    transfer_amount: Option<i64>,
    transfer_remark: Option<String>,
    notify_url: Option<String>,
    user_recv_perception: Option<String>,
    transfer_scene_report_infos: Option<Vec<ReportInfo>>,
}

/// Checks a create's parameters (all but the name, still encrypted) and answers the bill number
/// and the parameters.
fn check_create(request: CreateRequest, app_id: &str) -> Result<(String, Params), String> {
    fn required(value: Option<String>, field: &str) -> Result<String, String> {
        value.filter(|value| !value.trim().is_empty()).ok_or_else(|| format!("缺少参数 {field}"))
    }
    let out_bill_no = required(request.out_bill_no, "out_bill_no")?;
    if !(5..=32).contains(&out_bill_no.len()) || !out_bill_no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("out_bill_no 应为 5 到 32 位数字或大小写字母".to_owned());
    }
    let appid = required(request.appid, "appid")?;
    if appid != app_id {
        return Err(format!("appid {appid} 与商户号未绑定"));
    }
    let transfer_scene_id = required(request.transfer_scene_id, "transfer_scene_id")?;
    if transfer_scene_id != TRANSFER_SCENE_ID {
        return Err(format!("转账场景 {transfer_scene_id} 未开通，沙箱商户只有 {TRANSFER_SCENE_ID}"));
    }
    let openid = required(request.openid, "openid")?;
    let transfer_amount = request.transfer_amount.ok_or("缺少参数 transfer_amount")?;
    if transfer_amount < 1 {
        return Err("transfer_amount 应为正整数（分）".to_owned());
    }
    let transfer_remark = required(request.transfer_remark, "transfer_remark")?;
    if transfer_remark.chars().count() > MAX_REMARK_CHARS {
        return Err(format!("transfer_remark 最多 {MAX_REMARK_CHARS} 个字符"));
    }
    let notify_url = required(request.notify_url, "notify_url")?;
    match url::Url::parse(&notify_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => return Err("notify_url 应为 http(s) 地址".to_owned()),
    }
    let user_recv_perception = request.user_recv_perception.filter(|value| !value.is_empty());
    if let Some(perception) = &user_recv_perception
        && !RECV_PERCEPTIONS.contains(&perception.as_str())
    {
        return Err(format!("user_recv_perception 应为 {} 之一", RECV_PERCEPTIONS.join("、")));
    }
    let report_infos = request.transfer_scene_report_infos.unwrap_or_default();
    if report_infos.iter().any(|info| info.info_type.trim().is_empty() || info.info_content.trim().is_empty()) {
        return Err("transfer_scene_report_infos 的 info_type 与 info_content 不能为空".to_owned());
    }
    for needed in REQUIRED_REPORT_INFOS {
        if !report_infos.iter().any(|info| info.info_type == needed) {
            return Err(format!("转账场景 {TRANSFER_SCENE_ID} 须报备 {needed}"));
        }
    }
    let params = Params {
        appid,
        transfer_scene_id,
        openid,
        user_name: request.user_name.filter(|value| !value.is_empty()),
        transfer_amount,
        transfer_remark,
        notify_url,
        user_recv_perception,
        report_infos,
    };
    Ok((out_bill_no, params))
}

async fn create_bill(
    State(state): State<SandboxState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = authenticate(&state, &method, &uri, &headers, &body) {
        return refused;
    }
    let request: CreateRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return param_error(&state, format!("请求体不是有效的 JSON：{error}")),
    };
    let (out_bill_no, mut params) = match check_create(request, &state.config().app_id) {
        Ok(checked) => checked,
        Err(problem) => return param_error(&state, problem),
    };
    if let Some(ciphertext) = params.user_name.take() {
        let serial = headers.get("Wechatpay-Serial").and_then(|value| value.to_str().ok());
        if serial != Some(PLATFORM_SERIAL) {
            return param_error(&state, format!("含加密字段的请求须以 Wechatpay-Serial 指明 {PLATFORM_SERIAL}"));
        }
        match state.pay_keys().decrypt_name(&ciphertext) {
            Some(name) => params.user_name = Some(name),
            None => return param_error(&state, "user_name 解密失败，请用微信支付公钥以 RSA-OAEP 加密"),
        }
    }
    let now = beijing(Utc::now());
    let created = state.pay().create(&out_bill_no, params, now);
    match created {
        Created::Existing(bill) => {
            tracing::info!(%out_bill_no, state = bill.state.as_str(), "transfer bill created again");
            signed_answer(&state, StatusCode::OK, &bill.create_answer())
        }
        Created::Conflict(fields) => {
            tracing::warn!(%out_bill_no, ?fields, "transfer bill created again with other parameters");
            param_error(&state, format!("商户单号 {out_bill_no} 已存在，且参数不一致：{}", fields.join(", ")))
        }
        Created::Refused(Fault::NotEnough) => {
            refusal(&state, StatusCode::FORBIDDEN, "NOT_ENOUGH", "商户运营账户资金不足")
        }
        Created::Refused(_) => {
            refusal(&state, StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", "系统错误，请使用相同参数稍后重新调用")
        }
        Created::New(bill, fault) => {
            tracing::info!(%out_bill_no, state = bill.state.as_str(), ?fault, "transfer bill created");
            notify_if_final(&state, &bill);
            if fault == Fault::UnsignedRefusal {
                state.pay().unsigned_queries.insert(out_bill_no.clone(), 1);
                let body = json!({"code": "INVALID_REQUEST", "message": "请求无效"});
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
            if bill.state == BillState::Processing {
                let state = state.clone();
                let out_bill_no = out_bill_no.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(PROCESSING_FOR).await;
                    let now = beijing(Utc::now());
                    let changed = state.pay().change(
                        &out_bill_no,
                        Some(BillState::Processing),
                        BillState::Fail,
                        Some("TRANSFER_RISK".to_owned()),
                        now,
                    );
                    if let Ok(bill) = changed {
                        notify_if_final(&state, &bill);
                    }
                });
            }
            if fault == Fault::TimeoutAfterAccept {
                tokio::time::sleep(TIMEOUT_AFTER_ACCEPT).await;
                let current = state.pay().bills.get(&out_bill_no).cloned().unwrap_or(bill);
                return signed_answer(&state, StatusCode::OK, &current.create_answer());
            }
            signed_answer(&state, StatusCode::OK, &bill.create_answer())
        }
    }
}

async fn query_bill(
    State(state): State<SandboxState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Path(out_bill_no): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = authenticate(&state, &method, &uri, &headers, &body) {
        return refused;
    }
    let bill = {
        let mut pay = state.pay();
        match pay.unsigned_queries.get_mut(&out_bill_no) {
            Some(n) if *n > 0 => {
                *n -= 1;
                let body = json!({"code": "NOT_FOUND", "message": "记录不存在"});
                return (StatusCode::NOT_FOUND, Json(body)).into_response();
            }
            _ => pay.bills.get(&out_bill_no).cloned(),
        }
    };
    match bill {
        Some(bill) => signed_answer(&state, StatusCode::OK, &bill.partner_view(&state.config().pay_mch_id)),
        None => refusal(&state, StatusCode::NOT_FOUND, "NOT_FOUND", "记录不存在"),
    }
}

#[derive(Debug, Deserialize)]
struct FundFlowQuery {
    bill_date: Option<String>,
    account_type: Option<String>,
    tar_type: Option<String>,
}

/// SHA-1 of `bytes`, lower-case hex.
fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writing to memory works");
    encoder.finish().expect("writing to memory works")
}

/// 申请资金账单.
async fn apply_for_fund_flow_bill(
    State(state): State<SandboxState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<FundFlowQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = authenticate(&state, &method, &uri, &headers, &body) {
        return refused;
    }
    let day = query.bill_date.as_deref().and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok());
    let Some(day) = day else { return param_error(&state, "bill_date 应为 yyyy-MM-dd") };
    let account = query.account_type.as_deref().unwrap_or("BASIC");
    if !matches!(account, "BASIC" | "OPERATION" | "FEES") {
        return param_error(&state, "account_type 应为 BASIC、OPERATION 或 FEES");
    }
    let gzipped = match query.tar_type.as_deref() {
        None => false,
        Some("GZIP") => true,
        Some(_) => return param_error(&state, "tar_type 只能为 GZIP"),
    };
    let fault = state.pay().statement_faults.pop_front();
    match fault {
        Some(StatementFault::NotFound) => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
        Some(StatementFault::Creating) => {
            return refusal(&state, StatusCode::BAD_REQUEST, "STATEMENT_CREATING", "账单生成中");
        }
        _ => {}
    }
    let today = beijing_day(&beijing(Utc::now()));
    if day > today {
        return refusal(&state, StatusCode::BAD_REQUEST, "INVALID_REQUEST", "请求的账单日期不能晚于今天");
    }
    if (today - day).num_days() > BILL_DAYS_KEPT {
        return refusal(&state, StatusCode::BAD_REQUEST, "INVALID_REQUEST", "请求的账单日期已过期");
    }
    if day == today && !state.pay().today_ready {
        return refusal(&state, StatusCode::BAD_REQUEST, "STATEMENT_CREATING", "账单生成中");
    }
    let applicant = format!("{}API", state.config().pay_mch_id);
    let file = if account == TRANSFER_ACCOUNT {
        state.pay().fund_flow_file(day, &applicant, fault == Some(StatementFault::Malformed))
    } else {
        None
    };
    let Some(file) = file else {
        return refusal(&state, StatusCode::BAD_REQUEST, "NO_STATEMENT_EXIST", "请求的账单文件不存在");
    };
    let plain = file.into_bytes();
    let hash_value = if fault == Some(StatementFault::WrongHash) {
        sha1_hex(&[&plain[..], b"tampered"].concat())
    } else {
        sha1_hex(&plain)
    };
    let mut served = if gzipped { gzip(&plain) } else { plain };
    if fault == Some(StatementFault::CorruptGzip) {
        served.truncate(served.len() / 2);
    }
    let not_found = fault == Some(StatementFault::DownloadNotFound);
    let token = state.pay().offer_download(served, not_found, Instant::now());
    // The file is on the host the application came to (WeChat Pay's own), unless told otherwise.
    let host = match headers.get(header::HOST).and_then(|value| value.to_str().ok()) {
        _ if fault == Some(StatementFault::ForeignHost) => "http://bills.example.com".to_owned(),
        Some(host) => format!("http://{host}"),
        None => state.base_url().to_owned(),
    };
    let tartype = if gzipped { "&tartype=gzip" } else { "" };
    let download_url = format!("{host}/v3/billdownload/file?token={token}{tartype}");
    tracing::info!(%day, account, ?fault, "fund-flow bill applied for");
    signed_answer(
        &state,
        StatusCode::OK,
        &json!({ "hash_type": "SHA1", "hash_value": hash_value, "download_url": download_url }),
    )
}

#[derive(Debug, Deserialize)]
struct DownloadQuery {
    token: Option<String>,
}

/// 下载账单: the bytes themselves, without signature headers.
async fn download_bill(
    State(state): State<SandboxState>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<DownloadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = authenticate(&state, &method, &uri, &headers, &body) {
        return refused;
    }
    let token = query.token.unwrap_or_default();
    let taken = state.pay().take_download(&token, Instant::now());
    match taken {
        Downloaded::File(bytes) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"))], bytes).into_response()
        }
        Downloaded::NotFound => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        Downloaded::Invalid => {
            refusal(&state, StatusCode::BAD_REQUEST, "INVALID_REQUEST", "下载链接已失效，请重新申请账单")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox's own routes

async fn show_config(State(state): State<SandboxState>) -> Json<Value> {
    let config = state.config();
    Json(json!({
        "mch_id": config.pay_mch_id,
        "app_id": config.app_id,
        "serial": PLATFORM_SERIAL,
        "wechatpay_public_key_pem": state.pay_keys().platform_public_pem,
        "api_v3_key": config.pay_api_v3_key,
        "merchant_serial_no": MERCHANT_SERIAL,
        "verifies_signatures": state.pay_keys().verifies_signatures(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MerchantKey {
    public_key_pem: String,
    #[serde(default)]
    serial_no: Option<String>,
}

/// The merchant's public key, from the local setup: requests are checked against it from now on.
async fn set_merchant_key(State(state): State<SandboxState>, Json(key): Json<MerchantKey>) -> Response {
    if key.serial_no.as_deref().is_some_and(|s| s != MERCHANT_SERIAL) {
        let message = format!("the merchant serial is {MERCHANT_SERIAL}");
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": "PARAM_ERROR", "message": message }))).into_response();
    }
    match merchant_key(&key.public_key_pem, "public_key_pem") {
        Ok(der) => {
            state.pay_keys().set_merchant_public(der);
            Json(json!({ "verifies_signatures": true })).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "code": "PARAM_ERROR", "message": format!("{e:#}") })))
            .into_response(),
    }
}

fn faults_view(state: &SandboxState) -> Json<Value> {
    let next: Vec<Fault> = state.pay().faults.iter().copied().collect();
    Json(json!({ "next": next }))
}

async fn show_faults(State(state): State<SandboxState>) -> Json<Value> {
    faults_view(&state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    next: Vec<Fault>,
}

async fn set_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: FaultsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return sandbox_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "expected {{\"next\": [fault…]}} with faults among accept, timeout_after_accept, system_error, processing_then_fail, not_enough, name_mismatch, auto_confirm, unsigned_refusal: {error}"
                ),
            );
        }
    };
    tracing::info!(faults = ?request.next, "wechat pay faults set");
    state.pay().faults = request.next.into();
    faults_view(&state).into_response()
}

async fn clear_faults(State(state): State<SandboxState>) -> Json<Value> {
    state.pay().faults.clear();
    faults_view(&state)
}

#[derive(Debug, Deserialize)]
struct BillsQuery {
    out_bill_no: Option<String>,
}

async fn list_bills(State(state): State<SandboxState>, Query(query): Query<BillsQuery>) -> Json<Value> {
    let wanted = query.out_bill_no.filter(|value| !value.is_empty());
    let matches = |out_bill_no: &str| wanted.as_deref().is_none_or(|wanted| wanted == out_bill_no);
    let mch_id = &state.config().pay_mch_id;
    let pay = state.pay();
    let bills: Vec<Value> = pay
        .order
        .iter()
        .filter(|out_bill_no| matches(out_bill_no))
        .filter_map(|out_bill_no| pay.bills.get(out_bill_no))
        .map(|bill| bill.sandbox_view(mch_id, state.base_url()))
        .collect();
    let notifications: Vec<&Delivery> =
        pay.notifications.iter().filter(|delivery| matches(&delivery.out_bill_no)).collect();
    Json(json!({ "bills": bills, "notifications": notifications }))
}

/// Confirms (or cancels) a bill waiting for its user; notifies.
fn user_decides(state: &SandboxState, out_bill_no: &str, cancel: bool) -> Result<Bill, ChangeError> {
    let to = if cancel { BillState::Cancelled } else { BillState::Success };
    let now = beijing(Utc::now());
    let bill = state.pay().change(out_bill_no, Some(BillState::WaitUserConfirm), to, None, now)?;
    tracing::info!(out_bill_no, state = bill.state.as_str(), "user decided on a transfer bill");
    notify_if_final(state, &bill);
    Ok(bill)
}

fn change_error(out_bill_no: &str, error: ChangeError) -> Response {
    match error {
        ChangeError::Unknown => sandbox_error(StatusCode::NOT_FOUND, format!("no bill {out_bill_no}")),
        ChangeError::WrongState(current) => sandbox_error(
            StatusCode::CONFLICT,
            format!("bill {out_bill_no} is {}, not WAIT_USER_CONFIRM", current.as_str()),
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmRequest {
    out_bill_no: String,
    #[serde(default)]
    cancel: bool,
}

async fn confirm(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: ConfirmRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return sandbox_error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"out_bill_no\", \"cancel\"?}}: {error}"),
            );
        }
    };
    match user_decides(&state, &request.out_bill_no, request.cancel) {
        Ok(bill) => Json(bill.sandbox_view(&state.config().pay_mch_id, state.base_url())).into_response(),
        Err(error) => change_error(&request.out_bill_no, error),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForceRequest {
    state: BillState,
    fail_reason: Option<String>,
}

async fn force_state(State(state): State<SandboxState>, Path(out_bill_no): Path<String>, body: Bytes) -> Response {
    let request: ForceRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return sandbox_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "expected {{\"state\": ACCEPTED|PROCESSING|WAIT_USER_CONFIRM|TRANSFERING|SUCCESS|FAIL|CANCELING|CANCELLED, \"fail_reason\"?}}: {error}"
                ),
            );
        }
    };
    let fail_reason = request
        .fail_reason
        .filter(|reason| !reason.is_empty())
        .or_else(|| (request.state == BillState::Fail).then(|| DEFAULT_FAIL_REASON.to_owned()));
    let now = beijing(Utc::now());
    let changed = state.pay().change(&out_bill_no, None, request.state, fail_reason, now);
    match changed {
        Ok(bill) => {
            tracing::info!(%out_bill_no, state = bill.state.as_str(), "transfer bill state forced");
            notify_if_final(&state, &bill);
            Json(bill.sandbox_view(&state.config().pay_mch_id, state.base_url())).into_response()
        }
        Err(error) => change_error(&out_bill_no, error),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NotifyAgainRequest {
    age_secs: i64,
}

/// The bill's notification posted once more, signed as of `age_secs` ago: gpet's status.
async fn notify_again(State(state): State<SandboxState>, Path(out_bill_no): Path<String>, body: Bytes) -> Response {
    let request: NotifyAgainRequest = if body.is_empty() {
        NotifyAgainRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(error) => {
                return sandbox_error(StatusCode::BAD_REQUEST, format!("expected {{\"age_secs\"?}}: {error}"));
            }
        }
    };
    let Some(bill) = state.pay().bills.get(&out_bill_no).cloned() else {
        return sandbox_error(StatusCode::NOT_FOUND, format!("no bill {out_bill_no}"));
    };
    if !bill.state.is_final() {
        return sandbox_error(
            StatusCode::CONFLICT,
            format!("bill {out_bill_no} is {}, not final", bill.state.as_str()),
        );
    }
    let (body, _) = notification_body(&state, &bill);
    let mut post = state
        .http()
        .post(&bill.params.notify_url)
        .timeout(NOTIFY_TIMEOUT)
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in signature_headers_at(state.pay_keys(), &body, Utc::now().timestamp() - request.age_secs) {
        post = post.header(name, value);
    }
    match post.body(body).send().await {
        Ok(response) => Json(json!({ "status": response.status().as_u16() })).into_response(),
        Err(error) => sandbox_error(StatusCode::BAD_GATEWAY, crate::robot::error_chain(&error)),
    }
}

async fn list_names(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "names": state.pay().names }))
}

async fn show_name(State(state): State<SandboxState>, Path(openid): Path<String>) -> Response {
    match state.pay().names.get(&openid) {
        Some(name) => Json(json!({ "openid": openid, "name": name })).into_response(),
        None => sandbox_error(StatusCode::NOT_FOUND, format!("no name registered for {openid}")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameRequest {
    name: String,
}

async fn put_name(State(state): State<SandboxState>, Path(openid): Path<String>, body: Bytes) -> Response {
    let request: NameRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return sandbox_error(StatusCode::BAD_REQUEST, format!("expected {{\"name\"}}: {error}")),
    };
    if request.name.trim().is_empty() || openid.trim().is_empty() {
        return sandbox_error(StatusCode::BAD_REQUEST, "the openid and the name must not be empty");
    }
    tracing::info!(%openid, "real name registered");
    state.pay().names.insert(openid.clone(), request.name.clone());
    Json(json!({ "openid": openid, "name": request.name })).into_response()
}

async fn list_conflicts(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "conflicts": state.pay().conflicts }))
}

fn fund_flow_view(state: &SandboxState) -> Json<Value> {
    let pay = state.pay();
    Json(json!({
        "today_ready": pay.today_ready,
        "balance_fen": pay.balance_fen,
        "next": pay.statement_faults,
        "flows": pay.flows,
    }))
}

async fn show_fund_flow(State(state): State<SandboxState>) -> Json<Value> {
    fund_flow_view(&state)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FundFlowSettings {
    today_ready: bool,
}

async fn set_fund_flow(State(state): State<SandboxState>, body: Bytes) -> Response {
    let settings: FundFlowSettings = match serde_json::from_slice(&body) {
        Ok(settings) => settings,
        Err(error) => {
            return sandbox_error(StatusCode::BAD_REQUEST, format!("expected {{\"today_ready\": bool}}: {error}"));
        }
    };
    tracing::info!(today_ready = settings.today_ready, "fund-flow settings set");
    state.pay().today_ready = settings.today_ready;
    fund_flow_view(&state).into_response()
}

fn statement_faults_view(state: &SandboxState) -> Json<Value> {
    Json(json!({ "next": state.pay().statement_faults }))
}

async fn show_statement_faults(State(state): State<SandboxState>) -> Json<Value> {
    statement_faults_view(&state)
}

async fn set_statement_faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Request {
        next: Vec<StatementFault>,
    }
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return sandbox_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "expected {{\"next\": [fault…]}} with faults among creating, not_found, wrong_hash, malformed, corrupt_gzip, download_not_found, foreign_host: {error}"
                ),
            );
        }
    };
    tracing::info!(faults = ?request.next, "fund-flow faults set");
    state.pay().statement_faults = request.next.into();
    statement_faults_view(&state).into_response()
}

async fn clear_statement_faults(State(state): State<SandboxState>) -> Json<Value> {
    state.pay().statement_faults.clear();
    statement_faults_view(&state)
}

/// A day's plain file of the operation account, as it would be downloaded.
async fn fund_flow_file_page(State(state): State<SandboxState>, Path(day): Path<String>) -> Response {
    let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
        return sandbox_error(StatusCode::BAD_REQUEST, "the day is YYYY-MM-DD");
    };
    let applicant = format!("{}API", state.config().pay_mch_id);
    match state.pay().fund_flow_file(day, &applicant, false) {
        Some(file) => {
            ([(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"))], file).into_response()
        }
        None => sandbox_error(StatusCode::NOT_FOUND, format!("no fund flow on {day}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The confirm page

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

async fn confirm_page(State(state): State<SandboxState>, Path(out_bill_no): Path<String>) -> Response {
    let bill = state.pay().bills.get(&out_bill_no).cloned();
    let Some(bill) = bill else {
        let body = format!(
            r#"<h1>确认收款</h1><p class="gone">没有商户单号为 <code>{}</code> 的转账。</p>"#,
            html::escape(&out_bill_no)
        );
        return (StatusCode::NOT_FOUND, Html(html::page("确认收款", CONFIRM_STYLE, &body))).into_response();
    };
    let action = format!("/sandbox/pay/confirm/{}", bill.out_bill_no);
    let decision = if bill.state == BillState::WaitUserConfirm {
        format!(
            r#"<form method="post" action="{action}"><input type="hidden" name="action" value="confirm"><button class="confirm" type="submit">确认收款</button></form>
<form method="post" action="{action}"><input type="hidden" name="action" value="cancel"><button class="cancel" type="submit">取消</button></form>"#,
            action = html::escape(&action),
        )
    } else {
        let reason = bill
            .fail_reason
            .as_deref()
            .map(|reason| format!(r#"<p class="reason">原因 <code>{}</code></p>"#, html::escape(reason)))
            .unwrap_or_default();
        format!(
            r#"<p class="state" data-state="{code}">{label}</p>{reason}"#,
            code = bill.state.as_str(),
            label = bill.state.label()
        )
    };
    let body = format!(
        r#"<div class="payer"><div class="logo">宠</div><div class="name">{payer}</div></div>
<p class="title">确认收款</p>
<p class="amount">¥{amount}</p>
<dl>
<dt>转账备注</dt><dd>{remark}</dd>
<dt>收款方式</dt><dd>微信零钱</dd>
<dt>商户单号</dt><dd><code>{out_bill_no}</code></dd>
<dt>状态</dt><dd>{label}</dd>
</dl>
{decision}
<p class="hint">沙箱页面：代替用户在微信内确认收款。</p>"#,
        payer = html::escape(crate::wechat_oauth::APP_NAME),
        amount = yuan(bill.params.transfer_amount),
        remark = html::escape(&bill.params.transfer_remark),
        out_bill_no = html::escape(&bill.out_bill_no),
        label = bill.state.label(),
    );
    Html(html::page("确认收款", CONFIRM_STYLE, &body)).into_response()
}

#[derive(Debug, Deserialize)]
struct ConfirmForm {
    action: String,
}

async fn confirm_form(
    State(state): State<SandboxState>,
    Path(out_bill_no): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let cancel = match form.action.as_str() {
        "confirm" => false,
        "cancel" => true,
        _ => return sandbox_error(StatusCode::BAD_REQUEST, "action must be confirm or cancel"),
    };
    match user_decides(&state, &out_bill_no, cancel) {
        // The page shows whatever the bill is now, also when someone else was quicker.
        Ok(_) | Err(ChangeError::WrongState(_)) => {
            Redirect::to(&format!("/sandbox/pay/confirm/{}", html::query_escape(&out_bill_no))).into_response()
        }
        Err(error) => change_error(&out_bill_no, error),
    }
}

const CONFIRM_STYLE: &str = r#"
.payer { text-align: center; padding: 16px 0 8px; }
.logo { width: 48px; height: 48px; line-height: 48px; margin: 0 auto 8px; border-radius: 50%; background: #07c160; color: #fff; font-size: 24px; }
.name { font-size: 15px; color: #353535; }
.title { text-align: center; color: #888; margin: 16px 0 4px; }
.amount { text-align: center; font-size: 40px; font-weight: 600; margin: 0 0 16px; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 6px 16px; font-size: 14px; border-top: 1px solid #eee; padding-top: 12px; }
dt { color: #888; }
dd { margin: 0; text-align: right; }
form { margin: 12px auto; width: 184px; }
button { width: 100%; padding: 10px 0; border: 0; border-radius: 4px; font-size: 16px; font-weight: 600; }
.confirm { background: #07c160; color: #fff; }
.cancel { background: #f2f2f2; color: #07c160; }
.state { text-align: center; font-size: 18px; font-weight: 600; margin-top: 24px; }
.reason { text-align: center; color: #fa5151; }
.gone { color: #888; }
.hint { color: #888; font-size: 12px; text-align: center; margin-top: 32px; }
"#;

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn params() -> Params {
        Params {
            appid: "wx_app".to_owned(),
            transfer_scene_id: TRANSFER_SCENE_ID.to_owned(),
            openid: "o_1".to_owned(),
            user_name: Some("张三".to_owned()),
            transfer_amount: 100,
            transfer_remark: "群主收益提现".to_owned(),
            notify_url: "http://127.0.0.1:3000/api/callbacks/wechat-pay/transfer".to_owned(),
            user_recv_perception: Some("现金奖励".to_owned()),
            report_infos: vec![
                ReportInfo { info_type: "活动名称".to_owned(), info_content: "提现".to_owned() },
                ReportInfo { info_type: "奖励说明".to_owned(), info_content: "收益".to_owned() },
            ],
        }
    }

    fn request() -> CreateRequest {
        let p = params();
        CreateRequest {
            appid: Some(p.appid),
            out_bill_no: Some("GW1A1".to_owned()),
            transfer_scene_id: Some(p.transfer_scene_id),
            openid: Some(p.openid),
            user_name: Some("ciphertext".to_owned()),
            transfer_amount: Some(p.transfer_amount),
            transfer_remark: Some(p.transfer_remark),
            notify_url: Some(p.notify_url),
            user_recv_perception: p.user_recv_perception,
            transfer_scene_report_infos: Some(p.report_infos),
        }
    }

    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn the_authorization_header_needs_all_five_fields_once() {
        let good = r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="N1",signature="c2ln==",timestamp="1700000000",serial_no="S1""#;
        let parsed = parse_authorization(good).unwrap();
        assert_eq!(
            parsed,
            Authorization {
                mchid: "1900000109".to_owned(),
                nonce_str: "N1".to_owned(),
                signature: "c2ln==".to_owned(),
                timestamp: "1700000000".to_owned(),
                serial_no: "S1".to_owned(),
            }
        );
        let cases = [
            ("Bearer x", "another scheme"),
            (r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",signature="s",timestamp="1""#, "no serial_no"),
            (
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",signature="",timestamp="1",serial_no="S""#,
                "empty signature",
            ),
            (
                r#"WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str="N",signature="s",timestamp="1",serial_no="S""#,
                "unquoted value",
            ),
            (
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2",nonce_str="N",signature="s",timestamp="1",serial_no="S""#,
                "a field twice",
            ),
            (
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N",signature="s",timestamp="soon",serial_no="S""#,
                "a timestamp that is no number",
            ),
            ("WECHATPAY2-SHA256-RSA2048", "no parameters"),
        ];
        for (value, why) in cases {
            assert!(parse_authorization(value).is_err(), "{why}");
        }
    }

    #[test]
    fn signed_messages_end_every_part_with_a_newline() {
        assert_eq!(answer_message("1", "N", b"{}"), b"1\nN\n{}\n");
        assert_eq!(request_message("GET", "/v3/x?a=1", "1", "N", b""), b"GET\n/v3/x?a=1\n1\nN\n\n");
    }

    #[test]
    fn the_beijing_day_follows_the_offset_not_utc() {
        let utc = Utc.with_ymd_and_hms(2026, 1, 1, 16, 30, 0).unwrap();
        let local = beijing(utc);
        assert_eq!(rfc3339(&local), "2026-01-02T00:30:00+08:00");
        assert_eq!(beijing_day(&local), NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        let before = beijing(Utc.with_ymd_and_hms(2026, 1, 1, 15, 59, 59).unwrap());
        assert_eq!(beijing_day(&before), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    }

    #[test]
    fn a_day_s_file_has_a_line_per_flow_that_day_and_a_summary_that_adds_up() {
        let mut pay = PayState::new();
        let day = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        pay.faults = [Fault::AutoConfirm].into();
        pay.create("GWLATE1", params(), at("2026-01-01T23:59:59+08:00"));
        pay.create("GW1A1", Params { transfer_amount: 29, ..params() }, at("2026-01-02T00:00:00+08:00"));
        pay.create("GW2A1", params(), at("2026-01-02T09:00:00+08:00"));
        pay.change("GW1A1", None, BillState::Success, None, at("2026-01-02T10:00:00+08:00")).unwrap();
        pay.change("GW2A1", None, BillState::Success, None, at("2026-01-02T11:00:00+08:00")).unwrap();
        pay.change("GW2A1", None, BillState::Fail, None, at("2026-01-02T12:00:00+08:00")).unwrap();
        pay.create("GW3A1", params(), at("2026-01-02T13:00:00+08:00"));
        let file = pay.fund_flow_file(day, "1900000109API", false).unwrap();
        let lines: Vec<&str> = file.split("\r\n").collect();
        assert_eq!(lines[0], FUND_FLOW_HEADER);
        let no = |i: usize| format!("190020260102{i:016}");
        let expected = [
            format!(
                "`2026-01-02 10:00:00,`{},`{},`企业付款,`企业付款,`支出,`0.29,`999998.71,`1900000109API,`群主收益提现,`GW1A1",
                pay.bills["GW1A1"].transfer_bill_no,
                no(2)
            ),
            format!(
                "`2026-01-02 11:00:00,`{},`{},`企业付款,`企业付款,`支出,`1.00,`999997.71,`1900000109API,`群主收益提现,`GW2A1",
                pay.bills["GW2A1"].transfer_bill_no,
                no(3)
            ),
            format!(
                "`2026-01-02 12:00:00,`{},`{},`企业付款,`企业付款退回,`收入,`1.00,`999998.71,`1900000109API,`群主收益提现,`GW2A1",
                pay.bills["GW2A1"].transfer_bill_no,
                no(4)
            ),
        ];
        assert_eq!(&lines[1..4], &expected, "the day before and bills not paid are not in it");
        assert_eq!(&lines[4..], [FUND_FLOW_SUMMARY_HEADER, "`3,`1,`1.00,`2,`1.29", ""]);
        assert_eq!(pay.balance_fen, OPENING_BALANCE_FEN - 100 - 29);

        let tampered = pay.fund_flow_file(day, "1900000109API", true).unwrap();
        assert!(tampered.ends_with("`3,`1,`1.00,`2,`1.30\r\n"), "{tampered}");
        assert!(pay.fund_flow_file(day.succ_opt().unwrap(), "1900000109API", false).is_none());
        assert!(pay.fund_flow_file(day.pred_opt().unwrap(), "x", false).unwrap().contains("`GWLATE1\r\n"));
    }

    #[test]
    fn line_breaks_inside_a_remark_are_escaped() {
        let mut pay = PayState::new();
        pay.faults = [Fault::AutoConfirm].into();
        pay.create(
            "GW1A1",
            Params { transfer_remark: "一\r\n二".to_owned(), ..params() },
            at("2026-01-02T10:00:00+08:00"),
        );
        let file = pay.fund_flow_file(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(), "a", false).unwrap();
        assert!(file.contains("`一\\r\\n二,`GW1A1\r\n"), "{file}");
    }

    #[test]
    fn a_download_works_once_and_only_within_its_time() {
        let mut pay = PayState::new();
        let now = Instant::now();
        let token = pay.offer_download(b"file".to_vec(), false, now);
        assert_eq!(token.len(), 64);
        assert_eq!(pay.take_download(&token, now + Duration::from_secs(29)), Downloaded::File(b"file".to_vec()));
        assert_eq!(pay.take_download(&token, now), Downloaded::Invalid, "once");
        let late = pay.offer_download(b"file".to_vec(), false, now);
        assert_eq!(pay.take_download(&late, now + DOWNLOAD_VALID_FOR), Downloaded::Invalid);
        let gone = pay.offer_download(b"file".to_vec(), true, now);
        assert_eq!(pay.take_download(&gone, now), Downloaded::NotFound);
        assert_eq!(pay.take_download("nothing", now), Downloaded::Invalid);
        pay.offer_download(Vec::new(), false, now);
        pay.offer_download(Vec::new(), false, now + DOWNLOAD_VALID_FOR);
        assert_eq!(pay.downloads.len(), 1, "expired tokens are dropped");
    }

    #[test]
    fn the_plain_file_s_hash_survives_gzip() {
        let plain = "记账时间\r\n".repeat(50).into_bytes();
        let zipped = gzip(&plain);
        assert_eq!(&zipped[..2], &[0x1f, 0x8b]);
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&zipped[..]), &mut unzipped).unwrap();
        assert_eq!(sha1_hex(&unzipped), sha1_hex(&plain));
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn a_repeat_answers_the_bill_and_other_parameters_are_a_conflict() {
        let mut pay = PayState::new();
        let now = at("2026-01-02T10:00:00+08:00");
        let Created::New(first, Fault::Accept) = pay.create("GW1A1", params(), now) else { panic!("a new bill") };
        assert_eq!(first.state, BillState::WaitUserConfirm);
        pay.faults.push_back(Fault::NotEnough);
        let Created::Existing(again) = pay.create("GW1A1", params(), now) else { panic!("the same bill") };
        assert_eq!(again.transfer_bill_no, first.transfer_bill_no);
        assert_eq!(pay.faults.len(), 1, "a repeat takes no fault");
        let other = Params { transfer_amount: 200, user_name: Some("李四".to_owned()), ..params() };
        let Created::Conflict(fields) = pay.create("GW1A1", other, now) else { panic!("a conflict") };
        assert_eq!(fields, ["user_name", "transfer_amount"]);
        assert_eq!(pay.conflicts.len(), 1);
        assert_eq!(pay.bills["GW1A1"].params.transfer_amount, 100, "the bill is unchanged");
    }

    #[test]
    fn a_registered_name_that_differs_fails_the_bill() {
        let mut pay = PayState::new();
        let now = at("2026-01-02T10:00:00+08:00");
        pay.names.insert("o_1".to_owned(), "李四".to_owned());
        let Created::New(bill, _) = pay.create("GW1A1", params(), now) else { panic!("a new bill") };
        assert_eq!((bill.state, bill.fail_reason.as_deref()), (BillState::Fail, Some("NAME_NOT_CORRECT")));
        pay.names.insert("o_1".to_owned(), "张三".to_owned());
        let Created::New(bill, _) = pay.create("GW2A1", params(), now) else { panic!("a new bill") };
        assert_eq!(bill.state, BillState::WaitUserConfirm);
    }

    #[test]
    fn faults_are_taken_one_per_new_bill() {
        let mut pay = PayState::new();
        let now = at("2026-01-02T10:00:00+08:00");
        pay.faults = [Fault::SystemError, Fault::ProcessingThenFail, Fault::AutoConfirm, Fault::NameMismatch].into();
        assert!(matches!(pay.create("GW1A1", params(), now), Created::Refused(Fault::SystemError)));
        assert!(!pay.bills.contains_key("GW1A1"), "no bill on SYSTEM_ERROR");
        let Created::New(bill, _) = pay.create("GW1A1", params(), now) else { panic!() };
        assert_eq!(bill.state, BillState::Processing);
        let Created::New(bill, _) = pay.create("GW2A1", params(), now) else { panic!() };
        assert_eq!(bill.state, BillState::Success);
        let Created::New(bill, _) = pay.create("GW3A1", params(), now) else { panic!() };
        assert_eq!((bill.state, bill.fail_reason.as_deref()), (BillState::Fail, Some("NAME_NOT_CORRECT")));
        let Created::New(bill, Fault::Accept) = pay.create("GW4A1", params(), now) else { panic!() };
        assert_eq!(bill.state, BillState::WaitUserConfirm);
    }

    #[test]
    fn confirming_needs_a_bill_waiting_for_its_user() {
        let mut pay = PayState::new();
        let now = at("2026-01-02T10:00:00+08:00");
        pay.create("GW1A1", params(), now);
        let later = at("2026-01-02T10:05:00+08:00");
        let bill = pay.change("GW1A1", Some(BillState::WaitUserConfirm), BillState::Success, None, later).unwrap();
        assert_eq!((bill.state, rfc3339(&bill.updated)), (BillState::Success, "2026-01-02T10:05:00+08:00".to_owned()));
        assert_eq!(
            pay.change("GW1A1", Some(BillState::WaitUserConfirm), BillState::Cancelled, None, later).unwrap_err(),
            ChangeError::WrongState(BillState::Success)
        );
        assert_eq!(pay.change("GW9A9", None, BillState::Fail, None, later).unwrap_err(), ChangeError::Unknown);
    }

    #[test]
    fn create_parameters_are_checked_field_by_field() {
        assert!(check_create(request(), "wx_app").is_ok());
        let cases: Vec<(CreateRequest, &str)> = vec![
            (CreateRequest { out_bill_no: Some("GW1".to_owned()), ..request() }, "out_bill_no"),
            (CreateRequest { out_bill_no: Some("GW-1-A1".to_owned()), ..request() }, "out_bill_no"),
            (CreateRequest { appid: Some("wx_other".to_owned()), ..request() }, "appid"),
            (CreateRequest { transfer_scene_id: Some("1005".to_owned()), ..request() }, "1005"),
            (CreateRequest { openid: None, ..request() }, "openid"),
            (CreateRequest { transfer_amount: Some(0), ..request() }, "transfer_amount"),
            (CreateRequest { transfer_amount: None, ..request() }, "transfer_amount"),
            (CreateRequest { transfer_remark: Some("长".repeat(33)), ..request() }, "transfer_remark"),
            (CreateRequest { notify_url: Some("ftp://x/cb".to_owned()), ..request() }, "notify_url"),
            (CreateRequest { user_recv_perception: Some("工资".to_owned()), ..request() }, "user_recv_perception"),
            (CreateRequest { transfer_scene_report_infos: None, ..request() }, "活动名称"),
        ];
        for (request, field) in cases {
            let problem = check_create(request, "wx_app").unwrap_err();
            assert!(problem.contains(field), "{field}: {problem}");
        }
    }

    #[test]
    fn pem_round_trips_and_refuses_an_empty_block() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = der_to_pem("PUBLIC KEY", &der);
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert!(pem.lines().all(|line| line.len() <= 64));
        assert_eq!(pem_to_der(&pem).unwrap(), der);
        assert!(pem_to_der("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n").is_none());
    }

    #[test]
    fn amounts_show_in_yuan() {
        assert_eq!(yuan(100), "1.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456), "1234.56");
    }
}

// ---------------------------------------------------------------------------------------------
// The payee's side, for the JS-SDK stand-in's `requestMerchantTransfer`

/// A bill waiting for its payee, as `requestMerchantTransfer` names it: the merchant, the app and
/// the bill's `package_info`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Waiting {
    pub out_bill_no: String,
    pub amount_fen: i64,
    pub remark: String,
}

/// The bill `package` opens, refused as WeChat's page refuses it: another merchant or app than
/// the bill's, an unknown package, a bill no longer waiting.
pub(crate) fn waiting_bill(state: &SandboxState, mch_id: &str, app_id: &str, package: &str) -> Result<Waiting, String> {
    if mch_id != state.config().pay_mch_id {
        return Err("商户号错误".to_owned());
    }
    let pay = state.pay();
    let bill = pay.bills.values().find(|b| b.package_info == package).ok_or_else(|| "无效的 package".to_owned())?;
    if bill.params.appid != app_id {
        return Err("appId 与转账单不一致".to_owned());
    }
    if bill.state != BillState::WaitUserConfirm {
        return Err(format!("该转账当前为 {}，无需确认", bill.state.as_str()));
    }
    Ok(Waiting {
        out_bill_no: bill.out_bill_no.clone(),
        amount_fen: bill.params.transfer_amount,
        remark: bill.params.transfer_remark.clone(),
    })
}

/// The payee confirms (or declines) the bill: as the confirm page does, notified to gpet.
pub(crate) fn payee_decides(state: &SandboxState, out_bill_no: &str, cancel: bool) -> Result<String, String> {
    user_decides(state, out_bill_no, cancel).map(|bill| bill.state.as_str().to_owned()).map_err(|e| match e {
        ChangeError::Unknown => format!("no bill {out_bill_no}"),
        ChangeError::WrongState(current) => format!("bill {out_bill_no} is {}", current.as_str()),
    })
}
