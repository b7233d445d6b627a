//! WeChat's JS-SDK and the official-account credentials it rests on, as WeChat serves them:
//!
//! - `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=` →
//!   `{"access_token", "expires_in": 7200}`; each fetch retires the previous token 5 minutes
//!   later (WeChat's own overlap); errors `{"errcode", "errmsg"}` with HTTP 200: 40002 bad
//!   grant_type, 40013 invalid appid, 40125 invalid appsecret, and whatever the faults queue
//!   (45009 the daily quota, 40001, 42001, -1).
//! - `GET /cgi-bin/ticket/getticket?access_token=&type=jsapi` →
//!   `{"errcode": 0, "errmsg": "ok", "ticket", "expires_in": 7200}`; a retired token is 40001, an
//!   expired one 42001.
//! - `GET /sandbox/jssdk/jweixin.js`: a stand-in for `jweixin-1.6.0.js`, for pages outside
//!   WeChat. `wx.config` has its signature checked here against the tickets issued (a wrong
//!   one fails with `config:invalid signature`, as WeChat's does; a page of another host than
//!   gpet's with `config:invalid url domain`); `wx.ready`, `wx.error`, `wx.checkJsApi`;
//!   `wx.updateAppMessageShareData` and `wx.updateTimelineShareData` record what they were
//!   given; `WeixinJSBridge.invoke('requestMerchantTransfer', {mchId, appId, package})` shows a
//!   confirmation over the page, as WeChat's own page does, and the tester picks: 确认收款 pays
//!   the bill in the sandbox's WeChat Pay, 取消 cancels it (the payee declining; WeChat cancels
//!   an unconfirmed bill after 24 hours); the callback gets `requestMerchantTransfer:ok` or
//!   `:cancel` (`:fail` when the bill cannot be confirmed).
//!
//! Own routes: `GET /sandbox/wechat/credentials` (fetch counts, live tokens and tickets), `POST
//! /sandbox/wechat/credentials/retire` `{"how": "retire"|"expire"}` (every token issued so far
//! is refused with 40001 or 42001, as when someone else fetched one or they ran out), `POST
//! /sandbox/wechat/faults` `{"token": [errcode…], "ticket": [errcode…]}` (the next fetches
//! answer these), `GET /sandbox/jssdk/configs` (each `wx.config` checked and its outcome), `GET
//! /sandbox/jssdk/shares` (share data given, newest last). The script's own calls (`POST
//! /sandbox/jssdk/config`, `/share`, `/transfer/preview`, `/transfer`) answer any origin (CORS).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::SandboxState;
use crate::wechat_pay;

/// How long WeChat says a token or a ticket lives.
pub const LIFETIME_SECS: u64 = 7200;
/// A token stays usable this long after a newer one was fetched.
pub const OVERLAP: Duration = Duration::from_secs(5 * 60);
const MAX_RECORDS: usize = 200;

struct Credential {
    value: String,
    expires: Instant,
    /// From when WeChat refuses it as replaced (40001).
    retired_from: Option<Instant>,
}

impl Credential {
    /// A new one, `prefix` then random letters, living WeChat's 7200 s from `now`.
    fn issue(prefix: &str, len: usize, now: Instant) -> Self {
        Credential {
            value: format!("{prefix}{}", random(len)),
            expires: now + Duration::from_secs(LIFETIME_SECS),
            retired_from: None,
        }
    }
}

#[derive(Default)]
pub(crate) struct JssdkState {
    tokens: Vec<Credential>,
    tickets: Vec<Credential>,
    token_fetches: u64,
    ticket_fetches: u64,
    token_faults: VecDeque<i64>,
    ticket_faults: VecDeque<i64>,
    configs: VecDeque<Value>,
    shares: VecDeque<Value>,
}

