//! `gpet-sandbox`: the partner sandbox as a local server (never deployed).

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context;
use gpet_sandbox::SandboxConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let port: u16 = match std::env::var("GPET_SANDBOX_PORT") {
        Ok(port) => port.parse().with_context(|| format!("GPET_SANDBOX_PORT={port:?} is not a port"))?,
        Err(_) => 3900,
    };
    let defaults = SandboxConfig::default();
    let config = SandboxConfig {
        app_id: std::env::var("GPET_WECHAT_APP_ID").unwrap_or(defaults.app_id),
        app_secret: std::env::var("GPET_WECHAT_APP_SECRET").unwrap_or(defaults.app_secret),
        public_base_url: std::env::var("GPET_SANDBOX_PUBLIC_URL").ok(),
        sms_key: std::env::var("GPET_SMS_KEY").unwrap_or(defaults.sms_key),
        robot_secret: std::env::var("GPET_ROBOT_SECRET").unwrap_or(defaults.robot_secret),
        gpet_base_url: std::env::var("GPET_SANDBOX_GPET_URL").ok().filter(|url| !url.is_empty()),
        chatter: std::env::var("GPET_SANDBOX_CHATTER").is_ok_and(|value| value == "1"),
        pay_mch_id: defaults.pay_mch_id,
        pay_api_v3_key: defaults.pay_api_v3_key,
        pay_merchant_public_key_pem: merchant_public_key_pem()?,
        ad_secret: std::env::var("GPET_SANDBOX_AD_SECRET").unwrap_or(defaults.ad_secret),
        mail_key: std::env::var("GPET_SANDBOX_MAIL_KEY").unwrap_or(defaults.mail_key),
    };

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sandbox =
        gpet_sandbox::spawn_on(addr, config).await.with_context(|| format!("cannot serve the sandbox on {addr}"))?;
    tracing::info!(base_url = %sandbox.base_url, "gpet sandbox listening");

    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await
}

/// The merchant's public key PEM, from `GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_PEM` or else the
/// file `GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_FILE` names; `None` (signatures not checked) when
/// neither is set.
fn merchant_public_key_pem() -> anyhow::Result<Option<String>> {
    let set = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
    if let Some(pem) = set("GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_PEM") {
        // A PEM squeezed into one line of a .env file keeps its line breaks as `\n`.
        return Ok(Some(pem.replace("\\n", "\n")));
    }
    match set("GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_FILE") {
        Some(path) => std::fs::read_to_string(&path)
            .map(Some)
            .with_context(|| format!("cannot read GPET_SANDBOX_PAY_MERCHANT_PUBLIC_KEY_FILE={path:?}")),
        None => Ok(None),
    }
}
