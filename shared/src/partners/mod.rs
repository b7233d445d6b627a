//! Clients of the partners' HTTP APIs, each with its base URL from configuration (the sandbox
//! in local runs and tests).

pub mod launch;
pub mod mail;
pub mod robot;
pub mod sms;
pub mod wechat;
pub mod wechat_pay;

use std::time::Duration;

/// One HTTP client per instance: partners answer in seconds or not at all.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(8))
        .user_agent("gpet/1")
        .build()?)
}
