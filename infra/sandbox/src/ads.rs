//! The ad system (广告系统): when someone clicks an ad shown in a group, it pays the group's
//! owner by calling gpet's ad-click callback. The sandbox makes that call when told to.
//!
//! The call: `POST {gpet}/api/callbacks/ad-click`, form-encoded, with `trans_id`, `campaign_id`
//! (left out when there is none), `group_wxid`, `amount_fen`, `ts` (unix seconds) and `sign`,
//! the lower-hex MD5 of the non-empty parameters but `sign` as `k=v` joined by `&` in key
//! order, followed by `&key=` and the secret ([`SandboxConfig::ad_secret`](crate::SandboxConfig::ad_secret)).
//! Values go into the signed text as they are, not URL-encoded.
//!
//! The sandbox's own routes:
//! - `POST /sandbox/ads/click` `{"group_wxid", "amount_fen", "campaign_id"?, "trans_id"?,
//!   "repeat"?, "tamper"?}` → makes the call `repeat` times (default 1, at most [`MAX_REPEAT`])
//!   at once with the same parameters, and answers `{"trans_id", "results": [{"status",
//!   "body"}]}` in the order the calls were made (`status` null and an `error` when gpet could
//!   not be reached; HTTP 502 when no call reached it). `trans_id` defaults to a random
//!   `T…`. `tamper`: `"signature"` signs with another secret, `"stale"` dates `ts`
//!   [`STALE_BY_SECS`] back (signed correctly);
//! - `GET /sandbox/ads/clicks` → `{"clicks": [{trans_id, group_wxid, campaign_id, amount_fen,
//!   ts, sign, tamper, at, status, body, error}]}`, every call made, oldest first.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{FixedOffset, SecondsFormat, Utc};
use md5::{Digest, Md5};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::SandboxState;

/// gpet's ad-click callback, under its base URL.
pub const CALLBACK_PATH: &str = "/api/callbacks/ad-click";

/// How many identical calls one click may ask for.
pub const MAX_REPEAT: u32 = 200;

/// How far back `"tamper": "stale"` dates `ts`.
pub const STALE_BY_SECS: i64 = 3600;

/// How many calls the sandbox remembers; the oldest are dropped first.
pub const MAX_CLICKS: usize = 5000;

pub(crate) fn routes() -> Router<SandboxState> {
    Router::new().route("/sandbox/ads/click", post(click)).route("/sandbox/ads/clicks", get(list_clicks))
}

/// The lower-hex MD5 of the non-empty `params` but `sign` as `k=v&k=v…` in key order, then
/// `&key={secret}`.
pub fn sign(params: &BTreeMap<String, String>, secret: &str) -> String {
    let mut text = params
        .iter()
        .filter(|(key, value)| key.as_str() != "sign" && !value.is_empty())
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    text.push_str("&key=");
    text.push_str(secret);
    hex::encode(Md5::digest(text.as_bytes()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Tamper {
    Signature,
    Stale,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClickRequest {
    group_wxid: String,
    amount_fen: i64,
    campaign_id: Option<String>,
    trans_id: Option<String>,
    repeat: Option<u32>,
    tamper: Option<Tamper>,
}

/// One call made to gpet, with its answer.
#[derive(Debug, Clone, Serialize)]
struct Call {
    trans_id: String,
    group_wxid: String,
    campaign_id: Option<String>,
    amount_fen: i64,
    ts: i64,
    sign: String,
    tamper: Option<Tamper>,
    at: String,
    /// gpet's HTTP status; `None` when it could not be reached.
    status: Option<u16>,
    /// gpet's answer: JSON when it was JSON, else its text.
    body: Value,
    error: Option<String>,
}

/// The calls made, oldest first.
pub(crate) struct AdsState {
    calls: VecDeque<Call>,
}

impl AdsState {
    pub(crate) fn new() -> Self {
        Self { calls: VecDeque::new() }
    }

    fn record(&mut self, call: Call) {
        while self.calls.len() >= MAX_CLICKS {
            self.calls.pop_front();
        }
        self.calls.push_back(call);
    }
}

fn bad_request(message: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message.into() }))).into_response()
}

/// A transaction id in the ad system's manner: `T`, the Beijing time to the second, six digits.
fn new_trans_id() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset");
    let now = Utc::now().with_timezone(&beijing);
    format!("T{}{:06}", now.format("%Y%m%d%H%M%S"), rand::rng().random_range(0..1_000_000))
}

fn beijing_now() -> String {
    let beijing = FixedOffset::east_opt(8 * 3600).expect("+08:00 is an offset");
    Utc::now().with_timezone(&beijing).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// One call's outcome: status, body, transport error.
type Outcome = (Option<u16>, Value, Option<String>);

async fn call_gpet(http: reqwest::Client, url: String, form: Arc<Vec<(String, String)>>) -> Outcome {
    match http.post(&url).form(form.as_slice()).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match response.bytes().await {
                Ok(bytes) => {
                    let body = serde_json::from_slice(&bytes)
                        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
                    (Some(status), body, None)
                }
                Err(error) => (Some(status), Value::Null, Some(crate::robot::error_chain(&error))),
            }
        }
        Err(error) => (None, Value::Null, Some(format!("POST {url}: {}", crate::robot::error_chain(&error)))),
    }
}

