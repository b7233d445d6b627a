//! Typed configuration. Each function names the parts it uses ([`Needs`]); a part reads a few
//! plain variables from the environment and, when it holds credentials, one secret from AWS
//! Secrets Manager named by an `…_SECRET_ARN` variable. No secret is ever in the environment.
//! A missing or malformed variable, secret or secret field fails the cold start with its name,
//! never its value.

use std::collections::{BTreeMap, HashMap};
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
    #[error("secret {part} ({arn}): {reason}")]
    Secret { part: &'static str, arn: String, reason: String },
}

/// The variables a function reads, from the process environment or (in tests and the local
/// host) from a map.
#[derive(Clone, Default)]
pub struct Env(HashMap<String, String>);

impl fmt::Debug for Env {
    // Values may be sensitive: show names only.
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

    pub fn remove(&mut self, name: &str) {
        self.0.remove(name);
    }

    pub fn optional(&self, name: &'static str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
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

/// A set of queues, usable in a `const`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueSet(u8);

impl QueueSet {
    pub const NONE: QueueSet = QueueSet(0);

    pub const fn of(queues: &[Queue]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < queues.len() {
            bits |= 1 << queues[i] as u8;
            i += 1;
        }
        QueueSet(bits)
    }

    pub const fn union(self, other: QueueSet) -> Self {
        QueueSet(self.0 | other.0)
    }

    pub const fn contains(self, queue: Queue) -> bool {
        self.0 & (1 << queue as u8) != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Queue> {
        Queue::ALL.into_iter().filter(move |q| self.contains(*q))
    }
}

/// Which parts of the context a function builds at cold start, and so which variables and
/// secrets it reads: the template gives each function exactly these (a test checks it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub db: bool,
    pub cache: bool,
    /// Token and cookie keys, and where the site is.
    pub auth: bool,
    /// WeChat's OAuth login.
    pub wechat: bool,
    pub sms: bool,
    /// The robot platform's API.
    pub robot: bool,
    /// The launch system's API.
    pub launch: bool,
    /// WeChat Pay's merchant identity (merchant and app ids), without any key.
    pub merchant: bool,
    /// WeChat Pay (transfer bills) and its notifications; includes the merchant identity.
    pub pay: bool,
    /// The alerts: mail through SMTP, and a WeCom group robot when configured.
    pub mail: bool,
    /// The ad system's callback secret.
    pub ads: bool,
    /// Where the site is, to fetch the web apps' pages.
    pub web: bool,
    /// WeChat's JS-SDK in the H5: the script's address, and the site's origin (the only pages
    /// it signs for).
    pub jssdk: bool,
    /// The deploy's own work: the first operator's secret and the secrets checked before migrating.
    pub deploy: bool,
    /// Queues it sends to.
    pub sends: QueueSet,
    /// Queues it receives from and deletes (not a consumer's own trigger queue).
    pub receives: QueueSet,
}

/// The parts a function uses, as a type: `Ctx::load::<U>` builds only `U::NEEDS`, and since
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
        auth: false,
        wechat: false,
        sms: false,
        robot: false,
        launch: false,
        merchant: false,
        pay: false,
        mail: false,
        ads: false,
        web: false,
        jssdk: false,
        deploy: false,
        sends: QueueSet::NONE,
        receives: QueueSet::NONE,
    };

    /// What the local host runs (every function in one process); not the deploy's own part.
    pub const ALL: Needs = Needs {
        db: true,
        cache: true,
        auth: true,
        wechat: true,
        sms: true,
        robot: true,
        launch: true,
        merchant: true,
        pay: true,
        mail: true,
        ads: true,
        web: true,
        jssdk: true,
        deploy: false,
        sends: QueueSet::of(&Queue::ALL),
        receives: QueueSet::of(&Queue::DEAD_LETTERS),
    };

    pub const fn queues(&self) -> QueueSet {
        self.sends.union(self.receives)
    }

