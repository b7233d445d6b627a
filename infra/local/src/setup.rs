//! How the local host (and the tests) put the product together: the configuration a deployed
//! stack would get from template.yaml's parameters, pointed at local services and the sandbox.

use std::sync::Arc;

use anyhow::Context as _;
use gpet::queue::Queue;
use gpet::{Clock, Ctx, Env, Everything};

use crate::queues::{self, QueueUrls};
use crate::template::Template;

/// Local only: a deployed stack gets its secrets from parameters, never from here.
pub const LOCAL_JWT_SECRET: &str = "local-only-jwt-secret-never-deployed-0000";
pub const LOCAL_COOKIE_KEY: &str = "local-only-cookie-key-never-deployed-0000";
pub const SANDBOX_APP_ID: &str = "wx_sandbox_app";
pub const SANDBOX_APP_SECRET: &str = "sandbox-secret";
pub const SANDBOX_SMS_KEY: &str = "sandbox-sms-key";
pub const SANDBOX_ROBOT_SECRET: &str = "sandbox-robot-secret";

#[derive(Debug, Clone)]
pub struct Local {
    pub database_url: String,
    pub redis_url: String,
    pub redis_prefix: String,
    pub sqs_endpoint: String,
    pub queue_prefix: String,
    pub sandbox_url: String,
    pub public_base_url: String,
}

impl Local {
    /// The variables every function gets, as template.yaml gives them in AWS.
    pub fn env(&self, queue_urls: &QueueUrls, template: &Template) -> anyhow::Result<Env> {
        let mut env = Env::from_pairs([
            ("GPET_DATABASE_URL", self.database_url.as_str()),
            ("GPET_REDIS_URL", &self.redis_url),
            ("GPET_REDIS_PREFIX", &self.redis_prefix),
            ("GPET_SQS_ENDPOINT", &self.sqs_endpoint),
            ("GPET_JWT_SECRET", LOCAL_JWT_SECRET),
            ("GPET_COOKIE_KEY", LOCAL_COOKIE_KEY),
            ("GPET_PUBLIC_BASE_URL", &self.public_base_url),
            ("GPET_WECHAT_APP_ID", SANDBOX_APP_ID),
            ("GPET_WECHAT_APP_SECRET", SANDBOX_APP_SECRET),
            ("GPET_WECHAT_OAUTH_BASE", &self.sandbox_url),
            ("GPET_WECHAT_API_BASE", &self.sandbox_url),
            ("GPET_SMS_BASE_URL", &self.sandbox_url),
            ("GPET_SMS_KEY", SANDBOX_SMS_KEY),
            ("GPET_ROBOT_BASE_URL", &self.sandbox_url),
            ("GPET_ROBOT_SECRET", SANDBOX_ROBOT_SECRET),
            ("GPET_LAUNCH_BASE_URL", &self.sandbox_url),
            ("RUST_LOG", "info"),
        ]);
        for queue in Queue::ALL {
            let def = template
                .queues
                .iter()
                .find(|q| q.name == queue.name())
                .with_context(|| format!("queue {} is not in template.yaml", queue.name()))?;
            let url = queue_urls.get(&def.logical_id).context("queue not created")?;
            env.set(queue.url_variable(), url.clone());
        }
        Ok(env)
    }

    /// Creates the queues and builds one context for every function of the process.
    pub async fn start(
        &self,
        template: &Template,
        clock: Clock,
        pool_size: usize,
    ) -> anyhow::Result<(Arc<Ctx>, QueueUrls, Env)> {
        let url = url::Url::parse(&self.sqs_endpoint).context("GPET_SQS_ENDPOINT")?;
        let client = gpet::queue::client(Some(&url)).await;
        let queue_urls = queues::create_all(&client, template, &self.queue_prefix).await?;
        let env = self.env(&queue_urls, template)?;
        let ctx = Ctx::from_env::<Everything>(&env, clock, pool_size).await?;
        Ok((Arc::new(ctx), queue_urls, env))
    }
}

/// Creates the database if it does not exist and applies the migrations.
pub async fn prepare_database(admin_url: &str, database_url: &str) -> anyhow::Result<()> {
    let name = tokio_postgres_dbname(database_url)?;
    let admin = gpet::db::connect_once(admin_url).await?;
    let exists = admin.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await?.is_some();
    if !exists {
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .with_context(|| format!("cannot create database {name}"))?;
    }
    let mut client = gpet::db::connect_once(database_url).await?;
    let applied = gpet::db::migrate(&mut client).await?;
    tracing::info!(database = name, ?applied, "database ready");
    Ok(())
}

fn tokio_postgres_dbname(url: &str) -> anyhow::Result<String> {
    let parsed = url::Url::parse(url).context("database URL")?;
    let name = parsed.path().trim_start_matches('/');
    anyhow::ensure!(
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name {name:?} must be [A-Za-z0-9_]+"
    );
    Ok(name.to_owned())
}
