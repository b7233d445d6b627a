//! Profile completion: a phone bound with an SMS code, and identity (real name + resident ID).
//! Codes and phones never reach a log line; codes live in Redis as hashes, with their tries;
//! the ID number is stored masked only.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use deadpool_postgres::GenericClient;
use rand::Rng as _;
use redis::Script;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::context::Ctx;
use crate::db::{QueryContext, constraint, violated_constraint};
use crate::error::{Code, Error, Result, Unexpected};
use crate::ids::{UserId, WithdrawalId};
use crate::partners::sms::SmsError;
use crate::sensitive_words;
use crate::settings::{self, SmsSettings};
use crate::users::{self, Profile};

/// A mainland mobile number: 11 digits, `1[3-9]…`.
#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit) {
            Ok(Phone(s.to_owned()))
        } else {
            Err(Error::bad_request("手机号格式不正确，应为 11 位大陆手机号"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For Redis keys: never the number itself.
    fn digest(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..12])
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&mask_phone(&self.0))
    }
}

/// 138****5678.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_owned()
    }
}

/// A resident identity number: 18 characters, a known province, a real birth date not in the
/// future, and the ISO 7064 MOD 11-2 check character.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl IdNumber {
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(Error::bad_request("身份证号应为 18 位：17 位数字加一位数字或 X"));
        }
        let digit = |i: usize| u32::from(b[i] - b'0');
        if !PROVINCES.contains(&((digit(0) * 10 + digit(1)) as u8)) {
            return Err(Error::bad_request("身份证号的地区码不正确"));
        }
        let number = |from: usize, to: usize| s[from..to].parse::<u32>().unwrap_or(0);
        let birth = NaiveDate::from_ymd_opt(number(6, 10) as i32, number(10, 12), number(12, 14));
        let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");
        if !birth.is_some_and(|d| d >= earliest && d <= today) {
            return Err(Error::bad_request("身份证号中的出生日期不正确"));
        }
        let sum: u32 = (0..17).map(|i| digit(i) * WEIGHTS[i]).sum();
        if CHECK_CHARS[(sum % 11) as usize] != b[17] {
            return Err(Error::bad_request("身份证号校验位不正确，请核对"));
        }
        Ok(IdNumber(s))
    }

    /// The first 6 and the last 4 characters: all that is ever kept.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// A real name: 2–30 characters of Chinese, Latin letters, spaces or the middle dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealName(String);

impl RealName {
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let allowed = |c: char| {
            matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ffff}')
                || c.is_ascii_alphabetic()
                || c == ' '
                || c == '·'
        };
        match s.chars().count() {
            2..=30 if s.chars().all(allowed) => Ok(RealName(s.to_owned())),
            2..=30 => Err(Error::bad_request("姓名只能包含汉字、字母、空格或 ·")),
            _ => Err(Error::bad_request("姓名长度须为 2–30 个字符")),
        }
    }
}

/// 张* / 欧阳** : the first character only.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| std::iter::once(first).chain(chars.map(|_| '*')).collect())
}