    fn parts(&self) -> impl Iterator<Item = Part> + '_ {
        let flags = [
            (self.db, Part::Db),
            (self.cache, Part::Cache),
            (self.auth, Part::Auth),
            (self.wechat, Part::Wechat),
            (self.sms, Part::Sms),
            (self.robot, Part::Robot),
            (self.launch, Part::Launch),
            (self.merchant || self.pay, Part::Merchant),
            (self.pay, Part::Pay),
            (self.mail, Part::Mail),
            (self.ads, Part::Ads),
            (self.web, Part::Web),
            (self.jssdk, Part::Jssdk),
            (self.deploy, Part::Deploy),
        ];
        flags.into_iter().filter(|(on, _)| *on).map(|(_, part)| part)
    }

    /// The variables a function with these needs must have, sorted.
    pub fn variables(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.parts().flat_map(Part::variables).copied().collect();
        names.extend(self.queues().iter().map(Queue::url_variable));
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Variables it reads when they are set (a CA bundle, a key prefix, local-only switches).
    pub fn optional_variables(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.parts().flat_map(Part::optional_variables).copied().collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The secrets it reads, each named by a variable holding its ARN.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut secrets: Vec<Secret> = self.parts().filter_map(Part::secret).collect();
        secrets.dedup();
        secrets
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Db,
    Cache,
    Auth,
    Wechat,
    Sms,
    Robot,
    Launch,
    Merchant,
    Pay,
    Mail,
    Ads,
    Web,
    Jssdk,
    Deploy,
}

impl Part {
    fn variables(self) -> &'static [&'static str] {
        match self {
            Part::Db => &["GPET_DATABASE_URL", "GPET_DATABASE_SECRET_ARN"],
            Part::Cache => &["GPET_REDIS_URL", "GPET_REDIS_SECRET_ARN"],
            Part::Auth => &["GPET_PUBLIC_BASE_URL", "GPET_AUTH_SECRET_ARN"],
            Part::Wechat => {
                &["GPET_WECHAT_APP_ID", "GPET_WECHAT_OAUTH_BASE", "GPET_WECHAT_API_BASE", "GPET_WECHAT_SECRET_ARN"]
            }
            Part::Sms => &["GPET_SMS_BASE_URL", "GPET_SMS_SECRET_ARN"],
            Part::Robot => &["GPET_ROBOT_BASE_URL", "GPET_ROBOT_SECRET_ARN"],
            Part::Launch => &["GPET_LAUNCH_BASE_URL"],
            Part::Merchant => &["GPET_WECHAT_PAY_MCH_ID", "GPET_WECHAT_APP_ID"],
            Part::Pay => &["GPET_WECHAT_PAY_BASE_URL", "GPET_PUBLIC_BASE_URL", "GPET_WECHAT_PAY_SECRET_ARN"],
            Part::Mail => &[
                "GPET_SMTP_HOST",
                "GPET_SMTP_PORT",
                "GPET_SMTP_TLS",
                "GPET_ALERT_MAIL_FROM",
                "GPET_ALERT_MAIL_TO",
                "GPET_MAIL_SECRET_ARN",
            ],
            Part::Ads => &["GPET_ADS_SECRET_ARN"],
            Part::Web => &["GPET_PUBLIC_BASE_URL"],
            Part::Jssdk => &["GPET_WECHAT_JSSDK_URL", "GPET_PUBLIC_BASE_URL"],
            Part::Deploy => &["GPET_FIRST_ADMIN_SECRET_ARN", "GPET_PREFLIGHT_SECRETS"],
        }
    }

    fn optional_variables(self) -> &'static [&'static str] {
        match self {
            Part::Db => &["GPET_TLS_CA_PEM"],
            Part::Cache => &["GPET_TLS_CA_PEM", "GPET_REDIS_PREFIX"],
            // A private CA beside the public roots; WeCom elsewhere than qyapi.weixin.qq.com
            // (the sandbox, locally).
            Part::Mail => &["GPET_TLS_CA_PEM", "GPET_WECOM_WEBHOOK_BASE"],
            _ => &[],
        }
    }

    fn secret(self) -> Option<Secret> {
        Some(match self {
            Part::Db => Secret::Database,
            Part::Cache => Secret::Redis,
            Part::Auth => Secret::Auth,
            Part::Wechat => Secret::Wechat,
            Part::Sms => Secret::Sms,
            Part::Robot => Secret::Robot,
            Part::Pay => Secret::WechatPay,
            Part::Mail => Secret::Mail,
            Part::Ads => Secret::Ads,
            Part::Deploy => Secret::FirstAdmin,
            Part::Launch | Part::Merchant | Part::Web | Part::Jssdk => return None,
        })
    }
}

/// One secret per part, a JSON object in Secrets Manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Secret {
    Database,
    Redis,
    Auth,
    Wechat,
    WechatPay,
    Robot,
    Sms,
    Mail,
    Ads,
    FirstAdmin,
}

impl Secret {
    pub const ALL: [Secret; 10] = [
        Secret::Database,
        Secret::Redis,
        Secret::Auth,
        Secret::Wechat,
        Secret::WechatPay,
        Secret::Robot,
        Secret::Sms,
        Secret::Mail,
        Secret::Ads,
        Secret::FirstAdmin,
    ];

    /// Its name in messages and in `GPET_PREFLIGHT_SECRETS`.
    pub fn name(self) -> &'static str {
        match self {
            Secret::Database => "database",
            Secret::Redis => "redis",
            Secret::Auth => "auth",
            Secret::Wechat => "wechat",
            Secret::WechatPay => "wechat-pay",
            Secret::Robot => "robot",
            Secret::Sms => "sms",
            Secret::Mail => "mail",
            Secret::Ads => "ads",
            Secret::FirstAdmin => "first-admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Secret> {
        Secret::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The variable that holds its ARN.
    pub fn arn_variable(self) -> &'static str {
        match self {
            Secret::Database => "GPET_DATABASE_SECRET_ARN",
            Secret::Redis => "GPET_REDIS_SECRET_ARN",
            Secret::Auth => "GPET_AUTH_SECRET_ARN",
            Secret::Wechat => "GPET_WECHAT_SECRET_ARN",
            Secret::WechatPay => "GPET_WECHAT_PAY_SECRET_ARN",
            Secret::Robot => "GPET_ROBOT_SECRET_ARN",
            Secret::Sms => "GPET_SMS_SECRET_ARN",
            Secret::Mail => "GPET_MAIL_SECRET_ARN",
            Secret::Ads => "GPET_ADS_SECRET_ARN",
            Secret::FirstAdmin => "GPET_FIRST_ADMIN_SECRET_ARN",
        }
    }

