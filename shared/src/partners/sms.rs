//! The SMS gateway: verification codes. Its API answers HTTP 200 with a business `code`
//! ("OK" or a reason), Aliyun-style; anything else is a failure of the gateway.

use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::config::SmsConfig;

pub struct SmsGateway {
    http: reqwest::Client,
    config: SmsConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The gateway refused this message (an illegal number, a limit of its own).
    #[error("the SMS gateway refused: {code}")]
    Refused { code: String },
    #[error("the SMS gateway could not be reached or answered nonsense")]
    Unreachable(#[source] anyhow::Error),
}

#[derive(Deserialize)]
struct Answer {
    code: String,
}

impl SmsGateway {
    pub fn new(http: reqwest::Client, config: SmsConfig) -> Self {
        Self { http, config }
    }

    /// Sends a verification code. The code and the phone go in the body only, never in a URL
    /// or a log line.
    pub async fn send_code(&self, phone: &str, code: &str, minutes: i64) -> Result<(), SmsError> {
        let url = self.config.base_url.join("sms/v1/send").map_err(|e| SmsError::Unreachable(e.into()))?;
        let response = self
            .http
            .post(url)
            .header("X-Sms-Key", self.config.key.expose_secret())
            .json(&serde_json::json!({
                "phone": phone,
                "template": "verify_code",
                "params": {"code": code, "minutes": minutes.to_string()},
            }))
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(e.into()))?;
        let status = response.status();
        let answer: Answer = response.json().await.map_err(|e| SmsError::Unreachable(e.into()))?;
        match answer.code.as_str() {
            "OK" if status.is_success() => Ok(()),
            _ if status.is_server_error() => Err(SmsError::Unreachable(anyhow::anyhow!("HTTP {status}"))),
            _ => Err(SmsError::Refused { code: answer.code }),
        }
    }
}
