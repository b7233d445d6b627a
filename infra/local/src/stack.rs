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
