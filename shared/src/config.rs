//! Typed configuration from the environment. Each function names the parts it needs
//! ([`Needs`]); a missing or malformed variable fails the cold start with its name, never its
//! value.

use std::collections::HashMap;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::queue::Queue;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("configuration variable {0} is not set")]
    Missing(&'static str),
    #[error("configuration variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// The variables a function reads, from the process environment or (in tests and the local
/// host) from a map.
#[derive(Clone, Default)]
pub struct Env(HashMap<String, String>);

impl fmt::Debug for Env {
    // Values may be secrets: show names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("Env").field(&names).finish()
    }
}

impl Env {
    pub fn from_process() -> Self {
        Self(std::env::vars().collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// Every variable, for handing the same configuration to a child process.
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn optional(&self, name: &'static str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn secret(&self, name: &'static str, min_len: usize) -> Result<SecretString, ConfigError> {
        let value = self.required(name)?;
        if value.len() < min_len {
            return Err(ConfigError::Invalid { name, reason: format!("must be at least {min_len} bytes long") });
        }
        Ok(SecretString::from(value.to_owned()))
    }

    pub fn url(&self, name: &'static str) -> Result<Url, ConfigError> {
        parse_url(name, self.required(name)?)
    }

    pub fn optional_url(&self, name: &'static str) -> Result<Option<Url>, ConfigError> {
        self.optional(name).map(|v| parse_url(name, v)).transpose()
    }
}

fn parse_url(name: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| ConfigError::Invalid { name, reason: format!("not a URL ({e})") })?;
    if url.cannot_be_a_base() {
        return Err(ConfigError::Invalid { name, reason: "not a base URL".into() });
    }
    Ok(url)
}

/// Which parts of the context a function builds at cold start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub db: bool,
    pub cache: bool,
    pub queues: bool,
    pub auth: bool,
    pub wechat: bool,
    pub sms: bool,
    /// The robot platform's API.
    pub robot: bool,
    /// The launch system's API.
    pub launch: bool,
    /// WeChat Pay (transfer bills) and its notifications.
    pub pay: bool,
    /// The mail API alerts go through.
    pub mail: bool,
    /// The ad system's callback secret.
    pub ads: bool,
}

/// The parts a function uses, as a type: `Ctx::from_env::<U>` builds only `U::NEEDS`, and since
/// the choice is a constant, a function's binary links only the clients it uses.
pub trait Uses {
    const NEEDS: Needs;
}

/// Every part: the local host and the tests, which run every function in one process.
pub struct Everything;

impl Uses for Everything {
    const NEEDS: Needs = Needs::ALL;
}

impl Needs {
    pub const NONE: Needs = Needs {
        db: false,
        cache: false,
        queues: false,
        auth: false,
        wechat: false,
        sms: false,
        robot: false,
        launch: false,
        pay: false,
        mail: false,
        ads: false,
    };
    pub const ALL: Needs = Needs {
        db: true,
        cache: true,
        queues: true,
        auth: true,
        wechat: true,
        sms: true,
        robot: true,
        launch: true,
        pay: true,
        mail: true,
        ads: true,
    };
}

#[derive(Clone)]
pub struct DbConfig {
    pub url: SecretString,
}

impl DbConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let url = env.secret("GPET_DATABASE_URL", 1)?;
        url.expose_secret()
            .parse::<tokio_postgres::Config>()
            .map_err(|e| ConfigError::Invalid { name: "GPET_DATABASE_URL", reason: e.to_string() })?;
        Ok(Self { url })
    }
}

#[derive(Clone)]
pub struct CacheConfig {
    pub url: SecretString,
    /// Prepended to every key: tests give each test its own.
    pub prefix: String,
}

impl CacheConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let url = env.secret("GPET_REDIS_URL", 1)?;
        redis::Client::open(url.expose_secret())
            .map_err(|e| ConfigError::Invalid { name: "GPET_REDIS_URL", reason: e.to_string() })?;
        Ok(Self { url, prefix: env.optional("GPET_REDIS_PREFIX").unwrap_or_default().to_owned() })
    }
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// A local SQS-API server; absent in AWS.
    pub endpoint: Option<Url>,
    urls: HashMap<Queue, String>,
}

impl QueueConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let endpoint = env.optional_url("GPET_SQS_ENDPOINT")?;
        let mut urls = HashMap::new();
        for queue in Queue::ALL {
            urls.insert(queue, env.url(queue.url_variable())?.to_string());
        }
        Ok(Self { endpoint, urls })
    }

    pub fn url(&self, queue: Queue) -> &str {
        &self.urls[&queue]
    }
}

#[derive(Clone)]
pub struct AuthConfig {
    pub jwt_secret: SecretString,
    pub cookie_key: SecretString,
    /// Where browsers reach the product; https makes cookies Secure.
    pub public_base_url: Url,
}

impl AuthConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            jwt_secret: env.secret("GPET_JWT_SECRET", 32)?,
            cookie_key: env.secret("GPET_COOKIE_KEY", 32)?,
            public_base_url: env.url("GPET_PUBLIC_BASE_URL")?,
        })
    }
}

#[derive(Clone)]
pub struct WechatConfig {
    pub app_id: String,
    pub app_secret: SecretString,
    /// open.weixin.qq.com: the authorize page browsers are sent to.
    pub oauth_base: Url,
    /// api.weixin.qq.com: code exchange and user info, called by us.
    pub api_base: Url,
}

impl WechatConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            app_id: env.required("GPET_WECHAT_APP_ID")?.to_owned(),
            app_secret: env.secret("GPET_WECHAT_APP_SECRET", 1)?,
            oauth_base: env.url("GPET_WECHAT_OAUTH_BASE")?,
            api_base: env.url("GPET_WECHAT_API_BASE")?,
        })
    }
}

