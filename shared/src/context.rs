//! The context a domain operation runs in: connections and clients made once per instance (in a
//! Lambda's `main`, before `run`), and the business clock.

use crate::auth::Auth;
use crate::cache::Cache;
use crate::clock::Clock;
use crate::config::{
    AdsConfig, AuthConfig, CacheConfig, DbConfig, Env, LaunchConfig, MailConfig, PayConfig, QueueConfig, RobotConfig,
    SmsConfig, Uses, WechatConfig,
};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::partners::{
    self, launch::LaunchSystem, mail::Mailer, robot::RobotPlatform, sms::SmsGateway, wechat::WechatOauth,
    wechat_pay::WechatPay,
};
use crate::queue::Queues;
use crate::robot_events::RobotDirectory;
use crate::sensitive_words::MatcherCache;

pub struct Ctx {
    pub clock: Clock,
    db: Option<Db>,
    cache: Option<Cache>,
    queues: Option<Queues>,
    auth: Option<Auth>,
    wechat: Option<WechatOauth>,
    sms: Option<SmsGateway>,
    robot: Option<RobotPlatform>,
    launch: Option<LaunchSystem>,
    pay: Option<WechatPay>,
    mail: Option<Mailer>,
    ads: Option<AdsConfig>,
    /// The sensitive-word matcher, built once per list version.
    pub(crate) sensitive_words: MatcherCache,
    /// Robot WeChat ids, for the robot-events consumer.
    pub(crate) robot_ids: RobotDirectory,
}

impl Ctx {
    /// Builds the parts `U` uses from `env`; the first missing or bad variable fails the whole
    /// start with its name. `U::NEEDS` is a constant, so the parts not used are not compiled in.
    pub async fn from_env<U: Uses>(env: &Env, clock: Clock, db_pool_size: usize) -> anyhow::Result<Ctx> {
        let db = U::NEEDS.db.then(|| DbConfig::from_env(env)).transpose()?;
        let cache = U::NEEDS.cache.then(|| CacheConfig::from_env(env)).transpose()?;
        let queues = U::NEEDS.queues.then(|| QueueConfig::from_env(env)).transpose()?;
        let auth = U::NEEDS.auth.then(|| AuthConfig::from_env(env)).transpose()?;
        let wechat = U::NEEDS.wechat.then(|| WechatConfig::from_env(env)).transpose()?;
        let sms = U::NEEDS.sms.then(|| SmsConfig::from_env(env)).transpose()?;
        let robot = U::NEEDS.robot.then(|| RobotConfig::from_env(env)).transpose()?;
        let launch = U::NEEDS.launch.then(|| LaunchConfig::from_env(env)).transpose()?;
        let pay = U::NEEDS.pay.then(|| PayConfig::from_env(env)).transpose()?;
        let mail = U::NEEDS.mail.then(|| MailConfig::from_env(env)).transpose()?;
        let ads = U::NEEDS.ads.then(|| AdsConfig::from_env(env)).transpose()?;
        let http = || partners::http_client();
        Ok(Ctx {
            clock,
            db: db.map(|c| Db::connect(&c, db_pool_size)).transpose()?,
            cache: match cache {
                Some(c) => Some(Cache::connect(&c).await?),
                None => None,
            },
            queues: match queues {
                Some(c) => Some(Queues::connect(&c).await),
                None => None,
            },
            auth: auth.as_ref().map(Auth::new),
            // The HTTP client (and its TLS roots) only where a partner is called.
            wechat: wechat.map(|c| Ok::<_, anyhow::Error>(WechatOauth::new(http()?, c))).transpose()?,
            sms: sms.map(|c| Ok::<_, anyhow::Error>(SmsGateway::new(http()?, c))).transpose()?,
            robot: robot.map(|c| Ok::<_, anyhow::Error>(RobotPlatform::new(http()?, c))).transpose()?,
            launch: launch.map(|c| Ok::<_, anyhow::Error>(LaunchSystem::new(http()?, c))).transpose()?,
            pay: pay.map(|c| WechatPay::new(http()?, c)).transpose()?,
            mail: mail.map(|c| Ok::<_, anyhow::Error>(Mailer::new(http()?, c))).transpose()?,
            ads,
            sensitive_words: MatcherCache::default(),
            robot_ids: RobotDirectory::default(),
        })
    }

    pub fn db(&self) -> Result<&Db> {
        self.db.as_ref().ok_or_else(|| missing("database"))
    }

    pub fn cache(&self) -> Result<&Cache> {
        self.cache.as_ref().ok_or_else(|| missing("Redis"))
    }

    pub fn queues(&self) -> Result<&Queues> {
        self.queues.as_ref().ok_or_else(|| missing("queues"))
    }

    pub fn auth(&self) -> Result<&Auth> {
        self.auth.as_ref().ok_or_else(|| missing("auth keys"))
    }

    pub fn wechat(&self) -> Result<&WechatOauth> {
        self.wechat.as_ref().ok_or_else(|| missing("WeChat client"))
    }

    pub fn sms(&self) -> Result<&SmsGateway> {
        self.sms.as_ref().ok_or_else(|| missing("SMS gateway"))
    }

    pub fn robot(&self) -> Result<&RobotPlatform> {
        self.robot.as_ref().ok_or_else(|| missing("robot platform"))
    }

    pub fn launch(&self) -> Result<&LaunchSystem> {
        self.launch.as_ref().ok_or_else(|| missing("launch system"))
    }

    pub fn pay(&self) -> Result<&WechatPay> {
        self.pay.as_ref().ok_or_else(|| missing("WeChat Pay"))
    }

    pub fn mail(&self) -> Result<&Mailer> {
        self.mail.as_ref().ok_or_else(|| missing("mail"))
    }

    pub fn ads(&self) -> Result<&AdsConfig> {
        self.ads.as_ref().ok_or_else(|| missing("ad system secret"))
    }
}

/// A function used a part its `Needs` did not name: a programming error, caught by the tests
/// that run every function.
fn missing(part: &'static str) -> Error {
    Error::Unexpected(anyhow::anyhow!("{part} is not configured for this function (see its Uses)"))
}
