//! `gpet-sandbox`: the partner sandbox as a local server (never deployed).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use gpet_sandbox::SandboxConfig;
use gpet_sandbox::smtp::{self, SmtpConfig};

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
        sms_access_key_id: std::env::var("GPET_SANDBOX_SMS_ACCESS_KEY_ID").unwrap_or(defaults.sms_access_key_id),
        sms_access_key_secret: std::env::var("GPET_SANDBOX_SMS_ACCESS_KEY_SECRET")
            .unwrap_or(defaults.sms_access_key_secret),
        sms_sign_name: std::env::var("GPET_SANDBOX_SMS_SIGN_NAME").unwrap_or(defaults.sms_sign_name),
        sms_template_code: std::env::var("GPET_SANDBOX_SMS_TEMPLATE_CODE").unwrap_or(defaults.sms_template_code),
        robot_secret: std::env::var("GPET_ROBOT_SECRET").unwrap_or(defaults.robot_secret),
        gpet_base_url: std::env::var("GPET_SANDBOX_GPET_URL").ok().filter(|url| !url.is_empty()),
        chatter: std::env::var("GPET_SANDBOX_CHATTER").is_ok_and(|value| value == "1"),
        heartbeat_every: heartbeat_every()?,
        pay_mch_id: defaults.pay_mch_id,
        pay_api_v3_key: defaults.pay_api_v3_key,
        pay_merchant_public_key_pem: merchant_public_key_pem()?,
        ad_secret: std::env::var("GPET_SANDBOX_AD_SECRET").unwrap_or(defaults.ad_secret),
        smtp: Some(smtp_config()?),
        wecom_webhook_key: std::env::var("GPET_SANDBOX_WECOM_KEY").unwrap_or(defaults.wecom_webhook_key),
    };

    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let sandbox =
        gpet_sandbox::spawn_on(addr, config).await.with_context(|| format!("cannot serve the sandbox on {addr}"))?;
    tracing::info!(base_url = %sandbox.base_url, "gpet sandbox listening");
    if let Some(smtp) = &sandbox.smtp {
        tracing::info!(starttls = %smtp.starttls, implicit = %smtp.implicit, "gpet sandbox SMTP listening");
    }

    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await
}

/// How often robots' heartbeats are posted: `GPET_SANDBOX_HEARTBEAT_SECS` seconds (`0`: never
/// by itself), else the platform's 60 s.
fn heartbeat_every() -> anyhow::Result<Option<Duration>> {
    match std::env::var("GPET_SANDBOX_HEARTBEAT_SECS") {
        Ok(secs) if !secs.trim().is_empty() => {
            let secs: u64 = secs
                .trim()
                .parse()
                .with_context(|| format!("GPET_SANDBOX_HEARTBEAT_SECS={secs:?} is not a number of seconds"))?;
            Ok((secs > 0).then(|| Duration::from_secs(secs)))
        }
        _ => Ok(Some(gpet_sandbox::robot::HEARTBEAT_EVERY)),
    }
}

/// The SMTP server: its certificate (issued by the local CA, `.local/env` names the files), its
/// ports (`GPET_SANDBOX_SMTP_PORT`, STARTTLS, 3587; `GPET_SANDBOX_SMTPS_PORT`, implicit TLS,
/// 3465) and the account gpet logs in with.
fn smtp_config() -> anyhow::Result<SmtpConfig> {
    let file = |name: &str| -> anyhow::Result<String> {
        let path = std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .with_context(|| format!("{name} is not set (source .local/env, written by infra/scripts/services.sh)"))?;
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {name}={path:?}"))
    };
    let port = |name: &str, default: u16| -> anyhow::Result<u16> {
        match std::env::var(name) {
            Ok(port) if !port.is_empty() => port.parse().with_context(|| format!("{name}={port:?} is not a port")),
            _ => Ok(default),
        }
    };
    Ok(SmtpConfig {
        username: std::env::var("GPET_SANDBOX_SMTP_USERNAME").unwrap_or_else(|_| smtp::DEFAULT_USERNAME.to_owned()),
        password: std::env::var("GPET_SANDBOX_SMTP_PASSWORD").unwrap_or_else(|_| smtp::DEFAULT_PASSWORD.to_owned()),
        cert_chain_pem: file("GPET_SANDBOX_SMTP_CERT_FILE")?,
        key_pem: file("GPET_SANDBOX_SMTP_KEY_FILE")?,
        starttls_port: port("GPET_SANDBOX_SMTP_PORT", 3587)?,
        implicit_port: port("GPET_SANDBOX_SMTPS_PORT", 3465)?,
    })
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