    /// The fields it must hold (others are allowed: RDS adds host, port and engine).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Secret::Database | Secret::Redis | Secret::FirstAdmin => &["username", "password"],
            Secret::Auth => &["kid", "key"],
            Secret::Wechat => &["app_secret"],
            Secret::WechatPay => &["private_key_pem", "serial_no", "api_v3_key", "public_key_pem", "public_key_id"],
            Secret::Robot => &["secret"],
            Secret::Sms => &["access_key_id", "access_key_secret", "sign_name", "template_code"],
            // And `wecom_webhook_key` when the alerts also go to a WeCom group robot.
            Secret::Mail => &["smtp_username", "smtp_password"],
            Secret::Ads => &["md5_secret"],
        }
    }
}

/// A secret's fields, as fetched. Its `Debug` shows field names only.
#[derive(Clone)]
pub struct SecretValue {
    part: Secret,
    arn: String,
    fields: BTreeMap<String, SecretString>,
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValue")
            .field("part", &self.part.name())
            .field("arn", &self.arn)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SecretValue {
    /// Parses a `SecretString`: a JSON object whose values are strings (numbers are kept as
    /// text); every field [`Secret::fields`] names must be there and non-empty.
    pub fn parse(part: Secret, arn: &str, text: &str) -> Result<Self, ConfigError> {
        let error = |reason: String| ConfigError::Secret { part: part.name(), arn: arn.to_owned(), reason };
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|_| error("is not a JSON object".into()))?;
        let mut fields = BTreeMap::new();
        for (name, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            fields.insert(name, SecretString::from(text));
        }
        let value = SecretValue { part, arn: arn.to_owned(), fields };
        for field in part.fields() {
            value.field(field)?;
        }
        Ok(value)
    }

    pub fn part(&self) -> Secret {
        self.part
    }

    fn error(&self, reason: String) -> ConfigError {
        ConfigError::Secret { part: self.part.name(), arn: self.arn.clone(), reason }
    }

    /// A field that must be there.
    pub fn field(&self, name: &str) -> Result<SecretString, ConfigError> {
        self.optional(name).ok_or_else(|| self.error(format!("field `{name}` is missing or empty")))
    }

    pub fn optional(&self, name: &str) -> Option<SecretString> {
        self.fields.get(name).filter(|v| !v.expose_secret().trim().is_empty()).cloned()
    }

    /// A field at least `min_len` bytes long.
    pub fn key(&self, name: &str, min_len: usize) -> Result<SecretString, ConfigError> {
        let value = self.field(name)?;
        if value.expose_secret().len() < min_len {
            return Err(self.error(format!("field `{name}` must be at least {min_len} bytes long")));
        }
        Ok(value)
    }
}

/// The secrets a function fetched at cold start, by part.
#[derive(Debug, Clone, Default)]
pub struct Secrets(HashMap<Secret, SecretValue>);

impl Secrets {
    pub fn insert(&mut self, value: SecretValue) {
        self.0.insert(value.part, value);
    }

    pub fn get(&self, part: Secret) -> Result<&SecretValue, ConfigError> {
        self.0.get(&part).ok_or(ConfigError::Missing(part.arn_variable()))
    }
}

/// The ARN of each secret `needs` reads, from its variable; the deploy's part adds the secrets
/// listed in `GPET_PREFLIGHT_SECRETS` (`name=arn` pairs, comma-separated).
pub fn secret_arns(env: &Env, needs: &Needs) -> Result<Vec<(Secret, String)>, ConfigError> {
    let mut arns = Vec::new();
    for secret in needs.secrets() {
        arns.push((secret, secret_arn(env, secret.arn_variable())?));
    }
    if needs.deploy {
        arns.extend(preflight_secrets(env)?);
    }
    Ok(arns)
}

fn secret_arn(env: &Env, name: &'static str) -> Result<String, ConfigError> {
    let value = env.required(name)?;
    if !value.starts_with("arn:") || !value.contains(":secretsmanager:") {
        return Err(ConfigError::Invalid { name, reason: "not a Secrets Manager ARN".into() });
    }
    Ok(value.to_owned())
}

fn preflight_secrets(env: &Env) -> Result<Vec<(Secret, String)>, ConfigError> {
    const NAME: &str = "GPET_PREFLIGHT_SECRETS";
    let mut secrets = Vec::new();
    for pair in env.required(NAME)?.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let invalid = |reason: String| ConfigError::Invalid { name: NAME, reason };
        let (name, arn) = pair.split_once('=').ok_or_else(|| invalid(format!("`{pair}` is not name=arn")))?;
        let secret = Secret::from_name(name.trim()).ok_or_else(|| invalid(format!("no secret is named `{name}`")))?;
        let arn = arn.trim();
        if !arn.starts_with("arn:") || !arn.contains(":secretsmanager:") {
            return Err(invalid(format!("the {name} entry is not a Secrets Manager ARN")));
        }
        secrets.push((secret, arn.to_owned()));
    }
    Ok(secrets)
}