#[derive(Clone)]
pub struct SmsConfig {
    /// The SMS gateway's API.
    pub base_url: Url,
    pub key: SecretString,
}

impl SmsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { base_url: env.url("GPET_SMS_BASE_URL")?, key: env.secret("GPET_SMS_KEY", 1)? })
    }
}

#[derive(Clone)]
pub struct RobotConfig {
    /// The robot platform's API.
    pub base_url: Url,
    /// Signs what we send it and checks the events it sends us.
    pub secret: SecretString,
}

impl RobotConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { base_url: env.url("GPET_ROBOT_BASE_URL")?, secret: env.secret("GPET_ROBOT_SECRET", 8)? })
    }
}

#[derive(Clone)]
pub struct LaunchConfig {
    /// The launch system's API (投放开关).
    pub base_url: Url,
}

impl LaunchConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { base_url: env.url("GPET_LAUNCH_BASE_URL")? })
    }
}

#[derive(Clone)]
pub struct PayConfig {
    /// WeChat Pay's API v3 (api.mch.weixin.qq.com).
    pub base_url: Url,
    pub mch_id: String,
    /// The appid the payees' openids belong to.
    pub app_id: String,
    /// The merchant's API private key (PKCS#8 PEM) and its certificate serial number.
    pub private_key_pem: SecretString,
    pub serial_no: String,
    /// Decrypts notifications (32 bytes).
    pub api_v3_key: SecretString,
    /// WeChat Pay's public key (SPKI PEM) and its id: checks answers and notifications, encrypts
    /// the payee's name.
    pub public_key_pem: String,
    pub public_key_id: String,
    /// Where WeChat Pay posts the transfer results.
    pub notify_url: Url,
    /// Local runs only: the sandbox's page where a user confirms a receipt.
    pub confirm_page_base: Option<Url>,
}

impl PayConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let api_v3_key = env.secret("GPET_WECHAT_PAY_API_V3_KEY", 32)?;
        if api_v3_key.expose_secret().len() != 32 {
            return Err(ConfigError::Invalid { name: "GPET_WECHAT_PAY_API_V3_KEY", reason: "must be 32 bytes".into() });
        }
        Ok(Self {
            base_url: env.url("GPET_WECHAT_PAY_BASE_URL")?,
            mch_id: env.required("GPET_WECHAT_PAY_MCH_ID")?.to_owned(),
            app_id: env.required("GPET_WECHAT_APP_ID")?.to_owned(),
            private_key_pem: env.secret("GPET_WECHAT_PAY_PRIVATE_KEY_PEM", 100)?,
            serial_no: env.required("GPET_WECHAT_PAY_SERIAL_NO")?.to_owned(),
            api_v3_key,
            public_key_pem: env.required("GPET_WECHAT_PAY_PUBLIC_KEY_PEM")?.to_owned(),
            public_key_id: env.required("GPET_WECHAT_PAY_PUBLIC_KEY_ID")?.to_owned(),
            notify_url: env
                .url("GPET_PUBLIC_BASE_URL")?
                .join("api/callbacks/wechat-pay/transfer")
                .map_err(|e| ConfigError::Invalid { name: "GPET_PUBLIC_BASE_URL", reason: e.to_string() })?,
            confirm_page_base: env.optional_url("GPET_WECHAT_PAY_CONFIRM_PAGE_BASE")?,
        })
    }
}

#[derive(Clone)]
pub struct MailConfig {
    /// The mail API.
    pub base_url: Url,
    pub key: SecretString,
    /// Who gets the alerts (comma-separated).
    pub alert_to: String,
}

impl MailConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            base_url: env.url("GPET_MAIL_BASE_URL")?,
            key: env.secret("GPET_MAIL_KEY", 1)?,
            alert_to: env.required("GPET_ALERT_MAIL_TO")?.to_owned(),
        })
    }
}

#[derive(Clone)]
pub struct AdsConfig {
    /// MD5_SECRET_KEY of the old system: the ad-click callback's signing key.
    pub md5_secret: SecretString,
}

impl AdsConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { md5_secret: env.secret("GPET_AD_MD5_SECRET", 8)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_variable_is_named() {
        let env = Env::from_pairs([("GPET_COOKIE_KEY", "k".repeat(40))]);
        let err = AuthConfig::from_env(&env).err().unwrap();
        assert_eq!(err, ConfigError::Missing("GPET_JWT_SECRET"));
        assert_eq!(err.to_string(), "configuration variable GPET_JWT_SECRET is not set");
    }

    #[test]
    fn a_bad_variable_is_named_without_its_value() {
        let env = Env::from_pairs([
            ("GPET_JWT_SECRET", "short-secret-value"),
            ("GPET_COOKIE_KEY", &"k".repeat(40)),
            ("GPET_PUBLIC_BASE_URL", "http://127.0.0.1:3000"),
        ]);
        let err = AuthConfig::from_env(&env).err().unwrap().to_string();
        assert!(err.contains("GPET_JWT_SECRET"), "{err}");
        assert!(!err.contains("short-secret-value"), "{err}");
    }

    #[test]
    fn urls_are_checked() {
        let env = Env::from_pairs([("GPET_SQS_ENDPOINT", "not a url"), ("GPET_TRACKING_QUEUE_URL", "http://x/q")]);
        let err = QueueConfig::from_env(&env).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "GPET_SQS_ENDPOINT", .. }), "{err}");
    }

    #[test]
    fn debug_of_env_shows_no_values() {
        let env = Env::from_pairs([("GPET_JWT_SECRET", "very-secret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("GPET_JWT_SECRET") && !shown.contains("very-secret"));
    }
}
