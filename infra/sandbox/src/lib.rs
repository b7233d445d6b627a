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

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod sms;
pub mod wechat_oauth;

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
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            app_id: "wx_sandbox_app".to_owned(),
            app_secret: "sandbox-secret".to_owned(),
            public_base_url: None,
            sms_key: "sandbox-sms-key".to_owned(),
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
}

impl SandboxState {
    /// Fresh state with the demo data seeded; `base_url` is how browsers reach the sandbox
    /// (no trailing slash needed).
    pub fn new(config: SandboxConfig, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self {
            inner: Arc::new(Inner {
                config,
                base_url,
                wechat: Mutex::new(wechat_oauth::WechatState::seeded()),
                sms: Mutex::new(sms::SmsState::new()),
            }),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    fn wechat(&self) -> MutexGuard<'_, wechat_oauth::WechatState> {
        // A handler that panicked cannot leave the maps half-updated in a way that matters here.
        self.inner.wechat.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sms(&self) -> MutexGuard<'_, sms::SmsState> {
        self.inner.sms.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every route of the sandbox, logging one line per request.
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/", get(index))
        .merge(wechat_oauth::routes())
        .merge(sms::routes())
        .fallback(not_found)
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// A sandbox serving in a background task; dropping it stops the server.
pub struct Sandbox {
    pub addr: SocketAddr,
    pub base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Stops accepting connections and waits for the open ones to finish.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
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
    let state = SandboxState::new(config, base_url);
    let base_url = state.base_url().to_owned();
    let app = router(state);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Sandbox { addr, base_url, stop: Some(stop), task: Some(task) })
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
</ul>"#,
        app_id = html::escape(&config.app_id),
        sms_key = html::escape(&config.sms_key),
        inbox_limit = sms::INBOX_LIMIT,
        authorize = html::escape(&authorize),
    );
    Html(html::page("gpet sandbox", "", &body))
}