async fn click(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: ClickRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(format!(
                "expected {{\"group_wxid\", \"amount_fen\", \"campaign_id\"?, \"trans_id\"?, \"repeat\"?, \"tamper\"?: \"signature\"|\"stale\"}}: {error}"
            ));
        }
    };
    if request.group_wxid.trim().is_empty() {
        return bad_request("group_wxid is empty");
    }
    let repeat = request.repeat.unwrap_or(1);
    if !(1..=MAX_REPEAT).contains(&repeat) {
        return bad_request(format!("repeat must be 1 to {MAX_REPEAT}, not {repeat}"));
    }
    let campaign_id = request.campaign_id.filter(|campaign| !campaign.is_empty());
    let trans_id = request.trans_id.filter(|trans_id| !trans_id.is_empty()).unwrap_or_else(new_trans_id);
    let stale = request.tamper == Some(Tamper::Stale);
    let ts = Utc::now().timestamp() - if stale { STALE_BY_SECS } else { 0 };

    let mut params = BTreeMap::from([
        ("trans_id".to_owned(), trans_id.clone()),
        ("group_wxid".to_owned(), request.group_wxid.clone()),
        ("amount_fen".to_owned(), request.amount_fen.to_string()),
        ("ts".to_owned(), ts.to_string()),
    ]);
    if let Some(campaign) = &campaign_id {
        params.insert("campaign_id".to_owned(), campaign.clone());
    }
    let secret = &state.config().ad_secret;
    let signature = match request.tamper {
        Some(Tamper::Signature) => sign(&params, &format!("{secret}-not")),
        _ => sign(&params, secret),
    };
    let mut form: Vec<(String, String)> = params.into_iter().collect();
    form.push(("sign".to_owned(), signature.clone()));
    let form = Arc::new(form);

    let url = format!("{}{CALLBACK_PATH}", state.gpet_base_url());
    // The calls wait for one another so that they really are in flight together.
    let start = Arc::new(tokio::sync::Barrier::new(repeat as usize));
    let calls: Vec<_> = (0..repeat)
        .map(|_| {
            let (http, url, form, start) = (state.http().clone(), url.clone(), form.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                call_gpet(http, url, form).await
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(calls.len());
    for call in calls {
        let outcome =
            call.await.unwrap_or_else(|error| (None, Value::Null, Some(format!("the call panicked: {error}"))));
        outcomes.push(outcome);
    }

    let at = beijing_now();
    let mut results = Vec::with_capacity(outcomes.len());
    {
        let mut ads = state.ads();
        for (status, body, error) in &outcomes {
            ads.record(Call {
                trans_id: trans_id.clone(),
                group_wxid: request.group_wxid.clone(),
                campaign_id: campaign_id.clone(),
                amount_fen: request.amount_fen,
                ts,
                sign: signature.clone(),
                tamper: request.tamper,
                at: at.clone(),
                status: *status,
                body: body.clone(),
                error: error.clone(),
            });
            let mut result = json!({ "status": status, "body": body });
            if let Some(error) = error {
                result["error"] = json!(error);
            }
            results.push(result);
        }
    }
    let statuses: Vec<Option<u16>> = outcomes.iter().map(|(status, _, _)| *status).collect();
    tracing::info!(%trans_id, repeat, ?statuses, tamper = ?request.tamper, "ad clicks delivered");
    if outcomes.iter().all(|(status, _, _)| status.is_none()) {
        let error = outcomes.first().and_then(|(_, _, error)| error.clone()).unwrap_or_default();
        return (StatusCode::BAD_GATEWAY, Json(json!({ "error": error, "trans_id": trans_id, "results": results })))
            .into_response();
    }
    Json(json!({ "trans_id": trans_id, "results": results })).into_response()
}

async fn list_clicks(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "clicks": state.ads().calls }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), (*value).to_owned())).collect()
    }

    #[test]
    fn the_signature_is_the_md5_of_sorted_non_empty_pairs_and_the_key() {
        let given = params(&[
            ("trans_id", "T1"),
            ("group_wxid", "g@chatroom"),
            ("amount_fen", "25"),
            ("ts", "1700000000"),
            ("campaign_id", ""),
            ("sign", "ignored"),
        ]);
        // echo -n 'amount_fen=25&group_wxid=g@chatroom&trans_id=T1&ts=1700000000&key=s3cret' | md5sum
        assert_eq!(sign(&given, "s3cret"), "6f56b55cecaf802d16b20e65f69bfc91");
        assert_ne!(sign(&given, "other"), sign(&given, "s3cret"));
    }

    #[test]
    fn generated_transaction_ids_are_t_and_twenty_digits() {
        let trans_id = new_trans_id();
        assert_eq!(trans_id.len(), 21, "{trans_id}");
        assert!(trans_id.starts_with('T'), "{trans_id}");
        assert!(trans_id[1..].bytes().all(|byte| byte.is_ascii_digit()), "{trans_id}");
    }
}
