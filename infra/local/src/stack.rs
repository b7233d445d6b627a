//! A whole local stack of its own on the shared services, for a test or a benchmark: a database
//! (from a migrated template database), a Redis key prefix, queues and secrets behind a name
//! prefix, a sandbox, and the local host serving every function on a port of its own. Cleaned
//! up (database dropped, queues, secrets and keys deleted) by [`LocalStack::clean_up`].

use std::sync::Arc;

use anyhow::Context as _;
use gpet::{Clock, Ctx};
use gpet_sandbox::smtp::SmtpConfig;
use gpet_sandbox::{Sandbox, SandboxConfig};
use tokio::sync::OnceCell;

use crate::host::Host;
use crate::rendered::{Rendered, Values};
use crate::setup::{self, Local, Services, Started};
use crate::template::Template;

pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("the project root exists")
}

/// A database migrated once per schema version (its name carries a hash of the migrations),
/// under an advisory lock so that concurrent processes build it once. Test and bench databases
/// are copies of it.
pub async fn template_database(services: &Services) -> anyhow::Result<String> {
    static NAME: OnceCell<String> = OnceCell::const_new();
    NAME.get_or_try_init(|| async {
        let mut hash: u64 = 0xcbf29ce484222325;
        for (version, sql) in gpet::db::MIGRATIONS {
            for b in version.bytes().chain(sql.bytes()) {
                hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
            }
        }
        let name = format!("gpet_tpl_{:012x}", hash & 0xffff_ffff_ffff);
        let admin = services.admin("postgres").await?;
        // A session lock on the admin's own connection (local only, no proxy to pin).
        admin.batch_execute("SELECT pg_advisory_lock(7291002)").await?;
        let result = setup::prepare_database(services, &services.database_url(&name)?).await;
        admin.batch_execute("SELECT pg_advisory_unlock(7291002)").await?;
        result.map(|_| name)
    })
    .await
    .cloned()
}

/// An HTTP client for a local stack: redirects are answers to look at, not to follow, and
/// nothing goes through a proxy (everything is on 127.0.0.1).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client without TLS settings builds")
}

/// template.yaml rendered by the SAM transform for `region`, once per process.
pub fn rendered(region: &str) -> anyhow::Result<&'static Rendered> {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    static RENDERED: Mutex<BTreeMap<String, &'static Rendered>> = Mutex::new(BTreeMap::new());
    let mut all = RENDERED.lock().expect("no render panicked");
    if let Some(rendered) = all.get(region) {
        return Ok(rendered);
    }
    let rendered: &'static Rendered = Box::leak(Box::new(Rendered::load(&project_root(), region)?));
    all.insert(region.to_owned(), rendered);
    Ok(rendered)
}

