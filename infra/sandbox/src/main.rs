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
    };

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sandbox =
        gpet_sandbox::spawn_on(addr, config).await.with_context(|| format!("cannot serve the sandbox on {addr}"))?;
    tracing::info!(base_url = %sandbox.base_url, "gpet sandbox listening");

    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await
}