/// Extra trusted roots (PEM). For PostgreSQL and Redis, when set, the stores' certificates must
/// chain to this bundle instead of the public roots; for SMTP it is trusted beside them.
fn tls_ca(env: &Env) -> Result<Option<String>, ConfigError> {
    const NAME: &str = "GPET_TLS_CA_PEM";
    match env.optional(NAME) {
        None => Ok(None),
        Some(pem) if pem.contains("-----BEGIN CERTIFICATE-----") => Ok(Some(pem.to_owned())),
        Some(_) => Err(ConfigError::Invalid { name: NAME, reason: "not a PEM certificate bundle".into() }),
    }
}

#[derive(Clone)]
pub struct DbConfig {
    /// Host, port and database from `GPET_DATABASE_URL`; user and password from the secret.
    pub pg: tokio_postgres::Config,
    pub tls_ca: Option<String>,
}

impl DbConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        const NAME: &str = "GPET_DATABASE_URL";
        let text = env.required(NAME)?;
        let url = parse_url(NAME, text)?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(ConfigError::Invalid { name: NAME, reason: "must be a postgres:// URL".into() });
        }
        if url.password().is_some() {
            return Err(ConfigError::Invalid {
                name: NAME,
                reason: "carries a password: it belongs in the database secret".into(),
            });
        }
        let mut pg: tokio_postgres::Config = text
            .parse()
            .map_err(|e: tokio_postgres::Error| ConfigError::Invalid { name: NAME, reason: e.to_string() })?;
        let secret = secrets.get(Secret::Database)?;
        pg.user(secret.field("username")?.expose_secret());
        pg.password(secret.field("password")?.expose_secret());
        Ok(Self { pg, tls_ca: tls_ca(env)? })
    }
}

#[derive(Clone)]
pub struct CacheConfig {
    /// `rediss://host:port` with the ACL user and password from the secret.
    pub connection: redis::ConnectionInfo,
    pub tls_ca: Option<String>,
    /// Prepended to every key: tests give each test its own, stacks may share a cache.
    pub prefix: String,
}

impl CacheConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        const NAME: &str = "GPET_REDIS_URL";
        let url = env.url(NAME)?;
        if url.scheme() != "rediss" {
            return Err(ConfigError::Invalid { name: NAME, reason: "must be a rediss:// URL (TLS)".into() });
        }
        if url.password().is_some() || !url.username().is_empty() {
            return Err(ConfigError::Invalid {
                name: NAME,
                reason: "carries credentials: they belong in the redis secret".into(),
            });
        }
        let secret = secrets.get(Secret::Redis)?;
        let connection = redis::IntoConnectionInfo::into_connection_info(url.as_str())
            .map_err(|e| ConfigError::Invalid { name: NAME, reason: e.to_string() })?;
        let redis_settings = connection
            .redis_settings()
            .clone()
            .set_username(secret.field("username")?.expose_secret())
            .set_password(secret.field("password")?.expose_secret());
        let prefix = env.optional("GPET_REDIS_PREFIX").unwrap_or_default();
        if prefix.contains(['{', '}']) {
            return Err(ConfigError::Invalid {
                name: "GPET_REDIS_PREFIX",
                reason: "braces would change the keys' hash slots".into(),
            });
        }
        Ok(Self {
            connection: connection.set_redis_settings(redis_settings),
            tls_ca: tls_ca(env)?,
            prefix: prefix.to_owned(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct QueueConfig {
    urls: HashMap<Queue, String>,
}

impl QueueConfig {
    /// The URL of each queue in `queues`.
    pub fn load(env: &Env, queues: QueueSet) -> Result<Self, ConfigError> {
        let mut urls = HashMap::new();
        for queue in queues.iter() {
            urls.insert(queue, env.url(queue.url_variable())?.to_string());
        }
        Ok(Self { urls })
    }

    pub fn url(&self, queue: Queue) -> Option<&str> {
        self.urls.get(&queue).map(String::as_str)
    }

    /// The URLs of the queues of `queues` only.
    pub fn only(&self, queues: QueueSet) -> Self {
        Self { urls: self.urls.iter().filter(|(q, _)| queues.contains(**q)).map(|(q, u)| (*q, u.clone())).collect() }
    }
}

/// A signing key and the id tokens and cookies carry, so that the previous key still opens
/// what it sealed during a rotation.
#[derive(Clone)]
pub struct AuthKey {
    pub id: String,
    pub key: SecretString,
}

#[derive(Clone)]
pub struct AuthConfig {
    /// The key new tokens and cookies are sealed with.
    pub current: AuthKey,
    /// The key before the last rotation, still accepted.
    pub previous: Option<AuthKey>,
    /// Where browsers reach the product; https makes cookies Secure.
    pub public_base_url: Url,
}

impl AuthConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        let secret = secrets.get(Secret::Auth)?;
        let key_id = |name: &str| -> Result<String, ConfigError> {
            let id = secret.field(name)?.expose_secret().to_owned();
            if id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(secret.error(format!("field `{name}` must be at most 16 letters, digits, - or _")));
            }
            Ok(id)
        };
        let current = AuthKey { id: key_id("kid")?, key: secret.key("key", 32)? };
        let previous = match secret.optional("previous_kid") {
            Some(_) => Some(AuthKey { id: key_id("previous_kid")?, key: secret.key("previous_key", 32)? }),
            None => None,
        };
        if previous.as_ref().is_some_and(|p| p.id == current.id) {
            return Err(secret.error("fields `kid` and `previous_kid` must differ".into()));
        }
        Ok(Self { current, previous, public_base_url: env.url("GPET_PUBLIC_BASE_URL")? })
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
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        Ok(Self {
            app_id: env.required("GPET_WECHAT_APP_ID")?.to_owned(),
            app_secret: secrets.get(Secret::Wechat)?.field("app_secret")?,
            oauth_base: env.url("GPET_WECHAT_OAUTH_BASE")?,
            api_base: env.url("GPET_WECHAT_API_BASE")?,
        })
    }
}

