//! The partner sandbox: a real HTTP server speaking the partners' HTTP APIs, so that gpet runs
//! and is tested offline. Each partner lives in its own module and adds its routes to
//! [`router`]; routes under `/sandbox/` are the sandbox's own, for people and scripts.
//!
//! - [`wechat_oauth`]: `/connect/oauth2/authorize`, `/sns/oauth2/access_token`,
//!   `/sns/oauth2/refresh_token`, `/sns/userinfo`, `/sns/auth`; own routes
//!   `/sandbox/wechat/users`, `/sandbox/wechat/echo`, `/sandbox/avatar/{openid}.svg`.
//! - [`wechat_jssdk`]: `/cgi-bin/token`, `/cgi-bin/ticket/getticket`, and a stand-in for the
//!   JS-SDK script (`/sandbox/jssdk/jweixin.js`: `wx.config` checked against the tickets,
//!   share data recorded, `requestMerchantTransfer` confirming or cancelling the bill); own
//!   routes `/sandbox/wechat/credentials`, `/sandbox/wechat/faults`, `/sandbox/jssdk/configs`,
//!   `/sandbox/jssdk/shares`.
//! - [`sms`]: Aliyun SMS `SendSms` (dysmsapi 2017-05-25) on `POST /` (and `GET /` with an
//!   action), its V3 (`ACS3-HMAC-SHA256`) or V2 (HMAC-SHA1) signature, timestamp and nonce
//!   checked with the configured AccessKey, with Aliyun's codes and flow control; own routes `GET
//!   /sandbox/sms?phone=` (delivered messages as JSON), `GET /sandbox/sms/inbox` (HTML),
//!   `GET`/`POST /sandbox/sms/faults` (make the next sends fail), `GET`/`POST
//!   /sandbox/sms/limits` (the flow control per number).
//! - [`robot`]: `POST /robot/v1/messages`, `POST /robot/v1/groups/leave`, `GET
//!   /robot/v1/groups/members` (signed with `X-Robot-Timestamp`/`X-Robot-Signature`; 41002
//!   banned, 41003 offline, 42901 rate-limited robots); events (group, friend, `heartbeat`,
//!   `robot_offline`, `robot_online`) stamped with gpet's business clock (`/_local/clock`) where
//!   it has one; own routes `POST /sandbox/robot/events` (delivers events signed to gpet's
//!   callback), `POST /sandbox/robot/heartbeats` (every online robot's heartbeat, now), `GET
//!   /sandbox/robot/sent?group=&user=&robot=`, `GET /sandbox/robot/leaves`, `GET
//!   /sandbox/robot/groups`, `GET`/`PUT /sandbox/robot/groups/{group_wxid}`, `GET`/`POST
//!   /sandbox/robot/faults` (global counters and per-robot ban, logout, silence, rate_limit),
//!   `GET`/`PUT /sandbox/config/gpet` (where gpet is).
//! - [`launch`]: `POST /launch/v1/switches`; own routes `GET /sandbox/launch`, `PUT
//!   /sandbox/launch/{group_wxid}`.
//! - [`wechat_pay`]: WeChat Pay API v3 transfer bills, `POST
//!   /v3/fund-app/mch-transfer/transfer-bills`, `GET
//!   /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`, the fund-flow bill
//!   (`GET /v3/bill/fundflowbill?bill_date=`, then the signed download of the gzipped file at
//!   `/v3/billdownload/file?token=`) (signed `WECHATPAY2-SHA256-RSA2048` both ways, but for the
//!   file), and signed, encrypted result notifications to each bill's `notify_url`; own routes
//!   under `/sandbox/pay/` (config, faults, bills, confirm page, forced states, names,
//!   conflicts, the fund flows and their faults).
//! - [`ads`]: the ad system calling gpet's signed `/api/callbacks/ad-click`; own routes `POST
//!   /sandbox/ads/click`, `GET /sandbox/ads/clicks`.
//! - [`smtp`]: a real SMTP server (STARTTLS and implicit TLS, AUTH PLAIN and LOGIN) on ports of
//!   its own, and [`wecom`]: a WeCom group robot's `POST /cgi-bin/webhook/send?key=`; own routes
//!   ([`mail`]) `GET /sandbox/mail` (both, JSON), `GET /sandbox/mail/inbox` (HTML), `GET`/`POST
//!   /sandbox/mail/faults` (refuse, drop, stall; the webhook busy).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod ads;
pub mod launch;
pub mod mail;
pub mod robot;
pub mod sms;
pub mod smtp;
pub mod wechat_jssdk;
pub mod wechat_oauth;
pub mod wechat_pay;
pub mod wecom;