impl JssdkState {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// WeChat's verdict on a token: `None` when it is good.
    fn refuse_token(&self, token: &str, now: Instant) -> Option<(i64, &'static str)> {
        match self.tokens.iter().find(|t| t.value == token) {
            None => Some((40001, "invalid credential, access_token is invalid or not latest")),
            Some(t) if t.retired_from.is_some_and(|from| from <= now) => {
                Some((40001, "invalid credential, access_token is invalid or not latest"))
            }
            Some(t) if t.expires <= now => Some((42001, "access_token expired")),
            Some(_) => None,
        }
    }

    fn live_tickets(&self, now: Instant) -> impl Iterator<Item = &str> {
        self.tickets.iter().filter(move |t| t.expires > now).map(|t| t.value.as_str())
    }
}

fn push_capped(records: &mut VecDeque<Value>, record: Value) {
    while records.len() >= MAX_RECORDS {
        records.pop_front();
    }
    records.push_back(record);
}

fn random(n: usize) -> String {
    rand::rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect()
}

fn errcode(code: i64, msg: &str) -> Response {
    Json(json!({ "errcode": code, "errmsg": msg })).into_response()
}

fn message_of(code: i64) -> &'static str {
    match code {
        45009 => "reach max api daily quota limit",
        40001 => "invalid credential, access_token is invalid or not latest",
        42001 => "access_token expired",
        -1 => "system error",
        _ => "sandbox fault",
    }
}

pub(crate) fn routes() -> Router<SandboxState> {
    let script_calls = Router::new()
        .route("/sandbox/jssdk/config", post(check_config).options(preflight))
        .route("/sandbox/jssdk/share", post(record_share).options(preflight))
        .route("/sandbox/jssdk/transfer/preview", post(transfer_preview).options(preflight))
        .route("/sandbox/jssdk/transfer", post(transfer).options(preflight))
        .layer(middleware::from_fn(any_origin));
    Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/ticket/getticket", get(ticket))
        .route("/sandbox/wechat/credentials", get(credentials))
        .route("/sandbox/wechat/credentials/retire", post(retire))
        .route("/sandbox/wechat/faults", post(faults))
        .route("/sandbox/jssdk/jweixin.js", get(script))
        .route("/sandbox/jssdk/configs", get(configs))
        .route("/sandbox/jssdk/shares", get(shares))
        .merge(script_calls)
}

async fn any_origin(request: axum::extract::Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    response
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    appid: String,
    #[serde(default)]
    secret: String,
}

async fn token(State(state): State<SandboxState>, Query(q): Query<TokenQuery>) -> Response {
    if q.grant_type != "client_credential" {
        return errcode(40002, "invalid grant_type");
    }
    if q.appid != state.config().app_id {
        return errcode(40013, "invalid appid");
    }
    if q.secret != state.config().app_secret {
        return errcode(40125, "invalid appsecret");
    }
    let mut jssdk = state.jssdk();
    if let Some(code) = jssdk.token_faults.pop_front() {
        return errcode(code, message_of(code));
    }
    let now = Instant::now();
    for older in jssdk.tokens.iter_mut().filter(|t| t.retired_from.is_none()) {
        older.retired_from = Some(now + OVERLAP);
    }
    let issued = Credential::issue("sbx_at_", 40, now);
    let value = issued.value.clone();
    jssdk.tokens.push(issued);
    jssdk.token_fetches += 1;
    tracing::info!(fetches = jssdk.token_fetches, "access_token issued");
    Json(json!({ "access_token": value, "expires_in": LIFETIME_SECS })).into_response()
}

#[derive(Deserialize)]
struct TicketQuery {
    #[serde(default)]
    access_token: String,
    #[serde(default, rename = "type")]
    kind: String,
}