#[derive(Clone)]
pub struct SmsConfig {
    /// Aliyun SMS's endpoint (`https://dysmsapi.aliyuncs.com/`).
    pub base_url: Url,
    /// The RAM user's AccessKey (it needs `dysms:SendSms` only).
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    /// The approved signature (签名) and verification-code template (模板, one variable `${code}`).
    pub sign_name: String,
    pub template_code: String,
}

impl SmsConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        let secret = secrets.get(Secret::Sms)?;
        let text = |name: &str| secret.field(name).map(|value| value.expose_secret().trim().to_owned());
        Ok(Self {
            base_url: env.url("GPET_SMS_BASE_URL")?,
            access_key_id: text("access_key_id")?,
            access_key_secret: secret.field("access_key_secret")?,
            sign_name: text("sign_name")?,
            template_code: text("template_code")?,
        })
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
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        Ok(Self { base_url: env.url("GPET_ROBOT_BASE_URL")?, secret: secrets.get(Secret::Robot)?.key("secret", 8)? })
    }
}

#[derive(Clone)]
pub struct LaunchConfig {
    /// The launch system's API (投放开关).
    pub base_url: Url,
}

impl LaunchConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { base_url: env.url("GPET_LAUNCH_BASE_URL")? })
    }
}

/// Who we are at WeChat Pay, which a user's confirmation in WeChat names: no key.
#[derive(Debug, Clone)]
pub struct MerchantConfig {
    pub mch_id: String,
    /// The appid the payees' openids belong to.
    pub app_id: String,
}

impl MerchantConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            mch_id: env.required("GPET_WECHAT_PAY_MCH_ID")?.to_owned(),
            app_id: env.required("GPET_WECHAT_APP_ID")?.to_owned(),
        })
    }
}

#[derive(Clone)]
pub struct PayConfig {
    /// WeChat Pay's API v3 (api.mch.weixin.qq.com).
    pub base_url: Url,
    pub merchant: MerchantConfig,
    /// The merchant's API private key (PKCS#8 PEM) and its certificate serial number.
    pub private_key_pem: SecretString,
    pub serial_no: String,
    /// Decrypts notifications (32 bytes).
    pub api_v3_key: SecretString,
    /// WeChat Pay's public key (SPKI PEM) and its id: checks answers and notifications, encrypts
    /// the payee's name. In the secret so that a new one needs no redeploy.
    pub public_key_pem: String,
    pub public_key_id: String,
    /// Where WeChat Pay posts the transfer results.
    pub notify_url: Url,
}

impl PayConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        let secret = secrets.get(Secret::WechatPay)?;
        let api_v3_key = secret.field("api_v3_key")?;
        if api_v3_key.expose_secret().len() != 32 {
            return Err(secret.error("field `api_v3_key` must be 32 bytes".into()));
        }
        Ok(Self {
            base_url: env.url("GPET_WECHAT_PAY_BASE_URL")?,
            merchant: MerchantConfig::load(env)?,
            private_key_pem: secret.key("private_key_pem", 100)?,
            serial_no: secret.field("serial_no")?.expose_secret().to_owned(),
            api_v3_key,
            public_key_pem: secret.field("public_key_pem")?.expose_secret().to_owned(),
            public_key_id: secret.field("public_key_id")?.expose_secret().to_owned(),
            notify_url: env
                .url("GPET_PUBLIC_BASE_URL")?
                .join("api/callbacks/wechat-pay/transfer")
                .map_err(|e| ConfigError::Invalid { name: "GPET_PUBLIC_BASE_URL", reason: e.to_string() })?,
        })
    }
}

/// How the connection to the SMTP server is secured. Never plaintext: the password and the
/// alerts would cross the network readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
    /// A plain connection upgraded by STARTTLS before anything else is said (port 587); a
    /// server that does not offer STARTTLS is refused.
    StartTls,
}

