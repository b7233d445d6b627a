//! The partner sandbox: a real HTTP server speaking the partners' HTTP APIs, so that gpet runs
//! and is tested offline. Each partner lives in its own module and adds its routes to
//! [`router`]; routes under `/sandbox/` are the sandbox's own, for people and scripts.
//!
//! - [`wechat_oauth`]: `/connect/oauth2/authorize`, `/sns/oauth2/access_token`,
//!   `/sns/oauth2/refresh_token`, `/sns/userinfo`, `/sns/auth`; own routes
//!   `/sandbox/wechat/users`, `/sandbox/wechat/echo`, `/sandbox/avatar/{openid}.svg`.
//! - [`sms`]: `POST /sms/v1/send` (key in `X-Sms-Key`); own routes `GET /sandbox/sms?phone=`
//!   (delivered messages as JSON), `GET /sandbox/sms/inbox` (HTML), `GET`/`POST
//!   /sandbox/sms/faults` (make the next sends fail).
//! - [`robot`]: `POST /robot/v1/messages`, `POST /robot/v1/groups/leave`, `GET
//!   /robot/v1/groups/members` (signed with `X-Robot-Timestamp`/`X-Robot-Signature`); own routes
//!   `POST /sandbox/robot/events` (delivers events signed to gpet's callback), `GET
//!   /sandbox/robot/sent`, `GET /sandbox/robot/leaves`, `GET /sandbox/robot/groups`, `GET`/`PUT
//!   /sandbox/robot/groups/{group_wxid}`, `GET`/`POST /sandbox/robot/faults`, `GET`/`PUT
//!   /sandbox/config/gpet` (where gpet is).
//! - [`launch`]: `POST /launch/v1/switches`; own routes `GET /sandbox/launch`, `PUT
//!   /sandbox/launch/{group_wxid}`.
//! - [`wechat_pay`]: WeChat Pay API v3 transfer bills, `POST
//!   /v3/fund-app/mch-transfer/transfer-bills`, `GET
//!   /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}`, `GET
//!   /v3/fund-app/mch-transfer/bills?bill_date=` (signed `WECHATPAY2-SHA256-RSA2048` both ways),
//!   and signed, encrypted result notifications to each bill's `notify_url`; own routes under
//!   `/sandbox/pay/` (config, faults, bills, confirm page, forced states, names, conflicts).
//! - [`ads`]: the ad system calling gpet's signed `/api/callbacks/ad-click`; own routes `POST
//!   /sandbox/ads/click`, `GET /sandbox/ads/clicks`.
//! - [`mail`]: `POST /mail/v1/send` (key in `X-Mail-Key`); own routes `GET /sandbox/mail`, `GET`/`POST
//!   /sandbox/mail/faults`.

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
pub mod wechat_oauth;
pub mod wechat_pay;

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
    /// The key the SMS gateway expects in `X-Sms-Key`.
    pub sms_key: String,
    /// The robot platform's secret: it checks gpet's calls and signs the events it posts.
    pub robot_secret: String,
    /// Where gpet's callbacks are (no trailing slash needed); defaults to
    /// [`robot::DEFAULT_GPET_BASE_URL`]. [`Sandbox::set_gpet_base_url`] changes it later.
    pub gpet_base_url: Option<String>,
    /// Whether chatty groups post `group_message` events every few seconds (demo data).
    pub chatter: bool,
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
    /// The key the mail API expects in `X-Mail-Key`.
    pub mail_key: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            app_id: "wx_sandbox_app".to_owned(),
            app_secret: "sandbox-secret".to_owned(),
            public_base_url: None,
            sms_key: "sandbox-sms-key".to_owned(),
            robot_secret: "sandbox-robot-secret".to_owned(),
            gpet_base_url: None,
            chatter: false,
            pay_mch_id: wechat_pay::DEFAULT_MCH_ID.to_owned(),
            pay_api_v3_key: wechat_pay::DEFAULT_API_V3_KEY.to_owned(),
            pay_merchant_public_key_pem: None,
            ad_secret: "sandbox-ad-secret".to_owned(),
            mail_key: "sandbox-mail-key".to_owned(),
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
    sms: Mutex<sms::SmsState>,
    robot: Mutex<robot::RobotState>,
    launch: Mutex<launch::LaunchState>,
    pay: Mutex<wechat_pay::PayState>,
    /// WeChat Pay's keys: made or read once at start, never changed.
    pay_keys: wechat_pay::PayKeys,
    ads: Mutex<ads::AdsState>,
    mail: Mutex<mail::MailState>,
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
                sms: Mutex::new(sms::SmsState::new()),
                robot: Mutex::new(robot::RobotState::new()),
                launch: Mutex::new(launch::LaunchState::new()),
                pay: Mutex::new(wechat_pay::PayState::new()),
                pay_keys,
                ads: Mutex::new(ads::AdsState::new()),
                mail: Mutex::new(mail::MailState::new()),
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
        .route("/", get(index))
        .merge(wechat_oauth::routes())
        .merge(sms::routes())
        .merge(robot::routes())
        .merge(launch::routes())
        .merge(wechat_pay::routes())
        .merge(ads::routes())
        .merge(mail::routes())
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
    let chatter = state.config().chatter.then(|| tokio::spawn(robot::chatter_loop(state.clone())));
    let app = router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Sandbox { addr, base_url, state, stop: Some(stop), task: Some(task), chatter })
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