async fn ticket(State(state): State<SandboxState>, Query(q): Query<TicketQuery>) -> Response {
    let mut jssdk = state.jssdk();
    let now = Instant::now();
    if let Some((code, msg)) = jssdk.refuse_token(&q.access_token, now) {
        return errcode(code, msg);
    }
    if q.kind != "jsapi" {
        return errcode(40097, "invalid args");
    }
    if let Some(code) = jssdk.ticket_faults.pop_front() {
        return errcode(code, message_of(code));
    }
    let issued = Credential::issue("sbx_tk_", 60, now);
    let value = issued.value.clone();
    jssdk.tickets.push(issued);
    jssdk.ticket_fetches += 1;
    tracing::info!(fetches = jssdk.ticket_fetches, "jsapi_ticket issued");
    Json(json!({ "errcode": 0, "errmsg": "ok", "ticket": value, "expires_in": LIFETIME_SECS })).into_response()
}

async fn credentials(State(state): State<SandboxState>) -> Json<Value> {
    let jssdk = state.jssdk();
    let now = Instant::now();
    Json(json!({
        "token_fetches": jssdk.token_fetches,
        "ticket_fetches": jssdk.ticket_fetches,
        "live_tokens": jssdk.tokens.iter().filter(|t| jssdk.refuse_token(&t.value, now).is_none()).count(),
        "live_tickets": jssdk.live_tickets(now).count(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetireRequest {
    how: String,
}

async fn retire(State(state): State<SandboxState>, body: Bytes) -> Response {
    let how = serde_json::from_slice::<RetireRequest>(&body).map(|r| r.how).unwrap_or_default();
    let mut jssdk = state.jssdk();
    let now = Instant::now();
    match how.as_str() {
        "retire" => jssdk.tokens.iter_mut().for_each(|t| t.retired_from = Some(now)),
        "expire" => jssdk.tokens.iter_mut().for_each(|t| t.expires = now),
        _ => return bad_request("expected {\"how\": \"retire\" | \"expire\"}"),
    }
    tracing::info!(how, "access tokens refused from now on");
    Json(json!({ "tokens": jssdk.tokens.len() })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsRequest {
    #[serde(default)]
    token: Vec<i64>,
    #[serde(default)]
    ticket: Vec<i64>,
}

async fn faults(State(state): State<SandboxState>, body: Bytes) -> Response {
    let request: FaultsRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return bad_request(&format!("expected {{\"token\"?: [errcode], \"ticket\"?: [errcode]}}: {error}"));
        }
    };
    let mut jssdk = state.jssdk();
    jssdk.token_faults.extend(request.token);
    jssdk.ticket_faults.extend(request.ticket);
    Json(json!({ "token": jssdk.token_faults, "ticket": jssdk.ticket_faults })).into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn configs(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "configs": state.jssdk().configs }))
}

async fn shares(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({ "shares": state.jssdk().shares }))
}

/// What `wx.config` was given, and the page it ran on.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigRequest {
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    timestamp: Value,
    #[serde(default)]
    nonce_str: String,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    js_api_list: Vec<String>,
    #[serde(default)]
    url: String,
}

/// WeChat's check of `wx.config`: the app, the page's host (its JS安全域名: gpet's), and the
/// signature against every live ticket.
async fn check_config(State(state): State<SandboxState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<ConfigRequest>(&body) else {
        return Json(json!({ "errMsg": "config:fail,invalid arguments" })).into_response();
    };
    let timestamp = match &request.timestamp {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let page = request.url.split('#').next().unwrap_or_default().to_owned();
    let gpet_host = url::Url::parse(&state.gpet_base_url()).ok().and_then(|u| u.host_str().map(str::to_owned));
    let page_host = url::Url::parse(&page).ok().and_then(|u| u.host_str().map(str::to_owned));
    let verdict = if request.app_id != state.config().app_id {
        "config:fail,invalid appid"
    } else if page_host.is_none() || page_host != gpet_host {
        "config:invalid url domain"
    } else {
        let jssdk = state.jssdk();
        let signed = jssdk.live_tickets(Instant::now()).any(|ticket| {
            let text = format!("jsapi_ticket={ticket}&noncestr={}&timestamp={timestamp}&url={page}", request.nonce_str);
            sha1_hex(&text) == request.signature.to_ascii_lowercase()
        });
        if signed { "config:ok" } else { "config:invalid signature" }
    };
    tracing::info!(verdict, page, "wx.config checked");
    let record = json!({ "url": page, "jsApiList": request.js_api_list, "errMsg": verdict });
    push_capped(&mut state.jssdk().configs, record);
    Json(json!({ "errMsg": verdict })).into_response()
}

fn sha1_hex(text: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes()))
}