/// WeCom's API, where group robots' webhooks are.
pub const WECOM_WEBHOOK_BASE: &str = "https://qyapi.weixin.qq.com/";

/// A WeCom group robot the alerts also go to.
#[derive(Clone)]
pub struct WecomConfig {
    /// `https://qyapi.weixin.qq.com/` unless `GPET_WECOM_WEBHOOK_BASE` says otherwise.
    pub base_url: Url,
    /// The webhook's `key`: whoever holds it can post to the group.
    pub key: SecretString,
}

#[derive(Clone)]
pub struct MailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: SmtpTls,
    pub smtp_username: String,
    pub smtp_password: SecretString,
    pub from: lettre::message::Mailbox,
    /// Who gets the alerts.
    pub to: Vec<lettre::message::Mailbox>,
    /// Trusted beside the public roots for the SMTP server's certificate (see
    /// `partners::mail`).
    pub tls_ca: Option<String>,
    /// The WeCom group robot, when the secret names one.
    pub wecom: Option<WecomConfig>,
}

impl MailConfig {
    pub fn load(env: &Env, secrets: &Secrets) -> Result<Self, ConfigError> {
        let secret = secrets.get(Secret::Mail)?;
        let host = env.required("GPET_SMTP_HOST")?;
        if host.contains("://") || host.contains(['/', ' ', ':']) {
            return Err(ConfigError::Invalid {
                name: "GPET_SMTP_HOST",
                reason: "must be a host name, without scheme or port".into(),
            });
        }
        let port = env.required("GPET_SMTP_PORT")?;
        let port = match port.parse::<u16>() {
            Ok(0) | Err(_) => {
                return Err(ConfigError::Invalid { name: "GPET_SMTP_PORT", reason: "not a port number".into() });
            }
            // Lambda (and EC2 by default) blocks outbound port 25.
            Ok(25) => {
                return Err(ConfigError::Invalid {
                    name: "GPET_SMTP_PORT",
                    reason: "AWS blocks outbound port 25: use 465 (implicit) or 587 (starttls)".into(),
                });
            }
            Ok(port) => port,
        };
        let tls = match env.required("GPET_SMTP_TLS")? {
            "implicit" => SmtpTls::Implicit,
            "starttls" => SmtpTls::StartTls,
            _ => {
                return Err(ConfigError::Invalid {
                    name: "GPET_SMTP_TLS",
                    reason: "must be `implicit` (465) or `starttls` (587); never plaintext".into(),
                });
            }
        };
        let mailbox = |name: &'static str, text: &str| {
            text.trim().parse::<lettre::message::Mailbox>().map_err(|e| ConfigError::Invalid {
                name,
                reason: format!("`{}` is not a mail address ({e})", text.trim()),
            })
        };
        let from = mailbox("GPET_ALERT_MAIL_FROM", env.required("GPET_ALERT_MAIL_FROM")?)?;
        let to = env
            .required("GPET_ALERT_MAIL_TO")?
            .split(',')
            .filter(|a| !a.trim().is_empty())
            .map(|a| mailbox("GPET_ALERT_MAIL_TO", a))
            .collect::<Result<Vec<_>, _>>()?;
        if to.is_empty() {
            return Err(ConfigError::Invalid { name: "GPET_ALERT_MAIL_TO", reason: "names no address".into() });
        }
        let wecom = match secret.optional("wecom_webhook_key") {
            Some(key) => Some(WecomConfig {
                base_url: env
                    .optional_url("GPET_WECOM_WEBHOOK_BASE")?
                    .unwrap_or_else(|| Url::parse(WECOM_WEBHOOK_BASE).expect("WeCom's base is a URL")),
                key,
            }),
            None => None,
        };
        Ok(Self {
            smtp_host: host.to_owned(),
            smtp_port: port,
            smtp_tls: tls,
            smtp_username: secret.field("smtp_username")?.expose_secret().to_owned(),
            smtp_password: secret.field("smtp_password")?,
            from,
            to,
            tls_ca: tls_ca(env)?,
            wecom,
        })
    }
}

#[derive(Clone)]
pub struct AdsConfig {
    /// MD5_SECRET_KEY of the old system: the ad-click callback's signing key.
    pub md5_secret: SecretString,
}

impl AdsConfig {
    pub fn load(secrets: &Secrets) -> Result<Self, ConfigError> {
        Ok(Self { md5_secret: secrets.get(Secret::Ads)?.key("md5_secret", 8)? })
    }
}

/// Where the site is: the single-page apps' pages are fetched from there.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub public_base_url: Url,
}

impl WebConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { public_base_url: env.url("GPET_PUBLIC_BASE_URL")? })
    }
}

#[derive(Debug, Clone)]
pub struct JssdkConfig {
    /// The script the H5 loads: WeChat's (https://res.wx.qq.com/open/js/jweixin-1.6.0.js), or
    /// the sandbox's stand-in locally.
    pub script_url: Url,
    /// The site: pages of this origin only are signed (WeChat also checks its JS安全域名).
    pub public_base_url: Url,
}

