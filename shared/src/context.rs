//! The context a domain operation runs in: connections and clients made once per instance (in a
//! Lambda's `main`, before `run`), and the business clock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::Auth;
use crate::cache::Cache;
use crate::clock::Clock;
use crate::config::{
    AdsConfig, AuthConfig, CacheConfig, DbConfig, Env, JssdkConfig, LaunchConfig, MailConfig, MerchantConfig, Needs,
    PayConfig, QueueConfig, RobotConfig, Secret, SecretValue, Secrets, SmsConfig, Uses, WebConfig, WechatConfig,
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
    auth: Option<Arc<Auth>>,
    wechat: Option<Arc<WechatOauth>>,
    sms: Option<Arc<SmsGateway>>,
    robot: Option<Arc<RobotPlatform>>,
    launch: Option<Arc<LaunchSystem>>,
    merchant: Option<MerchantConfig>,
    pay: Option<Arc<WechatPay>>,
    mail: Option<Arc<Mailer>>,
    ads: Option<AdsConfig>,
    web: Option<WebConfig>,
    jssdk: Option<JssdkConfig>,
    /// The deploy's part: the secrets it fetched (the first operator's, and the ones it checks).
    deploy: Option<Secrets>,
    /// The sensitive-word matcher, built once per list version.
    pub(crate) sensitive_words: Arc<MatcherCache>,
    /// Robot WeChat ids, for the robot-events consumer.
    pub(crate) robot_ids: Arc<RobotDirectory>,
}

/// What a cold start spent, part by part (the secrets are fetched first, then PostgreSQL and
/// Redis connect at the same time).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct ColdStart {
    pub secrets_ms: f64,
    pub postgres_ms: f64,
    pub redis_ms: f64,
    pub total_ms: f64,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

impl Ctx {
    /// Builds the parts `U` uses: reads their variables (the first missing or bad one fails the
    /// whole start with its name), fetches their secrets from Secrets Manager at once, then opens
    /// PostgreSQL and Redis concurrently. `U::NEEDS` is a constant, so the parts not used are not
    /// compiled in.
    pub async fn load<U: Uses>(env: &Env, clock: Clock, db_pool_size: usize) -> anyhow::Result<(Ctx, ColdStart)> {
        let needs = U::NEEDS;
        let started = Instant::now();
        let arns = crate::config::secret_arns(env, &needs)?;
        let queue_config = (!needs.queues().is_empty()).then(|| QueueConfig::load(env, needs.queues())).transpose()?;
        let launch = needs.launch.then(|| LaunchConfig::load(env)).transpose()?;
        let merchant = (needs.merchant || needs.pay).then(|| MerchantConfig::load(env)).transpose()?;
        let web = needs.web.then(|| WebConfig::load(env)).transpose()?;
        let jssdk = needs.jssdk.then(|| JssdkConfig::load(env)).transpose()?;

        let sdk = match (arns.is_empty(), &queue_config) {
            (true, None) => None,
            _ => Some(crate::aws::sdk_config(env).await),
        };
        let secrets = match &sdk {
            Some(sdk) if !arns.is_empty() => crate::aws::fetch_secrets(sdk, &arns).await?,
            _ => Secrets::default(),
        };
        let secrets_done = Instant::now();

        let db = needs.db.then(|| DbConfig::load(env, &secrets)).transpose()?;
        let cache = needs.cache.then(|| CacheConfig::load(env, &secrets)).transpose()?;
        let auth = needs.auth.then(|| AuthConfig::load(env, &secrets)).transpose()?;
        let wechat = needs.wechat.then(|| WechatConfig::load(env, &secrets)).transpose()?;
        let sms = needs.sms.then(|| SmsConfig::load(env, &secrets)).transpose()?;
        let robot = needs.robot.then(|| RobotConfig::load(env, &secrets)).transpose()?;
        let pay = needs.pay.then(|| PayConfig::load(env, &secrets)).transpose()?;
        let mail = needs.mail.then(|| MailConfig::load(env, &secrets)).transpose()?;
        let ads = needs.ads.then(|| AdsConfig::load(&secrets)).transpose()?;

        let db = db.map(|c| Db::connect(&c, db_pool_size)).transpose()?;
        let (postgres, redis) = tokio::join!(
            async {
                match &db {
                    Some(db) => {
                        let start = Instant::now();
                        db.warm().await.map(|_| Some(start.elapsed()))
                    }
                    None => Ok(None),
                }
            },
            async {
                match &cache {
                    Some(config) => {
                        let start = Instant::now();
                        Cache::connect(config).await.map(|c| Some((c, start.elapsed())))
                    }
                    None => Ok(None),
                }
            }
        );
        let postgres = postgres?;
        let (cache, redis) = match redis? {
            Some((cache, took)) => (Some(cache), Some(took)),
            None => (None, None),
        };
        let timings = ColdStart {
            secrets_ms: ms(secrets_done - started),
            postgres_ms: postgres.map(ms).unwrap_or_default(),
            redis_ms: redis.map(ms).unwrap_or_default(),
            total_ms: ms(started.elapsed()),
        };

        // The HTTP client (and its TLS roots) only where a partner is called.
        let http = || partners::http_client();
        let deploy = needs.deploy.then(|| {
            let mut fetched = Secrets::default();
            for (part, _) in &arns {
                if let Ok(value) = secrets.get(*part) {
                    fetched.insert(value.clone());
                }
            }
            fetched
        });
        let ctx = Ctx {
            clock,
            db,
            cache,
            queues: match (queue_config, &sdk) {
                (Some(config), Some(sdk)) => Some(Queues::new(sdk, config, env.optional("AWS_ENDPOINT_URL_SQS"))),
                _ => None,
            },
            auth: auth.as_ref().map(|c| Arc::new(Auth::new(c))),
            wechat: wechat.map(|c| Ok::<_, anyhow::Error>(Arc::new(WechatOauth::new(http()?, c)))).transpose()?,
            sms: sms.map(|c| Ok::<_, anyhow::Error>(Arc::new(SmsGateway::new(http()?, c)))).transpose()?,
            robot: robot.map(|c| Ok::<_, anyhow::Error>(Arc::new(RobotPlatform::new(http()?, c)))).transpose()?,
            launch: launch.map(|c| Ok::<_, anyhow::Error>(Arc::new(LaunchSystem::new(http()?, c)))).transpose()?,
            merchant,
            pay: pay.map(|c| WechatPay::new(http()?, c).map(Arc::new)).transpose()?,
            mail: mail.map(|c| Mailer::new(http()?, c).map(Arc::new)).transpose()?,
            ads,
            web,
            jssdk,
            deploy,
            sensitive_words: Arc::default(),
            robot_ids: Arc::default(),
        };
        Ok((ctx, timings))
    }

