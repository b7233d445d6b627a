//! WeChat's JS-SDK in the H5: the official account's `access_token` and `jsapi_ticket`, shared
//! by every instance of every function through Redis, and the signature `wx.config` needs.
//!
//! WeChat limits how often a token may be fetched, and a new token retires the previous one
//! within minutes: instances that each fetched their own would keep invalidating each other. So
//! a credential is fetched by one instance, under a lock, and kept in Redis until shortly before
//! it expires; the others read it. It is refreshed ahead of its expiry by whoever first sees it
//! close (the others keep using the current one meanwhile), and when WeChat refuses it
//! (40001/42001) it is replaced once: under the lock, only if Redis still holds the refused one.

use std::time::Duration;

use chrono::Utc;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use redis::AsyncCommands as _;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::context::Ctx;
use crate::error::{Code, Error, Result, Unexpected as _};
use crate::partners::wechat::{Issued, WechatError};

/// Refreshed this long before WeChat says it expires.
const REFRESH_AHEAD_SECS: i64 = 10 * 60;
/// Never kept longer than this, whatever WeChat says (it says 7200 s).
const MAX_LIFE_SECS: i64 = 7200;
/// A holder that died keeps the lock at most this long.
const LOCK_MS: u64 = 15_000;
/// How long a caller waits for another instance's fetch before giving up.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// Deletes the lock only if it is still ours.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    AccessToken,
    JsapiTicket,
}

impl Kind {
    /// One hash tag for all: a future script may name several keys.
    fn key(self) -> &'static str {
        match self {
            Kind::AccessToken => "GPET:WECHAT:{jsapi}:ACCESS_TOKEN",
            Kind::JsapiTicket => "GPET:WECHAT:{jsapi}:JSAPI_TICKET",
        }
    }

    fn lock_key(self) -> &'static str {
        match self {
            Kind::AccessToken => "GPET:WECHAT:{jsapi}:ACCESS_TOKEN_LOCK",
            Kind::JsapiTicket => "GPET:WECHAT:{jsapi}:JSAPI_TICKET_LOCK",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::AccessToken => "access_token",
            Kind::JsapiTicket => "jsapi_ticket",
        }
    }
}

/// A credential as Redis keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Held {
    value: String,
    /// Unix seconds (real time: WeChat's clock, not the business clock).
    expires_at: i64,
}

impl Held {
    fn of(issued: Issued, now: i64) -> Self {
        Held { value: issued.value, expires_at: now + issued.expires_in.clamp(0, MAX_LIFE_SECS) }
    }

    fn usable(&self, now: i64, refused: Option<&str>) -> bool {
        self.expires_at > now && refused != Some(self.value.as_str())
    }

    fn fresh(&self, now: i64, refused: Option<&str>) -> bool {
        self.usable(now, refused) && self.expires_at - now > REFRESH_AHEAD_SECS
    }
}

/// The official account's access_token, shared by every instance.
pub async fn access_token(ctx: &Ctx) -> Result<String> {
    shared(ctx, Kind::AccessToken, None).await
}

/// The jsapi_ticket, shared by every instance.
pub async fn jsapi_ticket(ctx: &Ctx) -> Result<String> {
    shared(ctx, Kind::JsapiTicket, None).await
}

/// Replaces the access_token WeChat refused, once for all instances: when Redis already holds
/// another, that one is returned.
pub async fn replace_access_token(ctx: &Ctx, refused: &str) -> Result<String> {
    shared(ctx, Kind::AccessToken, Some(refused)).await
}