impl JssdkConfig {
    pub fn load(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self { script_url: env.url("GPET_WECHAT_JSSDK_URL")?, public_base_url: env.url("GPET_PUBLIC_BASE_URL")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:cn-northwest-1:123456789012:secret:gpet/auth-AbCdEf";

    fn secrets(pairs: &[(Secret, &str)]) -> Secrets {
        let mut secrets = Secrets::default();
        for (part, json) in pairs {
            secrets.insert(SecretValue::parse(*part, ARN, json).unwrap());
        }
        secrets
    }

    #[test]
    fn a_missing_variable_is_named() {
        let s = secrets(&[(Secret::Auth, r#"{"kid":"1","key":"k-0123456789-0123456789-0123456789"}"#)]);
        let err = AuthConfig::load(&Env::default(), &s).err().unwrap();
        assert_eq!(err, ConfigError::Missing("GPET_PUBLIC_BASE_URL"));
        assert_eq!(err.to_string(), "configuration variable GPET_PUBLIC_BASE_URL is not set");
    }

    #[test]
    fn a_bad_secret_field_is_named_without_its_value() {
        let s = secrets(&[(Secret::Auth, r#"{"kid":"1","key":"short-secret-value"}"#)]);
        let env = Env::from_pairs([("GPET_PUBLIC_BASE_URL", "http://127.0.0.1:3000")]);
        let err = AuthConfig::load(&env, &s).err().unwrap().to_string();
        assert!(err.contains("auth") && err.contains("`key`") && err.contains(ARN), "{err}");
        assert!(!err.contains("short-secret-value"), "{err}");
    }

    #[test]
    fn a_secret_without_a_required_field_or_not_json_is_refused_by_name() {
        let missing = SecretValue::parse(Secret::WechatPay, ARN, r#"{"private_key_pem":"x"}"#).unwrap_err().to_string();
        assert!(missing.contains("wechat-pay") && missing.contains("`serial_no`"), "{missing}");
        let garbage = SecretValue::parse(Secret::Robot, ARN, "plain-text-secret").unwrap_err().to_string();
        assert!(garbage.contains("robot") && garbage.contains("not a JSON object"), "{garbage}");
        assert!(!garbage.contains("plain-text-secret"), "{garbage}");
        let shown = format!("{:?}", SecretValue::parse(Secret::Robot, ARN, r#"{"secret":"very-secret"}"#).unwrap());
        assert!(shown.contains("secret") && !shown.contains("very-secret"), "{shown}");
    }

    #[test]
    fn the_environment_never_carries_store_credentials() {
        let s = secrets(&[
            (Secret::Database, r#"{"username":"gpet","password":"pw"}"#),
            (Secret::Redis, r#"{"username":"gpet","password":"pw"}"#),
        ]);
        let db = Env::from_pairs([("GPET_DATABASE_URL", "postgres://gpet:hunter2@db:5432/gpet")]);
        let err = DbConfig::load(&db, &s).err().unwrap().to_string();
        assert!(err.contains("GPET_DATABASE_URL") && err.contains("password") && !err.contains("hunter2"), "{err}");
        let plain = Env::from_pairs([("GPET_REDIS_URL", "redis://cache:6379")]);
        assert!(CacheConfig::load(&plain, &s).err().unwrap().to_string().contains("TLS"));
        let ok = Env::from_pairs([("GPET_REDIS_URL", "rediss://cache:6379")]);
        let cache = CacheConfig::load(&ok, &s).unwrap();
        assert_eq!(cache.connection.redis_settings().username(), Some("gpet"));
    }

    #[test]
    fn an_auth_secret_may_carry_the_previous_key_under_another_id() {
        let env = Env::from_pairs([("GPET_PUBLIC_BASE_URL", "https://gpet.example.cn")]);
        let rotated = secrets(&[(
            Secret::Auth,
            r#"{"kid":"2","key":"new-0123456789-0123456789-0123456789","previous_kid":"1","previous_key":"old-0123456789-0123456789-0123456789"}"#,
        )]);
        let auth = AuthConfig::load(&env, &rotated).unwrap();
        assert_eq!((auth.current.id.as_str(), auth.previous.map(|p| p.id)), ("2", Some("1".to_owned())));
        let same = secrets(&[(
            Secret::Auth,
            r#"{"kid":"1","key":"new-0123456789-0123456789-0123456789","previous_kid":"1","previous_key":"old-0123456789-0123456789-0123456789"}"#,
        )]);
        assert!(AuthConfig::load(&env, &same).is_err());
    }

    #[test]
    fn urls_are_checked() {
        let env = Env::from_pairs([("GPET_TRACKING_QUEUE_URL", "not a url")]);
        let err = QueueConfig::load(&env, QueueSet::of(&[Queue::TrackingEvents])).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "GPET_TRACKING_QUEUE_URL", .. }), "{err}");
        assert!(QueueConfig::load(&env, QueueSet::of(&[Queue::Payouts])).is_err(), "only the queues named are read");
    }

    #[test]
    fn debug_of_env_shows_no_values() {
        let env = Env::from_pairs([("GPET_AUTH_SECRET_ARN", "very-secret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("GPET_AUTH_SECRET_ARN") && !shown.contains("very-secret"));
    }

    #[test]
    fn needs_name_their_variables_and_secrets() {
        let me = Needs { db: true, cache: true, auth: true, ..Needs::NONE };
        assert_eq!(
            me.variables(),
            [
                "GPET_AUTH_SECRET_ARN",
                "GPET_DATABASE_SECRET_ARN",
                "GPET_DATABASE_URL",
                "GPET_PUBLIC_BASE_URL",
                "GPET_REDIS_SECRET_ARN",
                "GPET_REDIS_URL"
            ]
        );
        assert_eq!(me.secrets(), [Secret::Database, Secret::Redis, Secret::Auth]);
        let listing = Needs { merchant: true, ..Needs::NONE };
        assert!(listing.secrets().is_empty(), "the merchant's identity needs no key");
        let relay = Needs { sends: QueueSet::of(&[Queue::TrackingEvents, Queue::Payouts]), ..Needs::NONE };
        assert_eq!(relay.variables(), ["GPET_PAYOUTS_QUEUE_URL", "GPET_TRACKING_QUEUE_URL"]);
    }

    fn mail_env(overrides: &[(&str, &str)]) -> Env {
        let mut env = Env::from_pairs([
            ("GPET_SMTP_HOST", "smtpdm.aliyun.com"),
            ("GPET_SMTP_PORT", "465"),
            ("GPET_SMTP_TLS", "implicit"),
            ("GPET_ALERT_MAIL_FROM", "gpet 告警 <alerts@gpet.example.cn>"),
            ("GPET_ALERT_MAIL_TO", "oncall@example.cn, finance@example.cn"),
        ]);
        for (name, value) in overrides {
            env.set(*name, *value);
        }
        env
    }

    #[test]
    fn mail_goes_over_tls_to_smtp_with_the_webhook_only_when_keyed() {
        let plain = secrets(&[(Secret::Mail, r#"{"smtp_username":"alerts","smtp_password":"pw"}"#)]);
        let mail = MailConfig::load(&mail_env(&[]), &plain).unwrap();
        assert_eq!((mail.smtp_port, mail.smtp_tls, mail.to.len()), (465, SmtpTls::Implicit, 2));
        assert_eq!(mail.from.email.to_string(), "alerts@gpet.example.cn");
        assert!(mail.wecom.is_none());

        let keyed = secrets(&[(
            Secret::Mail,
            r#"{"smtp_username":"alerts","smtp_password":"pw","wecom_webhook_key":"693a91f6-7xxx"}"#,
        )]);
        let mail = MailConfig::load(&mail_env(&[("GPET_SMTP_TLS", "starttls"), ("GPET_SMTP_PORT", "587")]), &keyed);
        let wecom = mail.unwrap().wecom.unwrap();
        assert_eq!(wecom.base_url.as_str(), WECOM_WEBHOOK_BASE);

        let refused = [
            (("GPET_SMTP_TLS", "none"), "plaintext"),
            (("GPET_SMTP_TLS", "STARTTLS "), "not one of the two modes"),
            (("GPET_SMTP_PORT", "25"), "AWS blocks port 25"),
            (("GPET_SMTP_PORT", "0"), "no port"),
            (("GPET_SMTP_HOST", "smtps://smtp.example.cn"), "a URL, not a host"),
            (("GPET_ALERT_MAIL_TO", "oncall"), "not an address"),
            (("GPET_ALERT_MAIL_TO", " , "), "no address"),
            (("GPET_ALERT_MAIL_FROM", "a@b@c"), "not an address"),
        ];
        for ((name, value), why) in refused {
            let err = MailConfig::load(&mail_env(&[(name, value)]), &plain).err();
            assert!(matches!(err, Some(ConfigError::Invalid { name: n, .. }) if n == name), "{why}: {err:?}");
        }
        let missing = SecretValue::parse(Secret::Mail, ARN, r#"{"key":"old-mail-api-key"}"#).unwrap_err().to_string();
        assert!(missing.contains("`smtp_username`"), "{missing}");
    }

    #[test]
    fn preflight_secrets_are_name_arn_pairs() {
        let env = Env::from_pairs([
            ("GPET_FIRST_ADMIN_SECRET_ARN", ARN),
            ("GPET_PREFLIGHT_SECRETS", &format!("wechat={ARN}, ads={ARN}") as &str),
        ]);
        let arns = secret_arns(&env, &Needs { deploy: true, ..Needs::NONE }).unwrap();
        let parts: Vec<Secret> = arns.iter().map(|(s, _)| *s).collect();
        assert_eq!(parts, [Secret::FirstAdmin, Secret::Wechat, Secret::Ads]);
        let bad = Env::from_pairs([("GPET_FIRST_ADMIN_SECRET_ARN", ARN), ("GPET_PREFLIGHT_SECRETS", "nosuch=arn:x")]);
        let err = secret_arns(&bad, &Needs { deploy: true, ..Needs::NONE }).unwrap_err().to_string();
        assert!(err.contains("GPET_PREFLIGHT_SECRETS") && err.contains("nosuch"), "{err}");
    }
}
