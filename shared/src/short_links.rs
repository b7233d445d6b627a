//! Short links: base62 codes from a counter (the table's sequence), PostgreSQL holds the links,
//! Redis caches them and counts visits between rollups. The same long URL asked again within
//! the window (*default* 10 minutes) gets the same code.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use redis::Script;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Error, Result, Unexpected};
use crate::ids::UserId;
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest, like_escape};
use crate::settings::{self, ShortLinkSettings};

const BASE62: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Counters start at 62³, so that every code has at least four characters.
const FIRST: u64 = 62 * 62 * 62;
const MAX_URL: usize = 2048;

/// A short code: base62 of the link's counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortCode(String);

impl ShortCode {
    pub fn from_counter(n: u64) -> Self {
        let mut n = n + FIRST;
        let mut code = Vec::new();
        while n > 0 {
            code.push(BASE62[(n % 62) as usize]);
            n /= 62;
        }
        code.reverse();
        ShortCode(String::from_utf8(code).expect("base62 is ASCII"))
    }

    pub fn parse(s: &str) -> Option<Self> {
        (4..=11).contains(&s.len()).then_some(())?;
        s.bytes().all(|b| b.is_ascii_alphanumeric()).then(|| ShortCode(s.to_owned()))
    }

    /// The counter a code came from (a code shorter than four characters came from none).
    pub fn counter(&self) -> Option<u64> {
        let n = self.0.bytes().try_fold(0u64, |n, b| {
            let digit = BASE62.iter().position(|&c| c == b)? as u64;
            n.checked_mul(62)?.checked_add(digit)
        })?;
        n.checked_sub(FIRST)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A long URL worth shortening: http(s), with a host, not the product itself, at most 2,048
/// characters.
pub fn parse_long_url(s: &str, product: &Url) -> Result<Url> {
    let s = s.trim();
    if s.len() > MAX_URL {
        return Err(Error::bad_request(format!("链接过长：最多 {MAX_URL} 个字符")));
    }
    let url = Url::parse(s).map_err(|_| Error::bad_request("链接格式不正确，应以 http:// 或 https:// 开头"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::bad_request("只能缩短 http 或 https 链接"));
    }
    if url.host_str() == product.host_str() && url.port_or_known_default() == product.port_or_known_default() {
        return Err(Error::bad_request("不能缩短指向本站的链接"));
    }
    Ok(url)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShortLink {
    pub id: i64,
    pub code: String,
    pub url: String,
    pub short_url: String,
    pub visits: i64,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// True when the same URL was shortened within the window and its code came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reused: Option<bool>,
}

const COLUMNS: &str = "id, code, url, visits, disabled_at IS NOT NULL AS disabled, created_at";

fn short_url(ctx: &Ctx, code: &str) -> Result<String> {
    Ok(ctx.auth()?.public_base_url.join(&format!("/s/{code}")).expect("a code joins a base URL").to_string())
}

fn link_from_row(ctx: &Ctx, row: &tokio_postgres::Row) -> Result<ShortLink> {
    let code: String = row.get("code");
    Ok(ShortLink {
        id: row.get("id"),
        short_url: short_url(ctx, &code)?,
        code,
        url: row.get("url"),
        visits: row.get("visits"),
        disabled: row.get("disabled"),
        created_at: row.get("created_at"),
        reused: None,
    })
}

/// Every short-link key carries the `{short}` hash tag: a redirect reads a code's cache and
/// counts its visit in one script, and the fold renames the visits away, so in cluster mode they
/// must share a slot. (The visits hash is one key for every code anyway.)
fn cache_key(ctx: &Ctx, code: &str) -> Result<String> {
    Ok(ctx.cache()?.key(format!("GPET:TMP_SHORT_CACHE:{{short}}:{code}")))
}

fn visits_key(ctx: &Ctx) -> Result<String> {
    Ok(ctx.cache()?.key("GPET:SHORTEN_VISITS:{short}"))
}

/// A new link, or the recent one for the same URL. An advisory lock on the URL keeps two
/// concurrent requests from making two codes.
async fn shorten(
    client: &mut deadpool_postgres::Client,
    url: &str,
    kind: &str,
    by: Option<i64>,
    window_secs: u32,
) -> Result<(tokio_postgres::Row, bool)> {
    let digest = Sha256::digest(url.as_bytes()).to_vec();
    let tx = client.transaction().await.db("failed to begin")?;
    tx.execute("SELECT pg_advisory_xact_lock(7291002, hashtext($1))", &[&hex::encode(&digest)])
        .await
        .db("failed to lock a URL")?;
    let recent = tx
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM short_links WHERE url_sha256 = $1 AND kind = $2 AND disabled_at IS NULL
                   AND created_at > now() - make_interval(secs => $3) ORDER BY created_at DESC LIMIT 1"
            ),
            &[&digest, &kind, &f64::from(window_secs)],
        )
        .await
        .db("failed to look for a recent link")?;
    if let Some(row) = recent {
        return Ok((row, true));
    }
    let id: i64 =
        tx.query_one("SELECT nextval('short_links_id_seq') AS id", &[]).await.db("failed to count")?.get("id");
    let code = ShortCode::from_counter(id as u64);
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO short_links (id, code, url, url_sha256, kind, created_by) VALUES ($1, $2, $3, $4, $5, $6)
                 RETURNING {COLUMNS}"
            ),
            &[&id, &code.as_str(), &url, &digest, &kind, &by],
        )
        .await
        .db("failed to store a short link")?;
    if let Some(operator_id) = by {
        operators::audit(&tx, operator_id, "short_link.create", Some(code.as_str()), serde_json::json!({"url": url}))
            .await?;
    }
    tx.commit().await.db("failed to commit a short link")?;
    Ok((row, false))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShortLink {
    /// An http(s) URL with a host other than the site's, at most 2048 bytes (UTF-8) once trimmed.
    pub url: String,
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn create(ctx: &Ctx, by: &ConsolePrincipal, new: NewShortLink) -> Result<ShortLink> {
    by.require(operators::CONTENT_EDITORS)?;
    let url = parse_long_url(&new.url, &ctx.auth()?.public_base_url)?;
    let mut client = ctx.db()?.client().await?;
    let window = settings::load::<ShortLinkSettings>(&client).await?.dedup_window_secs;
    let (row, reused) = shorten(&mut client, url.as_str(), "console", Some(by.operator.id), window).await?;
    let mut link = link_from_row(ctx, &row)?;
    link.reused = Some(reused);
    Ok(link)
}

/// The short invite link of a user, made once and kept on the user.
pub async fn invite_link(ctx: &Ctx, client: &impl GenericClient, user_id: UserId, invite_code: &str) -> Result<String> {
    let existing: Option<String> = client
        .query_one("SELECT invite_link_code FROM users WHERE id = $1", &[&user_id])
        .await
        .db("failed to load an invite link")?
        .get("invite_link_code");
    if let Some(code) = existing {
        return short_url(ctx, &code);
    }
    let mut long = ctx.auth()?.public_base_url.join("/").expect("a base URL joins /");
    long.query_pairs_mut().append_pair("invite", invite_code);
    let mut own = ctx.db()?.client().await?;
    let (row, _) = shorten(&mut own, long.as_str(), "invite", None, 0).await?;
    let code: String = row.get("code");
    // Two first visits at once make two links; the first one kept wins, the other stays unused.
    let kept: String = client
        .query_one(
            "UPDATE users SET invite_link_code = COALESCE(invite_link_code, $2) WHERE id = $1 RETURNING invite_link_code",
            &[&user_id, &code],
        )
        .await
        .db("failed to keep an invite link")?
        .get("invite_link_code");
    short_url(ctx, &kept)
}

/// Counts a visit and answers where a code leads, or None (unknown or disabled). Redis answers
/// and counts in one round trip; PostgreSQL is asked on a cache miss only.
const RESOLVE_SCRIPT: &str = r"
local url = redis.call('GET', KEYS[1])
if url and url ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[1], 1) end
return url
";
const CACHE_SECS: u64 = 24 * 3600;
/// Unknown and disabled codes are remembered briefly, so that a scan does not reach PostgreSQL.
const MISS_SECS: u64 = 60;

