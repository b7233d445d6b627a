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
pub const SANDBOX_MAIL_KEY: &str = "sandbox-mail-key";
pub const SANDBOX_AD_SECRET: &str = "sandbox-ad-secret";
pub const LOCAL_ALERT_MAIL_TO: &str = "oncall@gpet.local";
/// The merchant certificate serial the local stack signs with.
pub const LOCAL_MERCHANT_SERIAL: &str = "SANDBOXMERCHANTSERIAL";

/// WeChat Pay as the local stack uses it: the sandbox's merchant id, platform key and APIv3
/// key, and a merchant key pair made at start (its public half given to the sandbox).
#[derive(Debug, Clone)]
pub struct LocalPay {
    pub mch_id: String,
    pub api_v3_key: String,
    pub public_key_pem: String,
    pub public_key_id: String,
    pub merchant_private_key_pem: String,
}

#[derive(serde::Deserialize)]
struct SandboxPayConfig {
    mch_id: String,
    serial: String,
    wechatpay_public_key_pem: String,
    api_v3_key: String,
}

impl LocalPay {
    /// Asks the sandbox for its WeChat Pay side and registers a fresh merchant key with it.
    pub async fn with_sandbox(sandbox_url: &str) -> anyhow::Result<Self> {
        use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
        use aws_lc_rs::signature::KeyPair as _;
        let base = sandbox_url.trim_end_matches('/');
        let http = reqwest::Client::new();
        let config: SandboxPayConfig = http
            .get(format!("{base}/sandbox/pay/config"))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .context("the sandbox's WeChat Pay config")?
            .json()
            .await?;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("cannot generate the merchant key"))?;
        let private: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| anyhow::anyhow!("cannot encode the key"))?;
        let public: PublicKeyX509Der<'static> =
            pair.public_key().as_der().map_err(|_| anyhow::anyhow!("cannot encode the public key"))?;
        let public_pem = gpet::partners::wechat_pay::der_to_pem("PUBLIC KEY", public.as_ref());
        http.put(format!("{base}/sandbox/pay/merchant-key"))
            .json(&serde_json::json!({ "public_key_pem": public_pem, "serial_no": LOCAL_MERCHANT_SERIAL }))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .context("registering the merchant key with the sandbox")?;
        Ok(LocalPay {
            mch_id: config.mch_id,
            api_v3_key: config.api_v3_key,
            public_key_pem: config.wechatpay_public_key_pem,
            public_key_id: config.serial,
            merchant_private_key_pem: gpet::partners::wechat_pay::der_to_pem("PRIVATE KEY", private.as_ref()),
        })
    }
}

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
    pub fn env(&self, queue_urls: &QueueUrls, template: &Template, pay: &LocalPay) -> anyhow::Result<Env> {
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
            ("GPET_WECHAT_PAY_BASE_URL", &self.sandbox_url),
            ("GPET_WECHAT_PAY_MCH_ID", &pay.mch_id),
            ("GPET_WECHAT_PAY_PRIVATE_KEY_PEM", &pay.merchant_private_key_pem),
            ("GPET_WECHAT_PAY_SERIAL_NO", LOCAL_MERCHANT_SERIAL),
            ("GPET_WECHAT_PAY_API_V3_KEY", &pay.api_v3_key),
            ("GPET_WECHAT_PAY_PUBLIC_KEY_PEM", &pay.public_key_pem),
            ("GPET_WECHAT_PAY_PUBLIC_KEY_ID", &pay.public_key_id),
            ("GPET_WECHAT_PAY_CONFIRM_PAGE_BASE", &self.sandbox_url),
            ("GPET_MAIL_BASE_URL", &self.sandbox_url),
            ("GPET_MAIL_KEY", SANDBOX_MAIL_KEY),
            ("GPET_ALERT_MAIL_TO", LOCAL_ALERT_MAIL_TO),
            ("GPET_AD_MD5_SECRET", SANDBOX_AD_SECRET),
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
        let pay = LocalPay::with_sandbox(&self.sandbox_url).await?;
        let env = self.env(&queue_urls, template, &pay)?;
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