mod html;

/// What the sandbox pretends to be configured with on the partners' side.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The WeChat official account's appid gpet authorizes with.
    pub app_id: String,
    /// The secret matching `app_id`.
    pub app_secret: String,
    /// How browsers reach the sandbox (for absolute links such as avatar URLs); defaults to
    /// `http://{bound address}`.
    pub public_base_url: Option<String>,
    /// Aliyun SMS: the AccessKey `SendSms` must be signed with.
    pub sms_access_key_id: String,
    pub sms_access_key_secret: String,
    /// Aliyun SMS: the account's approved signature (签名) and verification-code template.
    pub sms_sign_name: String,
    pub sms_template_code: String,
    /// The robot platform's secret: it checks gpet's calls and signs the events it posts.
    pub robot_secret: String,
    /// Where gpet's callbacks are (no trailing slash needed); defaults to
    /// [`robot::DEFAULT_GPET_BASE_URL`]. [`Sandbox::set_gpet_base_url`] changes it later.
    pub gpet_base_url: Option<String>,
    /// Whether chatty groups post `group_message` events every few seconds (demo data).
    pub chatter: bool,
    /// How often every online robot's `heartbeat` is posted; `None`: never by itself (`POST
    /// /sandbox/robot/heartbeats` still does it on demand).
    pub heartbeat_every: Option<Duration>,
    /// WeChat Pay's merchant number (商户号) gpet pays from.
    pub pay_mch_id: String,
    /// The merchant's APIv3 key (32 ASCII bytes): notifications are encrypted with it.
    pub pay_api_v3_key: String,
    /// The merchant's API public key (PEM, SPKI) gpet signs its WeChat Pay requests with the
    /// private half of. `None`: requests still need a well-formed `Authorization` header, but
    /// their signatures are not checked.
    pub pay_merchant_public_key_pem: Option<String>,
    /// The ad system's MD5 signing secret for the ad-click callback.
    pub ad_secret: String,
    /// The SMTP server alerts are mailed to; `None`: no SMTP server.
    pub smtp: Option<smtp::SmtpConfig>,
    /// The WeCom group robot's webhook key (`?key=`).
    pub wecom_webhook_key: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            app_id: "wx_sandbox_app".to_owned(),
            app_secret: "sandbox-secret".to_owned(),
            public_base_url: None,
            sms_access_key_id: sms::DEFAULT_ACCESS_KEY_ID.to_owned(),
            sms_access_key_secret: sms::DEFAULT_ACCESS_KEY_SECRET.to_owned(),
            sms_sign_name: sms::DEFAULT_SIGN_NAME.to_owned(),
            sms_template_code: sms::DEFAULT_TEMPLATE_CODE.to_owned(),
            robot_secret: "sandbox-robot-secret".to_owned(),
            gpet_base_url: None,
            chatter: false,
            heartbeat_every: None,
            pay_mch_id: wechat_pay::DEFAULT_MCH_ID.to_owned(),
            pay_api_v3_key: wechat_pay::DEFAULT_API_V3_KEY.to_owned(),
            pay_merchant_public_key_pem: None,
            ad_secret: "sandbox-ad-secret".to_owned(),
            smtp: None,
            wecom_webhook_key: "sandbox-wecom-key".to_owned(),
        }
    }
}

/// Shared state of every partner, cheap to clone.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    config: SandboxConfig,
    base_url: String,
    wechat: Mutex<wechat_oauth::WechatState>,
    jssdk: Mutex<wechat_jssdk::JssdkState>,
    sms: Mutex<sms::SmsState>,
    robot: Mutex<robot::RobotState>,
    launch: Mutex<launch::LaunchState>,
    pay: Mutex<wechat_pay::PayState>,
    /// WeChat Pay's keys: made or read once at start, never changed.
    pay_keys: wechat_pay::PayKeys,
    ads: Mutex<ads::AdsState>,
    mail: Mutex<mail::MailState>,
    /// Where the SMTP server listens, once it does.
    smtp_addrs: std::sync::OnceLock<smtp::SmtpAddrs>,
    gpet_base_url: Mutex<String>,
    /// The client the sandbox calls gpet with.
    http: reqwest::Client,
}