#[tracing::instrument(skip_all)]
pub async fn resolve(ctx: &Ctx, code: &str) -> Result<Option<String>> {
    let Some(code) = ShortCode::parse(code) else { return Ok(None) };
    let key = cache_key(ctx, code.as_str())?;
    let visits = visits_key(ctx)?;
    let mut redis = ctx.cache()?.conn();
    let cached: Option<String> = Script::new(RESOLVE_SCRIPT)
        .key(&key)
        .key(&visits)
        .arg(code.as_str())
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to resolve a short link")?;
    match cached {
        Some(url) if url.is_empty() => return Ok(None),
        Some(url) => return Ok(Some(url)),
        None => {}
    }
    let row = ctx
        .db()?
        .client()
        .await?
        .query_opt("SELECT url FROM short_links WHERE code = $1 AND disabled_at IS NULL", &[&code.as_str()])
        .await
        .db("failed to load a short link")?;
    let url: Option<String> = row.map(|r| r.get("url"));
    let mut pipe = redis::pipe();
    match &url {
        Some(url) => pipe.set_ex(&key, url, CACHE_SECS).hincr(&visits, code.as_str(), 1),
        None => pipe.set_ex(&key, "", MISS_SECS),
    };
    let _: () = pipe.query_async(&mut redis).await.unexpected("failed to cache a short link")?;
    Ok(url)
}

/// Visits counted in Redis since the last rollup, for the codes of a page.
async fn pending_visits(ctx: &Ctx, codes: &[String]) -> Result<Vec<i64>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut redis = ctx.cache()?.conn();
    let counts: Vec<Option<i64>> = redis::cmd("HMGET")
        .arg(visits_key(ctx)?)
        .arg(codes)
        .query_async(&mut redis)
        .await
        .unexpected("failed to read visit counts")?;
    Ok(counts.into_iter().map(Option::unwrap_or_default).collect())
}