    /// The same parts reading another business clock (a job run as of the minute it was due);
    /// the instance caches start empty.
    pub fn with_clock(&self, clock: Clock) -> Ctx {
        Ctx { clock, sensitive_words: Arc::default(), robot_ids: Arc::default(), ..self.only(&Needs::ALL) }
    }

    /// Only the parts `needs` names, sharing this context's connections, clock and caches: the
    /// local host runs each function on what its binary builds, so a part used but not named
    /// fails in every test that takes the path, as it would deployed.
    pub fn only(&self, needs: &Needs) -> Ctx {
        fn kept<T: Clone>(part: &Option<T>, named: bool) -> Option<T> {
            part.clone().filter(|_| named)
        }
        Ctx {
            clock: self.clock.clone(),
            db: kept(&self.db, needs.db),
            cache: kept(&self.cache, needs.cache),
            queues: self.queues.as_ref().map(|q| q.only(needs.queues())),
            auth: kept(&self.auth, needs.auth),
            wechat: kept(&self.wechat, needs.wechat),
            sms: kept(&self.sms, needs.sms),
            robot: kept(&self.robot, needs.robot),
            launch: kept(&self.launch, needs.launch),
            merchant: kept(&self.merchant, needs.merchant || needs.pay),
            pay: kept(&self.pay, needs.pay),
            mail: kept(&self.mail, needs.mail),
            ads: kept(&self.ads, needs.ads),
            web: kept(&self.web, needs.web),
            jssdk: kept(&self.jssdk, needs.jssdk),
            deploy: kept(&self.deploy, needs.deploy),
            sensitive_words: self.sensitive_words.clone(),
            robot_ids: self.robot_ids.clone(),
        }
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
        self.auth.as_deref().ok_or_else(|| missing("auth keys"))
    }

    pub fn wechat(&self) -> Result<&WechatOauth> {
        self.wechat.as_deref().ok_or_else(|| missing("WeChat client"))
    }

    pub fn sms(&self) -> Result<&SmsGateway> {
        self.sms.as_deref().ok_or_else(|| missing("SMS gateway"))
    }

    pub fn robot(&self) -> Result<&RobotPlatform> {
        self.robot.as_deref().ok_or_else(|| missing("robot platform"))
    }

    pub fn launch(&self) -> Result<&LaunchSystem> {
        self.launch.as_deref().ok_or_else(|| missing("launch system"))
    }

    /// WeChat Pay's merchant identity (no key): what a user's confirmation names.
    pub fn merchant(&self) -> Result<&MerchantConfig> {
        self.merchant.as_ref().ok_or_else(|| missing("WeChat Pay merchant"))
    }

    pub fn pay(&self) -> Result<&WechatPay> {
        self.pay.as_deref().ok_or_else(|| missing("WeChat Pay"))
    }

    pub fn mail(&self) -> Result<&Mailer> {
        self.mail.as_deref().ok_or_else(|| missing("mail"))
    }

    pub fn ads(&self) -> Result<&AdsConfig> {
        self.ads.as_ref().ok_or_else(|| missing("ad system secret"))
    }

    pub fn web(&self) -> Result<&WebConfig> {
        self.web.as_ref().ok_or_else(|| missing("site address"))
    }

    pub fn jssdk(&self) -> Result<&JssdkConfig> {
        self.jssdk.as_ref().ok_or_else(|| missing("JS-SDK configuration"))
    }

    /// The deploy's secrets: the first operator's, and each one checked before migrating.
    pub fn deploy_secret(&self, part: Secret) -> Result<&SecretValue> {
        self.deploy
            .as_ref()
            .ok_or_else(|| missing("deploy secrets"))?
            .get(part)
            .map_err(|e| Error::Unexpected(e.into()))
    }
}

/// A function used a part its `Needs` did not name: a programming error that shows only when a
/// call reaches the part. The local host runs each function on its parts only (`Ctx::only`), so
/// any test that takes the path through the host catches it.
fn missing(part: &'static str) -> Error {
    Error::Unexpected(anyhow::anyhow!("{part} is not configured for this function (see its function! line)"))
}
