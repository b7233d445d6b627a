//! The alerts' two channels: one mail through SMTP to the operators (any provider, TLS from the
//! first byte or after STARTTLS, AUTH with the mail secret's user), and, when the secret names
//! one, the same alert as a markdown message to a WeCom (企业微信) group robot, where operators in
//! China read it first. Both are tried whatever the other did, at the same time; the caller gets
//! both outcomes.
//!
//! The SMTP server's certificate is checked against the public roots and, beside them, the
//! `GPET_TLS_CA_PEM` bundle. For the stores that bundle *replaces* the public roots (a private
//! store must chain to the private CA and nothing else), but a mail provider is on the internet
//! and publicly rooted: replacing the roots would make every provider fail in a stack whose
//! stores need a private CA. Adding it costs nothing there, and locally it is how the sandbox's
//! SMTP server (its certificate issued by the local CA) is trusted.
//!
//! Neither the SMTP password nor the webhook key reaches a log line or an error: the key travels
//! in the webhook's URL, so HTTP errors are reported without their URL and WeCom's `errmsg` with
//! the key masked.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::{MailConfig, SmtpTls, WecomConfig};

/// lettre's own timeout bounds only the TCP connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole of one channel's send (TLS, AUTH, the message; WeCom's retries): an alert must not
/// hold a 29-second function past its deadline.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// WeCom refuses a markdown `content` longer than this many bytes (errcode 40058).
pub const WECOM_MARKDOWN_LIMIT: usize = 4096;
/// Tries of a WeCom post that failed before WeCom took it (connection refused, errcode -1).
const WECOM_TRIES: u32 = 3;

/// What became of one alert on each channel.
#[derive(Debug)]
pub struct Delivery {
    pub mail: anyhow::Result<()>,
    /// `None` when no WeCom robot is configured.
    pub wecom: Option<anyhow::Result<()>>,
}

impl Delivery {
    /// Whether the alert reached the operators by at least one channel.
    pub fn delivered(&self) -> bool {
        self.mail.is_ok() || matches!(self.wecom, Some(Ok(())))
    }
}

pub struct Mailer {
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    /// `host:port`, for messages.
    server: String,
    from: lettre::message::Mailbox,
    to: Vec<lettre::message::Mailbox>,
    wecom: Option<Wecom>,
    send_timeout: Duration,
}

impl Mailer {
    /// The SMTP transport (no connection yet: one per alert) and the WeCom robot when configured.
    pub fn new(http: reqwest::Client, config: MailConfig) -> anyhow::Result<Self> {
        let mut tls = TlsParameters::builder(config.smtp_host.clone());
        if let Some(pem) = &config.tls_ca {
            let bundle =
                Certificate::from_pem(pem.as_bytes()).context("GPET_TLS_CA_PEM holds a malformed certificate")?;
            tls = tls.add_root_certificate(bundle);
        }
        let tls = tls.build().context("failed to set up TLS for SMTP")?;
        let tls = match config.smtp_tls {
            SmtpTls::Implicit => Tls::Wrapper(tls),
            SmtpTls::StartTls => Tls::Required(tls),
        };
        // "Dangerous" because its default is no TLS at all: TLS is set on the next line.
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.smtp_host.as_str())
            .tls(tls)
            .port(config.smtp_port)
            .credentials(Credentials::new(config.smtp_username, config.smtp_password.expose_secret().to_owned()))
            .timeout(Some(CONNECT_TIMEOUT))
            .build();
        Ok(Self {
            smtp,
            server: format!("{}:{}", config.smtp_host, config.smtp_port),
            from: config.from,
            to: config.to,
            wecom: config.wecom.map(|c| Wecom::new(http, c)).transpose()?,
            send_timeout: SEND_TIMEOUT,
        })
    }

    /// Bounds each channel's send to `timeout` instead of 10 s (tests).
    pub fn with_send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// Sends `subject` and `text` to the alert recipients by mail and, when configured, to the
    /// WeCom group; one channel failing does not keep the other from trying.
    pub async fn alert(&self, subject: &str, text: &str) -> Delivery {
        let wecom = async {
            match &self.wecom {
                Some(wecom) => Some(within(self.send_timeout, "WeCom", wecom.post(subject, text)).await),
                None => None,
            }
        };
        let (mail, wecom) = tokio::join!(within(self.send_timeout, "the SMTP server", self.mail(subject, text)), wecom);
        Delivery { mail, wecom }
    }

    async fn mail(&self, subject: &str, text: &str) -> anyhow::Result<()> {
        let mut message = Message::builder().from(self.from.clone()).subject(subject).header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            message = message.to(to.clone());
        }
        let message = message.body(text.to_owned()).context("failed to build the alert mail")?;
        self.smtp
            .send(message)
            .await
            .with_context(|| format!("failed to send the alert mail through {}", self.server))?;
        Ok(())
    }
}

async fn within(
    timeout: Duration,
    what: &str,
    send: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    tokio::time::timeout(timeout, send)
        .await
        .unwrap_or_else(|_| Err(anyhow!("{what} did not finish within {timeout:?}")))
}

/// A WeCom group robot's webhook: `POST cgi-bin/webhook/send?key=`.
struct Wecom {
    http: reqwest::Client,
    url: reqwest::Url,
    key: SecretString,
}

#[derive(Deserialize)]
struct WecomAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// What one post came to.
#[derive(Debug, PartialEq, Eq)]
enum Posted {
    Done,
    /// Not taken, and worth another try now.
    Retry(String),
    /// Not taken; another try now would meet the same answer.
    Failed(String),
}