async fn index(axum::extract::State(state): axum::extract::State<SandboxState>) -> Html<String> {
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
<h2>SMS gateway (短信)</h2>
<p>key <code>{sms_key}</code> in header <code>X-Sms-Key</code>; template <code>verify_code</code> (params <code>code</code>, <code>minutes</code>)</p>
<ul>
<li>POST /sms/v1/send <code>{{"phone", "template", "params"}}</code> — answers <code>{{"code": "OK", "message", "biz_id"}}</code> or an <code>isv.</code>/<code>isp.</code> code</li>
<li><a href="/sandbox/sms/inbox">GET /sandbox/sms/inbox</a> — the last {inbox_limit} messages</li>
<li><a href="/sandbox/sms">GET /sandbox/sms?phone=</a> — delivered messages as JSON, oldest first</li>
<li><a href="/sandbox/sms/faults">GET /sandbox/sms/faults</a> — POST <code>{{"fail_next": n, "code"?}}</code> fails the next n sends (<code>{{"fail_next": 0}}</code> clears)</li>
</ul>
<h2>Robot platform (机器人平台)</h2>
<p>secret <code>{robot_secret}</code>; every call signed: <code>X-Robot-Timestamp</code> (unix seconds, ±{max_skew} s) and <code>X-Robot-Signature</code> = hex HMAC-SHA256(secret, timestamp + "." + body). Answers <code>{{"errcode", "errmsg"}}</code>: 40001 bad signature, 40003 bad parameters, 41001 not in group, 50000 injected fault.</p>
<p>events go to <code>{gpet_base_url}{callback}</code></p>
<ul>
<li>POST /robot/v1/messages <code>{{"robot_wxid", "to_group"|"to_user", "content": {{"kind": "text"|"link"|"miniprogram", …}}}}</code> → <code>{{"errcode": 0, "msg_id"}}</code></li>
<li>POST /robot/v1/groups/leave <code>{{"robot_wxid", "group_wxid"}}</code> — a signed <code>left_group</code> event (reason <code>quit</code>) follows</li>
<li>GET /robot/v1/groups/members?robot_wxid=&amp;group_wxid= — the owner (the inviter unless set), the robot, generated members</li>
<li>POST /sandbox/robot/events <code>{{"events": [...]}}</code> (≤ {max_events}; <code>id</code>, <code>at</code> filled in) — delivers them signed to gpet; <code>?unsigned=1</code> / <code>?bad_signature=1</code> to test refusals</li>
<li><a href="/sandbox/robot/sent">GET /sandbox/robot/sent?group=&amp;user=</a> — what robots sent, oldest first</li>
<li><a href="/sandbox/robot/leaves">GET /sandbox/robot/leaves</a> — groups robots left</li>
<li><a href="/sandbox/robot/groups">GET /sandbox/robot/groups</a> — known groups; PUT /sandbox/robot/groups/{{group_wxid}} <code>{{"owner_wxid"?, "member_count"?, "robot_wxid"?, "name"?, "chatter"?, "members_fail"?}}</code></li>
<li><a href="/sandbox/robot/faults">GET /sandbox/robot/faults</a> — POST <code>{{"send_fail"?: n, "members_fail"?: n}}</code> fails the next n sends / member lists</li>
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
<li>GET /v3/fund-app/mch-transfer/bills?bill_date=YYYY-MM-DD — bills created that day (Beijing time)</li>
<li><a href="/sandbox/pay/config">GET /sandbox/pay/config</a> — the platform public key, serial and APIv3 key for the local setup</li>
<li><a href="/sandbox/pay/bills">GET /sandbox/pay/bills?out_bill_no=</a> — bills and notification deliveries</li>
<li><a href="/sandbox/pay/faults">GET /sandbox/pay/faults</a> — POST <code>{{"next": [fault…]}}</code> replaces the queue (accept, timeout_after_accept, system_error, processing_then_fail, not_enough, name_mismatch, auto_confirm); DELETE clears</li>
<li>POST /sandbox/pay/confirm <code>{{"out_bill_no", "cancel"?}}</code>; GET /sandbox/pay/confirm/{{out_bill_no}} — the user's confirm page</li>
<li>POST /sandbox/pay/bills/{{out_bill_no}}/state <code>{{"state", "fail_reason"?}}</code> — force a state</li>
<li><a href="/sandbox/pay/names">GET /sandbox/pay/names</a> — PUT /sandbox/pay/names/{{openid}} <code>{{"name"}}</code>: a real name that must match user_name</li>
<li><a href="/sandbox/pay/conflicts">GET /sandbox/pay/conflicts</a> — out_bill_no reused with other parameters</li>
</ul>
<h2>Ad system (广告系统)</h2>
<p>calls <code>{gpet_base_url}{ad_callback}</code>, form-encoded, signed with MD5 and secret <code>{ad_secret}</code></p>
<ul>
<li>POST /sandbox/ads/click <code>{{"group_wxid", "amount_fen", "campaign_id"?, "trans_id"?, "repeat"?, "tamper"?: "signature"|"stale"}}</code></li>
<li><a href="/sandbox/ads/clicks">GET /sandbox/ads/clicks</a> — the calls made and gpet's answers</li>
</ul>
<h2>Mail (邮件)</h2>
<p>key <code>{mail_key}</code> in header <code>X-Mail-Key</code></p>
<ul>
<li>POST /mail/v1/send <code>{{"to", "subject", "text"}}</code> → <code>{{"id"}}</code></li>
<li><a href="/sandbox/mail">GET /sandbox/mail</a> — messages sent, newest last</li>
<li><a href="/sandbox/mail/faults">GET /sandbox/mail/faults</a> — POST <code>{{"fail_next": n}}</code> fails the next n sends with 500</li>
</ul>"#,
        app_id = html::escape(&config.app_id),
        sms_key = html::escape(&config.sms_key),
        inbox_limit = sms::INBOX_LIMIT,
        robot_secret = html::escape(&config.robot_secret),
        max_skew = robot::MAX_SKEW_SECS,
        max_events = robot::MAX_EVENTS,
        gpet_base_url = html::escape(&state.gpet_base_url()),
        callback = robot::CALLBACK_PATH,
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
        mail_key = html::escape(&config.mail_key),
    );
    Html(html::page("gpet sandbox", "", &body))
}
