//! The mail API alerts go through: `POST mail/v1/send` with the key in `X-Mail-Key`.

use secrecy::ExposeSecret;

use crate::config::MailConfig;

pub struct Mailer {
    http: reqwest::Client,
    config: MailConfig,
}

impl Mailer {
    pub fn new(http: reqwest::Client, config: MailConfig) -> Self {
        Self { http, config }
    }

    /// Sends `subject` and `text` to the alert recipients.
    pub async fn alert(&self, subject: &str, text: &str) -> anyhow::Result<()> {
        let url = self.config.base_url.join("mail/v1/send")?;
        self.http
            .post(url)
            .header("X-Mail-Key", self.config.key.expose_secret())
            .json(&serde_json::json!({ "to": self.config.alert_to, "subject": subject, "text": text }))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}