pub fn location(response: &reqwest::Response) -> Option<String> {
    response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A browser's cookie jar, as far as a test or the bench needs one.
#[derive(Debug, Default, Clone)]
pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    /// Keeps what each Set-Cookie of `response` sets, forgets what it expires.
    pub fn take(&mut self, response: &reqwest::Response) {
        for text in response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let Some((name, value)) = pair.split_once('=') else { continue };
            let name = name.trim();
            self.0.retain(|(n, _)| n != name);
            if !attributes.contains("Max-Age=0") {
                self.0.push((name.to_owned(), value.trim().to_owned()));
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The `Cookie` header.
    pub fn header(&self) -> String {
        self.0.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn without(&self, name: &str) -> Cookies {
        Cookies(self.0.iter().filter(|(n, _)| n != name).cloned().collect())
    }
}

/// What the WeChat login left: the callback's response (a redirect back into the app), the
/// cookies the browser holds, and the callback's URL.
pub struct WechatLogin {
    pub response: reqwest::Response,
    pub cookies: Cookies,
    pub callback: String,
}

pub struct LocalStack {
    pub local: Local,
    pub started: Started,
    pub template: Template,
    pub sandbox: Sandbox,
    pub base_url: String,
    pub sqs: aws_sdk_sqs::Client,
    database: String,
    server: tokio::task::JoinHandle<()>,
}

impl LocalStack {
    /// A stack whose resources are named `{kind}…` (`t` for tests, `bench` for benchmarks).
    pub async fn spawn(kind: &str, pool_size: usize) -> anyhow::Result<LocalStack> {
        let services = Services::from_process()?;
        let template_db = template_database(&services).await?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        let database = format!("gpet_{kind}_{id}");
        services
            .admin("postgres")
            .await?
            .batch_execute(&format!("CREATE DATABASE {database} TEMPLATE {template_db} OWNER \"{}\"", services.pg_user))
            .await
            .with_context(|| format!("cannot create database {database}"))?;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let sandbox = gpet_sandbox::spawn(SandboxConfig {
            app_id: setup::SANDBOX_APP_ID.into(),
            app_secret: setup::SANDBOX_APP_SECRET.into(),
            public_base_url: None,
            sms_access_key_id: setup::SANDBOX_SMS_ACCESS_KEY_ID.into(),
            sms_access_key_secret: setup::SANDBOX_SMS_ACCESS_KEY_SECRET.into(),
            sms_sign_name: setup::SANDBOX_SMS_SIGN_NAME.into(),
            sms_template_code: setup::SANDBOX_SMS_TEMPLATE_CODE.into(),
            robot_secret: setup::SANDBOX_ROBOT_SECRET.into(),
            gpet_base_url: Some(base_url.clone()),
            chatter: false,
            smtp: Some(SmtpConfig {
                username: setup::SANDBOX_SMTP_USERNAME.into(),
                password: setup::SANDBOX_SMTP_PASSWORD.into(),
                cert_chain_pem: services.smtp_cert_pem.clone(),
                key_pem: services.smtp_key_pem.clone(),
                starttls_port: 0,
                implicit_port: 0,
            }),
            wecom_webhook_key: setup::SANDBOX_WECOM_KEY.into(),
            ..SandboxConfig::default()
        })
        .await
        .context("the sandbox starts")?;
        let local = Local {
            database_url: services.database_url(&database)?,
            redis_prefix: format!("{kind}:{id}:"),
            resource_prefix: format!("{kind}{id}-"),
            sandbox_url: sandbox.base_url.clone(),
            sandbox_smtp_port: sandbox.smtp.context("the sandbox's SMTP server")?.starttls.port(),
            public_base_url: base_url.clone(),
            services,
        };
        let template = Template::load(&project_root().join("template.yaml"))?;
        let started = local.start(&template, Clock::system(), pool_size).await?;
        let host = Arc::new(Host::new(started.ctx.clone(), &template, None)?);
        let router = host.router();
        let server = tokio::spawn(async move {
            let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, router).await;
        });
        let sqs = gpet::queue::client(&local.services.aws().await);
        Ok(LocalStack { local, started, template, sandbox, base_url, sqs, database, server })
    }

    /// What function `binary` gets when deployed: the variables the rendered template gives it
    /// (with the local stack's parameters), each with this stack's value, and what the Lambda
    /// runtime adds (region, credentials; locally the AWS-API server's address).
    pub fn function_env(&self, rendered: &Rendered, binary: &str) -> anyhow::Result<Vec<(String, String)>> {
        struct Parameters<'a>(&'a Local, &'a Rendered);
        impl Values for Parameters<'_> {
            fn reference(&self, name: &str) -> Option<String> {
                self.0.parameter(name).or_else(|| {
                    self.1.parameters().get(name).map(|p| p["Default"].as_str().unwrap_or_default().to_owned())
                })
            }
            fn attribute(&self, _: &str, _: &str) -> Option<String> {
                None
            }
        }
        let def = self
            .template
            .functions
            .iter()
            .find(|f| f.binary == binary)
            .with_context(|| format!("{binary} is not in template.yaml"))?;
        let function = rendered.function(&def.logical_id)?;
        let started = &self.started;
        let mut vars = self.local.services.runtime_env();
        for (name, value) in &function.variables {
            if !rendered.present(value, &Parameters(&self.local, rendered))? {
                continue;
            }
            let local = self
                .local
                .variable(name, &started.queue_urls, &self.template, &started.secret_arns, &started.pay)?
                .with_context(|| format!("{binary}: the local stack has no value for {name}"))?;
            vars.push((name.clone(), local));
        }
        Ok(vars)
    }

    pub fn ctx(&self) -> &Arc<Ctx> {
        &self.started.ctx
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A connection of its own to the stack's database (not one of the host's pool), as the
    /// application role.
    pub async fn connect(&self) -> anyhow::Result<tokio_postgres::Client> {
        self.local.services.connect(&self.local.database_url).await
    }

    /// The WeChat login of `openid` through the sandbox, as a browser makes it (arriving
    /// through an invite link when `invite` is given): authorize, the sandbox's consent page,
    /// the callback. Fails unless each step redirects where the next one is.
    pub async fn wechat_login(
        &self,
        http: &reqwest::Client,
        openid: &str,
        redirect: &str,
        invite: Option<&str>,
    ) -> anyhow::Result<WechatLogin> {
        let mut cookies = Cookies::default();
        let mut query = vec![("redirect", redirect)];
        query.extend(invite.map(|code| ("invite", code)));
        let authorize = http.get(self.url("/api/auth/wechat/authorize")).query(&query).send().await?;
        anyhow::ensure!(authorize.status() == 302, "authorize answered {}", authorize.status());
        cookies.take(&authorize);
        let to_wechat = location(&authorize).context("authorize did not say where to go")?;
        let page = to_wechat.split('#').next().unwrap_or_default();
        let wechat = http.get(format!("{page}&sandbox_openid={openid}")).send().await?;
        anyhow::ensure!(wechat.status() == 302, "the sandbox answered {}, not a redirect with a code", wechat.status());
        let callback = location(&wechat).context("the sandbox did not say where to go")?;
        anyhow::ensure!(
            callback.starts_with(&self.url("/api/auth/wechat/callback?")),
            "the sandbox redirected to {callback}, not the callback"
        );
        let response = http.get(&callback).header("cookie", cookies.header()).send().await?;
        cookies.take(&response);
        Ok(WechatLogin { response, cookies, callback })
    }

    /// The console login of an operator through its route: the Bearer token.
    pub async fn console_login(
        &self,
        http: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> anyhow::Result<String> {
        let credentials = serde_json::json!({ "username": username, "password": password });
        let response = http.post(self.url("/api/console/auth/login")).json(&credentials).send().await?;
        let status = response.status();
        let answer: serde_json::Value = response.json().await?;
        anyhow::ensure!(status == 200, "POST /api/console/auth/login answered {status}: {answer}");
        answer["data"]["token"].as_str().map(str::to_owned).context("the console login gave no token")
    }

    /// A session of the H5 app for user `user_id`, as the login would open it: its Bearer token.
    pub async fn session_token(&self, db: &gpet::db::Client, user_id: i64) -> anyhow::Result<String> {
        let session = gpet::sessions::open(db, user_id, None).await?.context("no session opened")?;
        Ok(gpet::sessions::issue_token(self.ctx(), &session)?.token)
    }

    pub fn database(&self) -> &str {
        &self.database
    }

    /// Stops the host and removes what the stack made: its database, queues, secrets and keys.
    pub async fn clean_up(&self) {
        self.server.abort();
        let services = &self.local.services;
        if let Ok(admin) = services.admin("postgres").await {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)).await;
        }
        for url in self.started.queue_urls.values() {
            let _ = self.sqs.delete_queue().queue_url(url).send().await;
        }
        let secrets = aws_sdk_secretsmanager::Client::new(&services.aws().await);
        for arn in self.started.secret_arns.values() {
            let _ = secrets.delete_secret().secret_id(arn).force_delete_without_recovery(true).send().await;
        }
        if let Ok(mut conn) = services.redis().await {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", self.local.redis_prefix))
                .query_async(&mut conn)
                .await
                .unwrap_or_default();
            // One key per command: in cluster mode keys of different slots cannot go together.
            for key in keys {
                let _: redis::RedisResult<()> = redis::cmd("UNLINK").arg(key).query_async(&mut conn).await;
            }
        }
    }
}