async fn record_share(State(state): State<SandboxState>, body: Bytes) -> Response {
    let Ok(Value::Object(share)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("expected a JSON object");
    };
    tracing::info!(api = ?share.get("api"), "share data set");
    push_capped(&mut state.jssdk().shares, Value::Object(share));
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransferRequest {
    #[serde(default)]
    mch_id: String,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    cancel: bool,
}

/// What WeChat's confirmation page shows before the payee decides.
async fn transfer_preview(State(state): State<SandboxState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<TransferRequest>(&body) else {
        return bad_request("expected {mchId, appId, package}");
    };
    match wechat_pay::waiting_bill(&state, &request.mch_id, &request.app_id, &request.package) {
        Ok(waiting) => Json(json!({ "ok": true, "bill": waiting })).into_response(),
        Err(reason) => Json(json!({ "ok": false, "reason": reason })).into_response(),
    }
}

/// The payee's decision on WeChat's confirmation page.
async fn transfer(State(state): State<SandboxState>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<TransferRequest>(&body) else {
        return bad_request("expected {mchId, appId, package, cancel?}");
    };
    let decided = wechat_pay::waiting_bill(&state, &request.mch_id, &request.app_id, &request.package)
        .and_then(|waiting| wechat_pay::payee_decides(&state, &waiting.out_bill_no, request.cancel));
    match decided {
        Ok(bill_state) => {
            let result = if request.cancel { "cancel" } else { "ok" };
            Json(json!({ "err_msg": format!("requestMerchantTransfer:{result}"), "state": bill_state })).into_response()
        }
        Err(reason) => Json(json!({ "err_msg": "requestMerchantTransfer:fail", "reason": reason })).into_response(),
    }
}

async fn script() -> Response {
    let mut response = JWEIXIN.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/javascript; charset=utf-8"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The stand-in for jweixin-1.6.0.js: the same names, the same callbacks (`success`, `fail`,
/// `cancel`, `complete`), its checks done by the sandbox.
const JWEIXIN: &str = r#"/* gpet sandbox: a stand-in for WeChat's jweixin-1.6.0.js */
(function () {
  var base = new URL(document.currentScript.src).origin;
  var config = null;
  var status = 'idle';
  var verdict = '';
  var readyQueue = [];
  var errorQueue = [];

  function call(path, body) {
    return fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (r) { return r.json(); });
  }

  function settle(api, res, opts) {
    opts = opts || {};
    var result = res.errMsg.slice(res.errMsg.indexOf(':') + 1);
    if (result === 'ok' && opts.success) opts.success(res);
    else if (result === 'cancel' && opts.cancel) opts.cancel(res);
    else if (result !== 'ok' && result !== 'cancel' && opts.fail) opts.fail(res);
    if (opts.complete) opts.complete(res);
  }

  function allowed(api) {
    return status === 'ok' && config && (config.jsApiList || []).indexOf(api) >= 0;
  }

  function share(api, fields, opts) {
    if (!allowed(api)) {
      settle(api, { errMsg: api + ':the permission value is offline verifying' }, opts);
      return;
    }
    var record = { api: api, url: location.href.split('#')[0] };
    fields.forEach(function (f) { record[f] = opts[f]; });
    call('/sandbox/jssdk/share', record).then(function () {
      settle(api, { errMsg: api + ':ok' }, opts);
    }, function () {
      settle(api, { errMsg: api + ':fail' }, opts);
    });
  }

  var wx = {
    config: function (c) {
      config = c;
      status = 'pending';
      call('/sandbox/jssdk/config', {
        appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr, signature: c.signature,
        jsApiList: c.jsApiList || [], url: location.href.split('#')[0],
      }).then(function (res) {
        verdict = res.errMsg;
        status = verdict === 'config:ok' ? 'ok' : 'error';
      }, function () {
        verdict = 'config:fail';
        status = 'error';
      }).then(function () {
        if (status === 'error') errorQueue.splice(0).forEach(function (f) { f({ errMsg: verdict }); });
        // As WeChat's: ready runs after the check, whatever it found.
        readyQueue.splice(0).forEach(function (f) { f(); });
      });
    },
    ready: function (f) {
      if (status === 'ok' || status === 'error') f(); else readyQueue.push(f);
    },
    error: function (f) {
      if (status === 'error') f({ errMsg: verdict }); else errorQueue.push(f);
    },
    checkJsApi: function (opts) {
      var result = {};
      (opts.jsApiList || []).forEach(function (api) { result[api] = allowed(api); });
      settle('checkJsApi', { errMsg: 'checkJsApi:ok', checkResult: result }, opts);
    },
    updateAppMessageShareData: function (opts) {
      share('updateAppMessageShareData', ['title', 'desc', 'link', 'imgUrl'], opts || {});
    },
    updateTimelineShareData: function (opts) {
      share('updateTimelineShareData', ['title', 'link', 'imgUrl'], opts || {});
    },
  };

  function yuan(fen) {
    return (fen / 100).toFixed(2);
  }

  /** WeChat's confirmation page, over the merchant's page. */
  function confirmTransfer(params, done) {
    call('/sandbox/jssdk/transfer/preview', params).then(function (res) {
      if (!res.ok) {
        done({ err_msg: 'requestMerchantTransfer:fail ' + res.reason });
        return;
      }
      var layer = document.createElement('div');
      layer.setAttribute('data-testid', 'sandbox-transfer');
      layer.setAttribute('style', 'position:fixed;inset:0;z-index:2147483647;background:#ededed;' +
        'display:flex;flex-direction:column;align-items:center;justify-content:center;gap:16px;' +
        'font:16px -apple-system,sans-serif;color:#111');
      layer.innerHTML = '<div style="font-size:14px;color:#888">微信支付（沙箱）</div>' +
        '<div>商家转账给你</div>' +
        '<div data-testid="sandbox-transfer-amount" style="font-size:40px;font-weight:600">¥' + yuan(res.bill.amount_fen) + '</div>' +
        '<div style="color:#888;font-size:14px" data-testid="sandbox-transfer-remark"></div>' +
        '<button data-testid="sandbox-transfer-confirm" style="width:200px;padding:12px;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px">确认收款</button>' +
        '<button data-testid="sandbox-transfer-cancel" style="width:200px;padding:12px;border:0;border-radius:8px;background:#fff;color:#111;font-size:17px">取消</button>';
      layer.querySelector('[data-testid=sandbox-transfer-remark]').textContent = res.bill.remark;
      document.body.appendChild(layer);
      function decide(cancel) {
        layer.remove();
        var body = { mchId: params.mchId, appId: params.appId, package: params.package, cancel: cancel };
        call('/sandbox/jssdk/transfer', body).then(done, function () {
          done({ err_msg: 'requestMerchantTransfer:fail' });
        });
      }
      layer.querySelector('[data-testid=sandbox-transfer-confirm]').onclick = function () { decide(false); };
      layer.querySelector('[data-testid=sandbox-transfer-cancel]').onclick = function () { decide(true); };
    }, function () {
      done({ err_msg: 'requestMerchantTransfer:fail' });
    });
  }

  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      var done = callback || function () {};
      if (name !== 'requestMerchantTransfer') {
        done({ err_msg: name + ':fail function not exist' });
        return;
      }
      if (!allowed('requestMerchantTransfer')) {
        done({ err_msg: 'requestMerchantTransfer:fail permission denied' });
        return;
      }
      confirmTransfer(params || {}, done);
    },
  };
  window.wx = window.jWeixin = wx;
})();
"#;