impl Wecom {
    fn new(http: reqwest::Client, config: WecomConfig) -> anyhow::Result<Self> {
        let url = config.base_url.join("cgi-bin/webhook/send").context("GPET_WECOM_WEBHOOK_BASE")?;
        Ok(Self { http, url, key: config.key })
    }

    async fn post(&self, subject: &str, text: &str) -> anyhow::Result<()> {
        let body = serde_json::json!({ "msgtype": "markdown", "markdown": { "content": markdown(subject, text) } });
        let mut tries = 0;
        loop {
            tries += 1;
            match self.post_once(&body).await {
                Posted::Done => return Ok(()),
                Posted::Retry(why) if tries < WECOM_TRIES => {
                    tracing::warn!(tries, why, "the WeCom robot did not take the alert; trying again");
                    tokio::time::sleep(Duration::from_millis(300 * u64::from(tries))).await;
                }
                Posted::Retry(why) => bail!("the WeCom robot did not take the alert after {tries} tries: {why}"),
                Posted::Failed(why) => bail!("the WeCom robot did not take the alert: {why}"),
            }
        }
    }

    async fn post_once(&self, body: &serde_json::Value) -> Posted {
        let response =
            self.http.post(self.url.clone()).query(&[("key", self.key.expose_secret())]).json(body).send().await;
        let response = match response {
            Ok(response) => response,
            // The key is in the URL: never let it into a message.
            Err(e) if e.is_connect() => return Posted::Retry(format!("{:#}", anyhow!(e.without_url()))),
            // It may have been taken: another try could post the alert twice.
            Err(e) => return Posted::Failed(format!("{:#}", anyhow!(e.without_url()))),
        };
        let status = response.status();
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => return Posted::Failed(format!("HTTP {status}: {:#}", anyhow!(e.without_url()))),
        };
        // WeCom answers HTTP 200 with an errcode for every refusal: the errcode decides.
        match serde_json::from_str::<WecomAnswer>(&text) {
            Ok(answer) => judge(answer.errcode, &answer.errmsg.replace(self.key.expose_secret(), "***")),
            Err(_) if status.is_server_error() => Posted::Retry(format!("HTTP {status} without an errcode")),
            Err(_) => Posted::Failed(format!("HTTP {status} without an errcode")),
        }
    }
}

/// WeCom's answer, by errcode (its documentation: decide on the code, never on errmsg).
fn judge(errcode: i64, errmsg: &str) -> Posted {
    match errcode {
        0 => Posted::Done,
        // 系统繁忙.
        -1 => Posted::Retry(format!("errcode -1, WeCom busy ({errmsg})")),
        93000 => Posted::Failed(format!(
            "errcode 93000, the webhook key is wrong or the robot was removed from its group ({errmsg})"
        )),
        // 20 messages a minute per robot; the lock lasts about that minute.
        45009 => Posted::Failed(format!("errcode 45009, the robot's rate limit (20 a minute) ({errmsg})")),
        code => Posted::Failed(format!("errcode {code} ({errmsg})")),
    }
}

/// The alert as WeCom markdown: the subject in bold over the text, cut to WeCom's limit.
fn markdown(subject: &str, text: &str) -> String {
    truncate(&format!("**{subject}**\n{text}"), WECOM_MARKDOWN_LIMIT)
}

/// `text` in at most `max_bytes` bytes of UTF-8: cut on a character boundary, with `…` saying so.
fn truncate(text: &str, max_bytes: usize) -> String {
    const MORE: &str = "…";
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes.saturating_sub(MORE.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{MORE}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_fits_wecom_and_is_cut_on_a_character_boundary() {
        let short = markdown("[gpet] 结算失败", "第 3 步失败");
        assert_eq!(short, "**[gpet] 结算失败**\n第 3 步失败");
        // Chinese is 3 bytes a character, an emoji 4: the limit falls inside one.
        for text in ["账".repeat(2000), "a".repeat(5000), format!("{}😀", "x".repeat(4093))] {
            let cut = markdown("[gpet] 账本校验失败", &text);
            assert!(cut.len() <= WECOM_MARKDOWN_LIMIT && cut.len() > WECOM_MARKDOWN_LIMIT - 4, "{}", cut.len());
            assert!(cut.ends_with('…') && cut.starts_with("**[gpet] 账本校验失败**\n"));
        }
        let exact = "a".repeat(WECOM_MARKDOWN_LIMIT);
        assert_eq!(truncate(&exact, WECOM_MARKDOWN_LIMIT), exact, "at the limit nothing is cut");
    }

    #[test]
    fn wecom_answers_are_judged_by_errcode() {
        assert_eq!(judge(0, "ok"), Posted::Done);
        assert!(matches!(judge(-1, "system busy"), Posted::Retry(_)));
        for (code, says) in [(93000, "removed"), (45009, "rate limit"), (40058, "40058")] {
            match judge(code, "hint") {
                Posted::Failed(why) => assert!(why.contains(says), "{code}: {why}"),
                other => panic!("{code} must not be retried: {other:?}"),
            }
        }
    }

    #[test]
    fn a_delivery_counts_when_either_channel_delivered() {
        let failed = || Err(anyhow!("down"));
        assert!(Delivery { mail: Ok(()), wecom: None }.delivered());
        assert!(Delivery { mail: failed(), wecom: Some(Ok(())) }.delivered());
        assert!(!Delivery { mail: failed(), wecom: Some(failed()) }.delivered());
        assert!(!Delivery { mail: failed(), wecom: None }.delivered());
    }
}