async fn shared(ctx: &Ctx, kind: Kind, refused: Option<&str>) -> Result<String> {
    let cache = ctx.cache()?;
    let mut redis = cache.conn();
    let key = cache.key(kind.key());
    let lock_key = cache.key(kind.lock_key());
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = Utc::now().timestamp();
        let held = read(&mut redis, &key).await?;
        if let Some(held) = held.as_ref().filter(|h| h.fresh(now, refused)) {
            return Ok(held.value.clone());
        }
        let owner: String = rand::rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect();
        let locked: Option<String> = redis::cmd("SET")
            .arg(&lock_key)
            .arg(&owner)
            .arg("NX")
            .arg("PX")
            .arg(LOCK_MS)
            .query_async(&mut redis)
            .await
            .unexpected("failed to take the WeChat credential lock")?;
        if locked.is_some() {
            let fetched = refresh(ctx, kind, &mut redis, &key, refused).await;
            redis::Script::new(RELEASE_SCRIPT)
                .key(&lock_key)
                .arg(&owner)
                .invoke_async::<i64>(&mut redis)
                .await
                .unexpected("failed to release the WeChat credential lock")?;
            return match fetched {
                Ok(value) => Ok(value),
                // WeChat failed; the one we hold still works for a while.
                Err(e) => match held.filter(|h| h.usable(now, refused)) {
                    Some(held) => {
                        tracing::warn!(error = %e, credential = kind.name(), "kept the current WeChat credential");
                        Ok(held.value)
                    }
                    None => Err(e),
                },
            };
        }
        // Another instance is fetching: the current one serves meanwhile, if it still works.
        if let Some(held) = held.filter(|h| h.usable(now, refused)) {
            return Ok(held.value);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::rejected(Code::ExternalFailed, "微信服务繁忙，请稍后再试"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Under the lock: fetches a new credential unless another instance stored a good one since.
async fn refresh(
    ctx: &Ctx,
    kind: Kind,
    redis: &mut redis::aio::ConnectionManager,
    key: &str,
    refused: Option<&str>,
) -> Result<String> {
    let now = Utc::now().timestamp();
    if let Some(held) = read(redis, key).await?.filter(|h| h.fresh(now, refused)) {
        return Ok(held.value);
    }
    let issued = match kind {
        Kind::AccessToken => ctx.wechat()?.fetch_access_token().await.map_err(refused_by_wechat)?,
        Kind::JsapiTicket => {
            let token = Box::pin(access_token(ctx)).await?;
            match ctx.wechat()?.fetch_jsapi_ticket(&token).await {
                Err(e) if e.token_rejected() => {
                    tracing::warn!(error = %e, "WeChat refused the shared access_token; replacing it");
                    let token = Box::pin(replace_access_token(ctx, &token)).await?;
                    ctx.wechat()?.fetch_jsapi_ticket(&token).await.map_err(refused_by_wechat)?
                }
                other => other.map_err(refused_by_wechat)?,
            }
        }
    };
    let held = Held::of(issued, Utc::now().timestamp());
    let ttl = (held.expires_at - Utc::now().timestamp()).max(1);
    let text = serde_json::to_string(&held).unexpected("failed to serialize a WeChat credential")?;
    let () = redis.set_ex(key, text, ttl as u64).await.unexpected("failed to store a WeChat credential")?;
    tracing::info!(credential = kind.name(), expires_in = ttl, "fetched a WeChat credential");
    Ok(held.value)
}

async fn read(redis: &mut redis::aio::ConnectionManager, key: &str) -> Result<Option<Held>> {
    let text: Option<String> = redis.get(key).await.unexpected("failed to read a WeChat credential")?;
    // A value this code cannot read is as good as none: it is fetched again.
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

fn refused_by_wechat(e: WechatError) -> Error {
    tracing::error!(error = %e, "WeChat refused a JS-SDK credential");
    Error::rejected(Code::ExternalFailed, "微信服务暂时不可用，请稍后再试")
}

/// What `wx.config` takes, signed for one page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JsConfig {
    pub app_id: String,
    /// Unix seconds.
    pub timestamp: i64,
    pub nonce_str: String,
    /// SHA-1 (hex) of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`.
    pub signature: String,
    /// The JS-SDK script the page loads (WeChat's, or the sandbox's stand-in locally).
    pub script_url: String,
}

/// `wx.config` for the page at `url` (its fragment dropped), a page of the site only.
pub async fn js_config(ctx: &Ctx, url: &str) -> Result<JsConfig> {
    let jssdk = ctx.jssdk()?;
    let page = page_of_site(url, &jssdk.public_base_url)?;
    let ticket = jsapi_ticket(ctx).await?;
    let timestamp = Utc::now().timestamp();
    let nonce_str: String = rand::rng().sample_iter(&Alphanumeric).take(16).map(char::from).collect();
    Ok(JsConfig {
        app_id: ctx.wechat()?.app_id().to_owned(),
        timestamp,
        signature: signature(&ticket, &nonce_str, timestamp, &page),
        nonce_str,
        script_url: jssdk.script_url.to_string(),
    })
}

/// The page URL as WeChat signs it: without its fragment, and only of the site's own origin.
fn page_of_site(url: &str, site: &Url) -> Result<String> {
    let refused = || Error::bad_request("只能为本站页面签名");
    let parsed = Url::parse(url).map_err(|_| refused())?;
    if parsed.origin() != site.origin() {
        return Err(refused());
    }
    // As the page sends it (`location.href.split('#')[0]`), not re-encoded by the parser.
    Ok(url.split('#').next().unwrap_or(url).to_owned())
}

/// The JS-SDK signature (附录1): SHA-1 over the four fields sorted by name, raw values.
pub fn signature(ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    let text = format!("jsapi_ticket={ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}");
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of WeChat's JS-SDK documentation (附录1).
    #[test]
    fn signs_as_wechat_documents() {
        let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
        assert_eq!(
            signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
        assert_eq!(
            signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com"),
            "f4d90daf4b3bca3078ab155816175ba34c443a7b"
        );
    }

    #[test]
    fn signs_pages_of_the_site_only() {
        let site = Url::parse("https://qun.example.cn/").unwrap();
        assert_eq!(
            page_of_site("https://qun.example.cn/invite?from=share#top", &site).unwrap(),
            "https://qun.example.cn/invite?from=share"
        );
        for other in [
            "https://evil.example.com/invite",
            "http://qun.example.cn/invite",
            "https://qun.example.cn:8443/",
            "https://qun.example.cn.evil.com/",
            "javascript:alert(1)",
            "/invite",
        ] {
            let e = page_of_site(other, &site).unwrap_err();
            assert_eq!(e.code(), Code::BadParameters, "{other}");
        }
    }

    #[test]
    fn a_credential_is_refreshed_ahead_of_its_expiry_and_never_reused_once_refused() {
        let held = Held { value: "t1".into(), expires_at: 10_000 };
        assert!(held.fresh(10_000 - REFRESH_AHEAD_SECS - 1, None));
        assert!(!held.fresh(10_000 - REFRESH_AHEAD_SECS, None));
        assert!(held.usable(10_000 - 1, None));
        assert!(!held.usable(10_000, None));
        assert!(!held.usable(0, Some("t1")));
        assert!(held.fresh(0, Some("t0")));
        assert_eq!(Held::of(Issued { value: "x".into(), expires_in: 999_999 }, 5).expires_at, 5 + MAX_LIFE_SECS);
    }
}