impl SandboxState {
    /// Fresh state with the demo data seeded and WeChat Pay's platform key pair generated;
    /// `base_url` is how browsers reach the sandbox (no trailing slash needed). Fails when the
    /// WeChat Pay settings of `config` are unusable (a merchant key that is not an RSA public
    /// key, an APIv3 key that is not 32 bytes).
    pub fn new(config: SandboxConfig, base_url: impl Into<String>) -> anyhow::Result<Self> {
        let pay_keys = wechat_pay::PayKeys::new(&config)?;
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let gpet_base_url =
            config.gpet_base_url.as_deref().unwrap_or(robot::DEFAULT_GPET_BASE_URL).trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                base_url,
                wechat: Mutex::new(wechat_oauth::WechatState::seeded()),
                jssdk: Mutex::new(wechat_jssdk::JssdkState::new()),
                sms: Mutex::new(sms::SmsState::new()),
                robot: Mutex::new(robot::RobotState::new()),
                launch: Mutex::new(launch::LaunchState::new()),
                pay: Mutex::new(wechat_pay::PayState::new()),
                pay_keys,
                ads: Mutex::new(ads::AdsState::new()),
                mail: Mutex::new(mail::MailState::new()),
                smtp_addrs: std::sync::OnceLock::new(),
                gpet_base_url: Mutex::new(gpet_base_url),
                http,
            }),
        })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Where gpet's callbacks are, without a trailing slash.
    pub fn gpet_base_url(&self) -> String {
        self.inner.gpet_base_url.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Points the sandbox's callbacks at gpet on `url` (a trailing slash is dropped).
    pub fn set_gpet_base_url(&self, url: &str) {
        let url = url.trim().trim_end_matches('/').to_owned();
        tracing::info!(%url, "gpet base url set");
        *self.inner.gpet_base_url.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = url;
    }

    fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    fn wechat(&self) -> MutexGuard<'_, wechat_oauth::WechatState> {
        // A handler that panicked cannot leave the maps half-updated in a way that matters here.
        self.inner.wechat.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn jssdk(&self) -> MutexGuard<'_, wechat_jssdk::JssdkState> {
        self.inner.jssdk.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sms(&self) -> MutexGuard<'_, sms::SmsState> {
        self.inner.sms.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn robot(&self) -> MutexGuard<'_, robot::RobotState> {
        self.inner.robot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn launch(&self) -> MutexGuard<'_, launch::LaunchState> {
        self.inner.launch.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn pay(&self) -> MutexGuard<'_, wechat_pay::PayState> {
        self.inner.pay.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn pay_keys(&self) -> &wechat_pay::PayKeys {
        &self.inner.pay_keys
    }

    fn ads(&self) -> MutexGuard<'_, ads::AdsState> {
        self.inner.ads.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn mail(&self) -> MutexGuard<'_, mail::MailState> {
        self.inner.mail.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every route of the sandbox, logging one line per request.
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/", get(root).post(sms::api))
        .merge(wechat_oauth::routes())
        .merge(wechat_jssdk::routes())
        .merge(sms::routes())
        .merge(robot::routes())
        .merge(launch::routes())
        .merge(wechat_pay::routes())
        .merge(ads::routes())
        .merge(mail::routes())
        .merge(wecom::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// A sandbox serving in a background task; dropping it stops the server.
pub struct Sandbox {
    pub addr: SocketAddr,
    pub base_url: String,
    state: SandboxState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// The chatter task, when [`SandboxConfig::chatter`] is on.
    chatter: Option<JoinHandle<()>>,
    /// The heartbeat task, when [`SandboxConfig::heartbeat_every`] is set.
    heartbeats: Option<JoinHandle<()>>,
    /// Where the SMTP server listens, when [`SandboxConfig::smtp`] is set.
    pub smtp: Option<smtp::SmtpAddrs>,
    /// The SMTP server's listeners.
    smtp_tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Points the robot platform's events at gpet on `url` (tests start the sandbox first).
    pub fn set_gpet_base_url(&self, url: &str) {
        self.state.set_gpet_base_url(url);
    }

    /// The sandbox's shared state.
    pub fn state(&self) -> &SandboxState {
        &self.state
    }

    /// Stops accepting connections and waits for the open ones to finish.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(chatter) = self.chatter.take() {
            chatter.abort();
        }
        if let Some(heartbeats) = self.heartbeats.take() {
            heartbeats.abort();
        }
        for task in self.smtp_tasks.drain(..) {
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await??;
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(chatter) = self.chatter.take() {
            chatter.abort();
        }
        if let Some(heartbeats) = self.heartbeats.take() {
            heartbeats.abort();
        }
        for task in self.smtp_tasks.drain(..) {
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves the sandbox on 127.0.0.1 at a free port.
pub async fn spawn(config: SandboxConfig) -> anyhow::Result<Sandbox> {
    spawn_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
}

/// Serves the sandbox on `addr` (port 0 picks a free port; `Sandbox::addr` tells which).
pub async fn spawn_on(addr: SocketAddr, config: SandboxConfig) -> anyhow::Result<Sandbox> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = config.public_base_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    // RSA key generation takes a while: off the async threads.
    let state = tokio::task::spawn_blocking(move || SandboxState::new(config, base_url)).await??;
    let base_url = state.base_url().to_owned();
    let (smtp, smtp_tasks) = match &state.config().smtp {
        Some(config) => {
            let (addrs, tasks) = smtp::start(state.clone(), config).await?;
            (Some(addrs), tasks)
        }
        None => (None, Vec::new()),
    };
    let chatter = state.config().chatter.then(|| tokio::spawn(robot::chatter_loop(state.clone())));
    let heartbeats = state
        .config()
        .heartbeat_every
        .filter(|every| !every.is_zero())
        .map(|every| tokio::spawn(robot::heartbeat_loop(state.clone(), every)));
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Sandbox { addr, base_url, state, stop: Some(stop), task: Some(task), chatter, heartbeats, smtp, smtp_tasks })
}

async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, "not found in the gpet sandbox\n")
}