/// A 6-digit verification code as typed.
fn parse_code(s: &str) -> Result<&str> {
    let s = s.trim();
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s)
    } else {
        Err(Error::bad_request("验证码应为 6 位数字"))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// An 11-digit mainland mobile number (surrounding spaces are trimmed).
    #[schema(pattern = r"^\s*1[3-9][0-9]{9}\s*$", example = "13812345678")]
    pub phone: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeSent {
    pub expires_in_secs: u32,
    pub resend_after_secs: u32,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneBinding {
    #[schema(pattern = r"^\s*1[3-9][0-9]{9}\s*$", example = "13812345678")]
    pub phone: String,
    /// The 6 digits the SMS carried.
    #[schema(pattern = r"^\s*[0-9]{6}\s*$", example = "123456")]
    pub code: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityClaim {
    /// The real name: 2 to 30 Chinese characters, Latin letters, spaces or middle dots.
    #[schema(min_length = 2)]
    pub name: String,
    /// 18 characters: 17 digits and a digit or X (region, birth date and checksum are checked too).
    #[schema(pattern = r"^\s*[0-9]{17}[0-9Xx]\s*$", example = "11010519491231002X")]
    pub id_number: String,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Codes one user may have sent in a day, whatever the phones: the per-phone limits alone let
/// one account text any number of phones (each SMS costs money). A real owner binds one phone,
/// and may mistype it a few times.
pub const SMS_PER_USER_PER_DAY: u32 = 10;
/// Codes sent in a day for requests from one address (API Gateway's source IP): bounds what
/// many accounts behind one address can cost. Generous, since mobile carriers put many people
/// behind one address (CGNAT) and each binds a phone once.
pub const SMS_PER_IP_PER_DAY: u32 = 50;

/// Sending limits over sliding windows, checked and counted atomically in one script, so that
/// concurrent requests cannot all slip under a limit: per phone (KEYS[1]) a minute, an hour and
/// a day (the settings), per user (KEYS[2]) and per address (KEYS[3]) a day. The keys share a
/// hash tag (one slot, as a cluster needs for one script). Answers 0, or the window hit (1
/// minute, 2 hour, 3 day per phone, 4 the user's day, 5 the address's day) and the
/// milliseconds until a send is allowed again.
const RATE_SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local day = 86400000
for k = 1, 3 do redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - day) end
local windows = {{1, 60000, ARGV[2]}, {1, 3600000, ARGV[3]}, {1, day, ARGV[4]}, {2, day, ARGV[6]}, {3, day, ARGV[7]}}
for i, w in ipairs(windows) do
  local limit = tonumber(w[3])
  local inside = redis.call('ZRANGEBYSCORE', KEYS[w[1]], now - w[2], '+inf', 'WITHSCORES')
  if #inside / 2 >= limit then
    local oldest = tonumber(inside[#inside - 2 * limit + 2])
    return {i, oldest + w[2] - now}
  end
end
for k = 1, 3 do
  redis.call('ZADD', KEYS[k], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[k], day)
end
return {0, 0}
";

/// Checks a code and counts a wrong try; the last wrong try voids it. Answers 0 (right, and
/// the code is used up), 1 and the tries left (wrong), or 2 (none, expired or voided).
const VERIFY_SCRIPT: &str = r"
local stored = redis.call('HGET', KEYS[1], 'hash')
if not stored then return {2, 0} end
local max = tonumber(ARGV[2])
if stored == ARGV[1] then redis.call('DEL', KEYS[1]); return {0, 0} end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
if tries >= max then redis.call('DEL', KEYS[1]) end
return {1, math.max(max - tries, 0)}
";

fn code_key(ctx: &Ctx, user_id: UserId, phone: &Phone) -> Result<String> {
    Ok(ctx.cache()?.key(format!("GPET:SMS_CODE:{user_id}:{}", phone.digest())))
}

fn code_hash(user_id: UserId, phone: &Phone, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{user_id}:{}:{code}", phone.0).as_bytes()))
}

/// A user's phone, if bound; and whether `phone` belongs to someone else.
async fn phone_state(client: &impl GenericClient, user_id: UserId, phone: &Phone) -> Result<(bool, bool)> {
    let row = client
        .query_one(
            "SELECT (SELECT phone IS NOT NULL FROM users WHERE id = $1) AS has_phone,
                    EXISTS (SELECT 1 FROM users WHERE phone = $2 AND id <> $1) AS taken",
            &[&user_id, &phone.as_str()],
        )
        .await
        .db("failed to look at a phone")?;
    Ok((row.get::<_, Option<bool>>("has_phone").unwrap_or(false), row.get("taken")))
}

fn already_bound() -> Error {
    Error::rejected(Code::ProfileComplete, "你已绑定手机号")
}

fn phone_taken() -> Error {
    Error::rejected(Code::PhoneRegistered, "该手机号已被其他账号绑定")
}

/// Sends a code to a phone the user wants to bind, for a request from `client_ip` (requests
/// whose address is unknown share one count).
#[tracing::instrument(skip_all, fields(user_id = user_id.get()))]
pub async fn send_code(
    ctx: &Ctx,
    user_id: UserId,
    client_ip: Option<std::net::IpAddr>,
    request: CodeRequest,
) -> Result<CodeSent> {
    let phone = Phone::parse(&request.phone)?;
    let client = ctx.db()?.client().await?;
    match phone_state(&client, user_id, &phone).await? {
        (true, _) => return Err(already_bound()),
        (_, true) => return Err(phone_taken()),
        _ => {}
    }
    let limits: SmsSettings = settings::load(&client).await?;
    drop(client);
    let cache = ctx.cache()?;
    let mut redis = cache.conn();
    let address = client_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_canonical().to_string());
    let address = hex::encode(&Sha256::digest(address.as_bytes())[..12]);
    let (window, retry_ms): (i64, i64) = Script::new(RATE_SCRIPT)
        .key(cache.key(format!("GPET:SMS_SENDS:{{sms}}:{}", phone.digest())))
        .key(cache.key(format!("GPET:SMS_CAPS:{{sms}}:user:{user_id}")))
        .key(cache.key(format!("GPET:SMS_CAPS:{{sms}}:ip:{address}")))
        .arg(now_ms())
        .arg(limits.per_minute)
        .arg(limits.per_hour)
        .arg(limits.per_day)
        .arg(uuid::Uuid::new_v4().to_string())
        .arg(SMS_PER_USER_PER_DAY)
        .arg(SMS_PER_IP_PER_DAY)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to check the SMS limits")?;
    if window != 0 {
        let secs = (retry_ms.max(0) + 999) / 1000;
        let wait = match secs {
            3600.. => format!("{} 小时", (secs + 3599) / 3600),
            60.. => format!("{} 分钟", (secs + 59) / 60),
            _ => format!("{secs} 秒"),
        };
        tracing::info!(window, "SMS code refused by a limit");
        let msg = match window {
            4 => format!("你今天发送验证码的次数已达上限（{SMS_PER_USER_PER_DAY} 次），请 {wait}后再试"),
            5 => format!("当前网络今天发送验证码的次数已达上限，请 {wait}后再试或换一个网络"),
            _ => {
                let which = ["", "每分钟", "每小时", "每天"].get(window as usize).copied().unwrap_or_default();
                format!("验证码发送过于频繁（{which}上限），请 {wait}后再试")
            }
        };
        return Err(Error::rejected(Code::SmsTooOften, msg).with_status(429));
    }

    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    // Sent first, stored once delivered: a send the provider refuses (its flow control, a
    // failure) leaves the code already delivered to this phone valid. The template's text states
    // the validity; the code is its one variable.
    if let Err(e) = ctx.sms()?.send_code(phone.as_str(), &code).await {
        return Err(match e {
            SmsError::RateLimited { code: aliyun_code } => {
                tracing::info!(%aliyun_code, "SMS code refused by the provider's flow control");
                Error::rejected(Code::SmsTooOften, "验证码发送过于频繁，请稍后再试")
            }
            SmsError::BadNumber { code: aliyun_code } => {
                tracing::info!(%aliyun_code, "SMS provider refused the number");
                Error::bad_request("该手机号无法接收短信，请核对号码")
            }
            SmsError::Failed(error) => {
                tracing::warn!(error = format!("{error:#}"), "SMS provider failed");
                Error::rejected(Code::ExternalFailed, "短信发送失败，请稍后再试")
            }
        });
    }
    let key = code_key(ctx, user_id, &phone)?;
    let _: () = redis::pipe()
        .del(&key)
        .hset(&key, "hash", code_hash(user_id, &phone, &code))
        .hset(&key, "tries", 0)
        .expire(&key, i64::from(limits.code_ttl_secs))
        .query_async(&mut redis)
        .await
        .unexpected("failed to store an SMS code")?;
    tracing::info!("SMS code sent");
    Ok(CodeSent { expires_in_secs: limits.code_ttl_secs, resend_after_secs: 60 / limits.per_minute.max(1) })
}

/// Binds a phone with the code sent to it. The unique constraint on users.phone decides
/// between two users binding the same phone at once.
#[tracing::instrument(skip_all, fields(user_id = user_id.get()))]
pub async fn bind_phone(ctx: &Ctx, user_id: UserId, binding: PhoneBinding) -> Result<Profile> {
    let phone = Phone::parse(&binding.phone)?;
    let code = parse_code(&binding.code)?;
    let client = ctx.db()?.client().await?;
    if phone_state(&client, user_id, &phone).await?.0 {
        return Err(already_bound());
    }
    let limits: SmsSettings = settings::load(&client).await?;
    let mut redis = ctx.cache()?.conn();
    let (outcome, left): (i64, i64) = Script::new(VERIFY_SCRIPT)
        .key(code_key(ctx, user_id, &phone)?)
        .arg(code_hash(user_id, &phone, code))
        .arg(limits.max_attempts)
        .invoke_async(&mut redis)
        .await
        .unexpected("failed to check an SMS code")?;
    match (outcome, left) {
        (0, _) => {}
        (1, 0) => return Err(Error::rejected(Code::WrongCode, "验证码错误，错误次数过多，验证码已失效，请重新获取")),
        (1, left) => return Err(Error::rejected(Code::WrongCode, format!("验证码错误，还可尝试 {left} 次"))),
        _ => return Err(Error::rejected(Code::CodeExpired, "验证码已过期或已失效，请重新获取")),
    }
    let updated = client
        .execute(
            "UPDATE users SET phone = $2, phone_bound_at = now(), updated_at = now() WHERE id = $1 AND phone IS NULL",
            &[&user_id, &phone.as_str()],
        )
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(constraint::USERS_PHONE_UNIQUE) => phone_taken(),
            _ => Error::Unexpected(anyhow::Error::new(e).context("failed to bind a phone")),
        })?;
    if updated == 0 {
        return Err(already_bound());
    }
    tracing::info!("phone bound");
    users::profile(&client, user_id).await
}

/// Records a user's identity; the ID number is kept masked only. A phone comes first.
#[tracing::instrument(skip_all, fields(user_id = user_id.get()))]
pub async fn verify_identity(ctx: &Ctx, user_id: UserId, claim: IdentityClaim) -> Result<Profile> {
    let name = RealName::parse(&claim.name)?;
    let id_number = IdNumber::parse(&claim.id_number, ctx.clock.today().date())?;
    let client = ctx.db()?.client().await?;
    sensitive_words::check(ctx, &client, &name.0).await?;
    let row = client
        .query_one(
            "SELECT phone IS NOT NULL AS has_phone, identity_verified_at IS NOT NULL AS verified FROM users WHERE id = $1",
            &[&user_id],
        )
        .await
        .db("failed to load a user")?;
    if row.get("verified") {
        return Err(Error::rejected(Code::ProfileComplete, "你已完成实名认证"));
    }
    if !row.get::<_, bool>("has_phone") {
        return Err(Error::rejected(Code::PhoneMissing, "请先绑定手机号"));
    }
    client
        .execute(
            "UPDATE users SET identity_name = $2, id_number_masked = $3, identity_verified_at = now(), updated_at = now()
             WHERE id = $1 AND identity_verified_at IS NULL",
            &[&user_id, &name.0, &id_number.masked()],
        )
        .await
        .db("failed to record an identity")?;
    tracing::info!("identity recorded");
    users::profile(&client, user_id).await
}

/// How many times a user may correct their name after WeChat Pay refused it: a typo or a changed
/// name needs one or two; more is for support to look at.
pub const MAX_NAME_CORRECTIONS: i64 = 3;

/// WeChat Pay's fail reasons for a name that does not match the account's real name.
const NAME_REFUSALS: [&str; 2] = ["NAME_NOT_CORRECT", "REAL_NAME_CHECK_FAIL"];

/// A name correction the owner may make now: WeChat Pay refused this withdrawal for the name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CorrectionOffer {
    pub withdrawal_id: WithdrawalId,
    /// What the owner was told (实名信息与微信实名不一致).
    pub failure_reason: String,
    /// Corrections left after this one is made counts: 1 to [`MAX_NAME_CORRECTIONS`].
    pub remaining: i64,
}

/// The owner's latest withdrawal, when WeChat Pay refused it for the name and no correction was
/// made for it, and corrections are left.
pub(crate) async fn correction_offer(client: &impl GenericClient, user_id: UserId) -> Result<Option<CorrectionOffer>> {
    let row = client
        .query_opt(
            "SELECT w.id, w.failure_reason, w.fail_code,
                    EXISTS (SELECT 1 FROM identity_corrections c WHERE c.withdrawal_id = w.id) AS corrected,
                    (SELECT count(*) FROM identity_corrections c WHERE c.user_id = w.user_id) AS made
             FROM withdrawals w JOIN users u ON u.id = w.user_id
             WHERE w.user_id = $1 AND u.identity_name IS NOT NULL
             ORDER BY w.id DESC LIMIT 1",
            &[&user_id],
        )
        .await
        .db("failed to look for a name refusal")?;
    let Some(row) = row else { return Ok(None) };
    let refused_for_name =
        row.get::<_, Option<String>>("fail_code").is_some_and(|c| NAME_REFUSALS.contains(&c.as_str()));
    let made: i64 = row.get("made");
    if !refused_for_name || row.get::<_, bool>("corrected") || made >= MAX_NAME_CORRECTIONS {
        return Ok(None);
    }
    Ok(Some(CorrectionOffer {
        withdrawal_id: row.get("id"),
        failure_reason: row.get::<_, Option<String>>("failure_reason").unwrap_or_default(),
        remaining: MAX_NAME_CORRECTIONS - made,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameCorrection {
    /// The real name as WeChat knows it: 2 to 30 Chinese characters, Latin letters, spaces or
    /// middle dots.
    #[schema(min_length = 2, example = "王芳")]
    pub name: String,
}

/// Corrects the real name after WeChat Pay refused it: only then, once per refusal and at most
/// [`MAX_NAME_CORRECTIONS`] times; recorded with the old name for finance.
#[tracing::instrument(skip_all, fields(user_id = user_id.get()))]
pub async fn correct_name(ctx: &Ctx, user_id: UserId, correction: NameCorrection) -> Result<Profile> {
    let name = RealName::parse(&correction.name)?;
    let mut client = ctx.db()?.client().await?;
    sensitive_words::check(ctx, &client, &name.0).await?;
    let tx = client.transaction().await.db("failed to begin")?;
    // Two corrections at once would both see the same refusal: the user's row decides.
    let old: Option<String> = tx
        .query_one("SELECT identity_name FROM users WHERE id = $1 FOR UPDATE", &[&user_id])
        .await
        .db("failed to lock the user")?
        .get("identity_name");
    let Some(old) = old else {
        return Err(Error::rejected(Code::IdentityMissing, "请先完成实名认证"));
    };
    let Some(offer) = correction_offer(&tx, user_id).await? else {
        return Err(Error::rejected(
            Code::ProfileComplete,
            "只有微信支付提示“实名信息与微信实名不一致”后才能更正姓名；如需帮助请联系客服",
        ));
    };
    if name.0 == old {
        return Err(Error::bad_request("新姓名与原姓名相同：请填写与微信实名一致的姓名"));
    }
    tx.execute(
        "INSERT INTO identity_corrections (user_id, withdrawal_id, old_name, new_name) VALUES ($1, $2, $3, $4)",
        &[&user_id, &offer.withdrawal_id, &old, &name.0],
    )
    .await
    .db("failed to record the correction")?;
    tx.execute("UPDATE users SET identity_name = $2, updated_at = now() WHERE id = $1", &[&user_id, &name.0])
        .await
        .db("failed to correct the name")?;
    tx.commit().await.db("failed to commit the correction")?;
    tracing::info!(withdrawal_id = offer.withdrawal_id.get(), "real name corrected");
    users::profile(&client, user_id).await
}

/// A name correction as finance reads it on the user's page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NameCorrectionRecord {
    pub withdrawal_id: WithdrawalId,
    pub old_name: String,
    pub new_name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub(crate) async fn corrections(client: &impl GenericClient, user_id: UserId) -> Result<Vec<NameCorrectionRecord>> {
    let rows = client
        .query(
            "SELECT withdrawal_id, old_name, new_name, created_at FROM identity_corrections WHERE user_id = $1 ORDER BY id DESC",
            &[&user_id],
        )
        .await
        .db("failed to load the name corrections")?;
    Ok(rows
        .iter()
        .map(|r| NameCorrectionRecord {
            withdrawal_id: r.get("withdrawal_id"),
            old_name: r.get("old_name"),
            new_name: r.get("new_name"),
            created_at: r.get("created_at"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn phones_are_mainland_mobiles() {
        assert_eq!(Phone::parse(" 13812345678 ").unwrap().as_str(), "13812345678");
        for bad in ["", "1381234567", "138123456789", "12812345678", "23812345678", "1381234567a", "+8613812345678"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(format!("{:?}", Phone::parse("13812345678").unwrap()), "138****5678");
    }

    #[test]
    fn id_numbers_need_region_birth_date_and_checksum() {
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "110105********002X");
        IdNumber::parse("440524188001010014", today()).expect_err("born before 1900");
        let cases = [
            ("11010519491231002", "18 位"),
            ("1101051949123100XX", "18 位"),
            ("110105194912310021", "校验位"),
            ("990105194912310025", "地区码"),
            ("110105194902300026", "出生日期"),
            ("110105203001010010", "出生日期"),
        ];
        for (input, expected) in cases {
            let msg = IdNumber::parse(input, today()).unwrap_err().client_message();
            assert!(msg.contains(expected), "{input}: {msg}");
        }
    }

    #[test]
    fn checksums_are_those_of_iso_7064() {
        // Every check character is reachable and only one is right for a body.
        let body = "11010519900307123";
        let right: Vec<char> =
            "0123456789X".chars().filter(|c| IdNumber::parse(&format!("{body}{c}"), today()).is_ok()).collect();
        assert_eq!(right.len(), 1, "{right:?}");
    }

    #[test]
    fn names_and_codes() {
        assert!(RealName::parse("张伟").is_ok());
        assert!(RealName::parse("阿依古丽·买买提").is_ok());
        assert!(RealName::parse("John Smith").is_ok());
        assert!(RealName::parse("张").is_err());
        assert!(RealName::parse("张伟1").is_err());
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert!(parse_code("123456").is_ok());
        for bad in ["12345", "1234567", "12345a", ""] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }
}