/// Moves the visits counted in Redis into PostgreSQL. The counts are renamed away first, so a
/// visit during the fold is counted in the next one; a fold that dies half-way loses its counts
/// (they are visit counters) and never counts them twice.
#[tracing::instrument(skip_all)]
pub async fn fold_visits(ctx: &Ctx) -> Result<i64> {
    let key = visits_key(ctx)?;
    let folding = format!("{key}:folding:{}", uuid::Uuid::new_v4());
    let mut redis = ctx.cache()?.conn();
    let renamed: redis::RedisResult<()> = redis::cmd("RENAME").arg(&key).arg(&folding).query_async(&mut redis).await;
    match renamed {
        Ok(()) => {}
        // Nothing counted since the last fold.
        Err(e) if e.to_string().contains("no such key") => return Ok(0),
        Err(e) => return Err(Error::Unexpected(anyhow::Error::new(e).context("failed to set the visits aside"))),
    }
    let counts: Vec<(String, i64)> =
        redis::cmd("HGETALL").arg(&folding).query_async(&mut redis).await.unexpected("failed to read visits")?;
    let (codes, visits): (Vec<String>, Vec<i64>) = counts.into_iter().unzip();
    ctx.db()?
        .client()
        .await?
        .execute(
            "UPDATE short_links l SET visits = l.visits + v.n FROM unnest($1::text[], $2::bigint[]) AS v(code, n)
             WHERE l.code = v.code",
            &[&codes, &visits],
        )
        .await
        .db("failed to fold visits")?;
    let _: () =
        redis::cmd("DEL").arg(&folding).query_async(&mut redis).await.unexpected("failed to drop folded visits")?;
    Ok(visits.iter().sum())
}

pub async fn list(ctx: &Ctx, q: Option<&str>, page: PageRequest) -> Result<Page<ShortLink>> {
    let pattern = q.map(|q| format!("%{}%", like_escape(q)));
    let client = ctx.db()?.client().await?;
    let filter = "kind = 'console' AND ($1::text IS NULL OR code = $2 OR url ILIKE $1)";
    let total: i64 = client
        .query_one(&format!("SELECT count(*) AS total FROM short_links WHERE {filter}"), &[&pattern, &q])
        .await
        .db("failed to count short links")?
        .get("total");
    let rows = client
        .query(
            &format!("SELECT {COLUMNS} FROM short_links WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"),
            &[&pattern, &q, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to list short links")?;
    let mut items = rows.iter().map(|r| link_from_row(ctx, r)).collect::<Result<Vec<_>>>()?;
    let codes: Vec<String> = items.iter().map(|l| l.code.clone()).collect();
    for (link, pending) in items.iter_mut().zip(pending_visits(ctx, &codes).await?) {
        link.visits += pending;
    }
    Ok(Page::new(items, total, page))
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, id = id))]
pub async fn disable(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<ShortLink> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let row = tx
        .query_opt(
            &format!(
                "UPDATE short_links SET disabled_at = COALESCE(disabled_at, now()) WHERE id = $1 AND kind = 'console'
                 RETURNING {COLUMNS}"
            ),
            &[&id],
        )
        .await
        .db("failed to disable a short link")?
        .ok_or_else(|| Error::not_found("短链接不存在"))?;
    let link = link_from_row(ctx, &row)?;
    operators::audit(&tx, by.operator.id, "short_link.disable", Some(&link.code), serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit a disable")?;
    let mut redis = ctx.cache()?.conn();
    let _: () = redis::cmd("SET")
        .arg(cache_key(ctx, &link.code)?)
        .arg("")
        .arg("EX")
        .arg(CACHE_SECS)
        .query_async(&mut redis)
        .await
        .unexpected("failed to uncache a short link")?;
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_have_four_characters_at_least() {
        assert_eq!(ShortCode::from_counter(0).as_str(), "1000");
        assert_eq!(ShortCode::from_counter(1).as_str(), "1001");
        assert!(ShortCode::parse("abc").is_none());
        assert!(ShortCode::parse("ab-d").is_none());
        assert!(ShortCode::parse("../x").is_none());
    }

    proptest! {
        #[test]
        fn base62_round_trips(n in 0u64..(u64::MAX / 2)) {
            let code = ShortCode::from_counter(n);
            prop_assert_eq!(ShortCode::parse(code.as_str()).and_then(|c| c.counter()), Some(n));
        }
    }

    #[test]
    fn long_urls_are_http_and_elsewhere() {
        let product = Url::parse("https://gpet.example.com/").unwrap();
        assert!(parse_long_url("https://example.com/a?b=c", &product).is_ok());
        let cases = [
            ("ftp://example.com/x", "http"),
            ("javascript:alert(1)", "http"),
            ("example.com", "格式"),
            ("https://gpet.example.com/s/abcd", "本站"),
            ("https://GPET.example.com:443/", "本站"),
        ];
        for (input, expected) in cases {
            let msg = parse_long_url(input, &product).unwrap_err().client_message();
            assert!(msg.contains(expected), "{input}: {msg}");
        }
        let long = format!("https://example.com/{}", "a".repeat(2100));
        assert!(parse_long_url(&long, &product).unwrap_err().client_message().contains("过长"));
    }
}