/// `GET /`: Aliyun's SMS API when the request names an action, else the index page.
async fn root(axum::extract::State(state): axum::extract::State<SandboxState>, request: Request) -> Response {
    if sms::is_api_call(request.headers(), request.uri()) {
        return sms::api(axum::extract::State(state), request).await;
    }
    index(state).into_response()
}

fn index(state: SandboxState) -> Html<String> {
    let config = state.config();
    let example_redirect = format!("{}/sandbox/wechat/echo", state.base_url());
    let authorize = format!(
        "/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope=snsapi_userinfo&state=demo#wechat_redirect",
        html::query_escape(&config.app_id),
        html::query_escape(&example_redirect),
    );
    let body = format!(
        r#"<h1>gpet sandbox</h1>
<p>Partners' HTTP APIs for local runs and tests. Nothing here is real.</p>
<h2>WeChat OAuth2 (公众号网页授权)</h2>
<p>appid <code>{app_id}</code></p>
<ul>
<li><a href="{authorize}">GET /connect/oauth2/authorize</a> — pick a demo user (add <code>&amp;sandbox_openid=…</code> to skip the page, <code>&amp;sandbox_snapshot=1</code> for a snapshot user)</li>
<li>GET /sns/oauth2/access_token?appid=&amp;secret=&amp;code=&amp;grant_type=authorization_code</li>
<li>GET /sns/oauth2/refresh_token?appid=&amp;grant_type=refresh_token&amp;refresh_token=</li>
<li>GET /sns/userinfo?access_token=&amp;openid=&amp;lang=zh_CN</li>
<li>GET /sns/auth?access_token=&amp;openid=</li>
<li><a href="/sandbox/wechat/users">GET /sandbox/wechat/users</a> — demo users; POST <code>{{"openid"?, "nickname"}}</code> adds one</li>
<li>GET /sandbox/avatar/{{openid}}.svg — generated avatars</li>
</ul>
<h2>WeChat JS-SDK (access_token, jsapi_ticket, jweixin)</h2>
<ul>
<li>GET /cgi-bin/token?grant_type=client_credential&amp;appid=&amp;secret= — a new token retires the previous one 5 minutes later</li>
<li>GET /cgi-bin/ticket/getticket?access_token=&amp;type=jsapi</li>
<li><a href="/sandbox/jssdk/jweixin.js">GET /sandbox/jssdk/jweixin.js</a> — the stand-in for jweixin-1.6.0.js (wx.config checked here; requestMerchantTransfer confirms or cancels the bill)</li>
<li><a href="/sandbox/wechat/credentials">GET /sandbox/wechat/credentials</a> — fetch counts; POST /sandbox/wechat/credentials/retire <code>{{"how": "retire"|"expire"}}</code>; POST /sandbox/wechat/faults <code>{{"token"?: [45009], "ticket"?: [...]}}</code></li>
<li><a href="/sandbox/jssdk/configs">GET /sandbox/jssdk/configs</a> — each wx.config and its verdict; <a href="/sandbox/jssdk/shares">GET /sandbox/jssdk/shares</a> — share cards set</li>
</ul>
<h2>Aliyun SMS (阿里云短信服务 SendSms)</h2>
<p>AccessKeyId <code>{sms_key_id}</code>, AccessKeySecret <code>{sms_key_secret}</code>; SignName <code>{sms_sign_name}</code>; TemplateCode <code>{sms_template_code}</code> (<code>{sms_template_text}</code>)</p>
<ul>
<li>POST / — <code>SendSms</code> 2017-05-25 signed V3 (<code>x-acs-action</code>, <code>Authorization: ACS3-HMAC-SHA256 …</code>) or V2 (<code>Signature</code>, HMAC-SHA1); parameters <code>PhoneNumbers</code>, <code>SignName</code>, <code>TemplateCode</code>, <code>TemplateParam</code> in the query string → <code>{{"Code": "OK", "Message", "BizId", "RequestId"}}</code> or Aliyun's codes (<code>SignatureDoesNotMatch</code>, <code>SignatureNonceUsed</code>, <code>InvalidTimeStamp.Expired</code>, <code>isv.BUSINESS_LIMIT_CONTROL</code>, …)</li>
<li><a href="/sandbox/sms/inbox">GET /sandbox/sms/inbox</a> — the last {inbox_limit} messages</li>
<li><a href="/sandbox/sms">GET /sandbox/sms?phone=</a> — delivered messages as JSON, oldest first</li>
<li><a href="/sandbox/sms/faults">GET /sandbox/sms/faults</a> — POST <code>{{"fail_next": n, "code"?}}</code> answers the next n sends with Aliyun's <code>code</code> (default <code>isp.SYSTEM_ERROR</code>; <code>{{"fail_next": 0}}</code> clears)</li>
<li><a href="/sandbox/sms/limits">GET /sandbox/sms/limits</a> — POST <code>{{"per_minute", "per_hour", "per_day"}}</code> sets the flow control per number (Aliyun's defaults 1, 5, 10)</li>
</ul>
<h2>Robot platform (机器人平台)</h2>
<p>secret <code>{robot_secret}</code>; every call signed: <code>X-Robot-Timestamp</code> (unix seconds, ±{max_skew} s) and <code>X-Robot-Signature</code> = hex HMAC-SHA256(secret, timestamp + "." + body). Answers <code>{{"errcode", "errmsg"}}</code>: 40001 bad signature, 40003 bad parameters, 41001 not in group, 41002 robot banned, 41003 robot offline (logged out), 42901 risk control (sending too frequently), 50000 injected fault.</p>
<p>events go to <code>{gpet_base_url}{callback}</code>, stamped with gpet's business clock (<code>{clock}</code>) where it has one; <code>heartbeat</code> {heartbeats}, <code>robot_offline</code> (reason logout, banned, restricted), <code>robot_online</code></p>
<ul>
<li>POST /robot/v1/messages <code>{{"robot_wxid", "to_group"|"to_user", "content": {{"kind": "text"|"link"|"miniprogram", …}}}}</code> → <code>{{"errcode": 0, "msg_id"}}</code></li>
<li>POST /robot/v1/groups/leave <code>{{"robot_wxid", "group_wxid"}}</code> — a signed <code>left_group</code> event (reason <code>quit</code>) follows</li>
<li>GET /robot/v1/groups/members?robot_wxid=&amp;group_wxid= — the owner (the inviter unless set), the robot, generated members</li>
<li>POST /sandbox/robot/events <code>{{"events": [...]}}</code> (≤ {max_events}; <code>id</code>, <code>at</code> filled in) — delivers them signed to gpet; <code>?unsigned=1</code> / <code>?bad_signature=1</code> to test refusals</li>
<li>POST /sandbox/robot/heartbeats — a <code>heartbeat</code> now for every known robot not banned, logged out or silenced → <code>{{"robots", "delivered"}}</code></li>
<li><a href="/sandbox/robot/sent">GET /sandbox/robot/sent?group=&amp;user=&amp;robot=</a> — what robots sent, oldest first (real time, ms)</li>
<li><a href="/sandbox/robot/leaves">GET /sandbox/robot/leaves</a> — groups robots left</li>
<li><a href="/sandbox/robot/groups">GET /sandbox/robot/groups</a> — known groups; PUT /sandbox/robot/groups/{{group_wxid}} <code>{{"owner_wxid"?, "member_count"?, "robot_wxid"?, "name"?, "chatter"?, "members_fail"?}}</code></li>
<li><a href="/sandbox/robot/faults">GET /sandbox/robot/faults</a> — POST <code>{{"send_fail"?: n, "members_fail"?: n, "members_delay_ms"?: ms}}</code> fails the next n sends / member lists, slows every member list; <code>{{"robot_wxid", "fault": "ban"|"logout"|"silence"|"rate_limit"|"none"}}</code> sets one robot's fault (ban and logout emit <code>robot_offline</code>, none after them <code>robot_online</code>)</li>
<li><a href="/sandbox/config/gpet">GET /sandbox/config/gpet</a> — PUT <code>{{"base_url"}}</code> says where gpet is</li>
</ul>
<h2>Launch system (投放系统)</h2>
<ul>
<li>POST /launch/v1/switches <code>{{"group_wxids": [...]}}</code> → <code>{{"errcode": 0, "switches": {{"&lt;wxid&gt;": bool}}}}</code>; every group is on unless set</li>
<li><a href="/sandbox/launch">GET /sandbox/launch</a> — the switches set; PUT /sandbox/launch/{{group_wxid}} <code>{{"on": bool}}</code></li>
</ul>
<h2>WeChat Pay (微信支付 APIv3 商家转账)</h2>
<p>mchid <code>{mch_id}</code>; requests signed <code>Authorization: WECHATPAY2-SHA256-RSA2048 …</code> ({verifies}); answers and notifications signed with the platform key <code>{platform_serial}</code>; user_name RSA-OAEP(SHA-1) with the same key</p>
<ul>
<li>POST /v3/fund-app/mch-transfer/transfer-bills — a bill in WAIT_USER_CONFIRM (or as the next fault says)</li>
<li>GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{{out_bill_no}}</li>
<li>GET /v3/bill/fundflowbill?bill_date=YYYY-MM-DD&amp;account_type=OPERATION&amp;tar_type=GZIP — the day's fund-flow bill (资金账单): <code>{{"hash_type", "hash_value", "download_url"}}</code>; a 支出 line per bill that reached SUCCESS that day (Beijing time); NO_STATEMENT_EXIST for a day without flows, STATEMENT_CREATING for today</li>
<li>GET /v3/billdownload/file?token= — the file (signed request, once, within 30 s), gzipped when asked</li>
<li><a href="/sandbox/pay/config">GET /sandbox/pay/config</a> — the platform public key, serial and APIv3 key for the local setup</li>
<li><a href="/sandbox/pay/bills">GET /sandbox/pay/bills?out_bill_no=</a> — bills and notification deliveries</li>
<li><a href="/sandbox/pay/faults">GET /sandbox/pay/faults</a> — POST <code>{{"next": [fault…]}}</code> replaces the queue (accept, timeout_after_accept, system_error, processing_then_fail, not_enough, name_mismatch, auto_confirm); DELETE clears</li>
<li>POST /sandbox/pay/confirm <code>{{"out_bill_no", "cancel"?}}</code>; GET /sandbox/pay/confirm/{{out_bill_no}} — the user's confirm page</li>
<li>POST /sandbox/pay/bills/{{out_bill_no}}/state <code>{{"state", "fail_reason"?}}</code> — force a state</li>
<li><a href="/sandbox/pay/names">GET /sandbox/pay/names</a> — PUT /sandbox/pay/names/{{openid}} <code>{{"name"}}</code>: a real name that must match user_name</li>
<li><a href="/sandbox/pay/conflicts">GET /sandbox/pay/conflicts</a> — out_bill_no reused with other parameters</li>
<li><a href="/sandbox/pay/fund-flow">GET /sandbox/pay/fund-flow</a> — the operation account's flows and balance; PUT <code>{{"today_ready": bool}}</code> serves today's bill now (the flows so far); GET /sandbox/pay/fund-flow/{{YYYY-MM-DD}} — a day's plain file</li>
<li><a href="/sandbox/pay/fund-flow/faults">GET /sandbox/pay/fund-flow/faults</a> — POST <code>{{"next": [fault…]}}</code>, one per application for a bill (creating, not_found, wrong_hash, malformed, corrupt_gzip, download_not_found, foreign_host); DELETE clears</li>
</ul>
<h2>Ad system (广告系统)</h2>
<p>calls <code>{gpet_base_url}{ad_callback}</code>, form-encoded, signed with MD5 and secret <code>{ad_secret}</code></p>
<ul>
<li>POST /sandbox/ads/click <code>{{"group_wxid", "amount_fen", "campaign_id"?, "trans_id"?, "repeat"?, "tamper"?: "signature"|"stale"}}</code></li>
<li><a href="/sandbox/ads/clicks">GET /sandbox/ads/clicks</a> — the calls made and gpet's answers</li>
</ul>
<h2>Mail (SMTP) and WeCom group robot (企业微信群机器人)</h2>
<p>SMTP {smtp}: AUTH PLAIN or LOGIN as <code>{smtp_user}</code>, only after TLS</p>
<p>webhook key <code>{wecom_key}</code>: POST /cgi-bin/webhook/send?key= <code>{{"msgtype": "markdown"|"text", …}}</code> → <code>{{"errcode", "errmsg"}}</code>: 93000 unknown key, 45009 over {wecom_rate} a minute, 40058 content too long (markdown {markdown_limit} bytes)</p>
<ul>
<li><a href="/sandbox/mail">GET /sandbox/mail</a> — mail and WeCom messages received, newest last</li>
<li><a href="/sandbox/mail/inbox">GET /sandbox/mail/inbox</a> — the same as a page</li>
<li><a href="/sandbox/mail/faults">GET /sandbox/mail/faults</a> — POST <code>{{"refuse_next"?, "drop_next"?, "stall_next"?, "wecom_fail_next"?}}</code>: the next n messages refused (554) or dropped, connections never greeted, webhook posts busy (-1)</li>
</ul>"#,
        app_id = html::escape(&config.app_id),
        sms_key_id = html::escape(&config.sms_access_key_id),
        sms_key_secret = html::escape(&config.sms_access_key_secret),
        sms_sign_name = html::escape(&config.sms_sign_name),
        sms_template_code = html::escape(&config.sms_template_code),
        sms_template_text = html::escape(sms::TEMPLATE_TEXT),
        inbox_limit = sms::INBOX_LIMIT,
        robot_secret = html::escape(&config.robot_secret),
        max_skew = robot::MAX_SKEW_SECS,
        max_events = robot::MAX_EVENTS,
        gpet_base_url = html::escape(&state.gpet_base_url()),
        callback = robot::CALLBACK_PATH,
        clock = robot::CLOCK_PATH,
        heartbeats = match config.heartbeat_every.filter(|every| !every.is_zero()) {
            Some(every) => format!("every {} s", every.as_secs()),
            None => "on demand".to_owned(),
        },
        authorize = html::escape(&authorize),
        mch_id = html::escape(&config.pay_mch_id),
        verifies = if state.pay_keys().verifies_signatures() {
            "signatures checked"
        } else {
            "signatures not checked: no merchant key given"
        },
        platform_serial = wechat_pay::PLATFORM_SERIAL,
        ad_callback = ads::CALLBACK_PATH,
        ad_secret = html::escape(&config.ad_secret),
        smtp = match state.inner.smtp_addrs.get() {
            Some(addrs) => format!("on {} (STARTTLS) and {} (implicit TLS)", addrs.starttls, addrs.implicit),
            None => "off".to_owned(),
        },
        smtp_user = html::escape(config.smtp.as_ref().map(|s| s.username.as_str()).unwrap_or("-")),
        wecom_key = html::escape(&config.wecom_webhook_key),
        wecom_rate = wecom::RATE_LIMIT,
        markdown_limit = wecom::MARKDOWN_LIMIT,
    );
    Html(html::page("gpet sandbox", "", &body))
}
