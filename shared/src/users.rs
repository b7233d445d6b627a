//! Owners: WeChat users of the H5 app.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::account::{self, UserMoney};
use crate::db::QueryContext;
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest, like_escape};
use crate::partners::wechat::UserInfo;
use crate::profile::{self, NameCorrectionRecord, mask_name, mask_phone};
use crate::referral::{self, ReferralTree};

/// A user's invite code: 6 characters of an alphabet without look-alikes (no 0/O, 1/I),
/// derived from the user id by a permutation of 30 bits, so every id has its own code and
/// consecutive ids give unrelated codes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InviteCode(String);

const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const BITS: u32 = 30;
const HALF: u32 = BITS / 2;
const HALF_MASK: u32 = (1 << HALF) - 1;

impl InviteCode {
    pub fn for_user(id: i64) -> Self {
        let mut n = feistel((id as u64 & ((1 << BITS) - 1)) as u32);
        let mut code = [0u8; 6];
        for c in code.iter_mut().rev() {
            *c = ALPHABET[(n & 31) as usize];
            n >>= 5;
        }
        InviteCode(String::from_utf8(code.to_vec()).expect("the alphabet is ASCII"))
    }

    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() == 6 && s.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(InviteCode(s))
        } else {
            Err(Error::bad_request(format!("邀请码格式不正确：{s}")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A balanced Feistel network on 30 bits: a bijection whatever the round function.
fn feistel(n: u32) -> u32 {
    let (mut left, mut right) = (n >> HALF, n & HALF_MASK);
    for key in [0x5bd1, 0x2c6f, 0x71a3, 0x3e8d] {
        let f = (right.wrapping_mul(0x9e37).wrapping_add(key) ^ (right >> 3)) & HALF_MASK;
        (left, right) = (right, left ^ f);
    }
    (left << HALF) | right
}

/// Someone shown beside a user: a master, an apprentice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
}

/// A verified identity as it is ever shown again: masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MaskedIdentity {
    pub name: String,
    pub id_number: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub invite_code: String,
    /// A snapshot (virtual) user may browse but is never bound to money, robots or referral.
    pub snapshot: bool,
    pub frozen: bool,
    pub created_at: DateTime<Utc>,
    /// Masked (138****5678); none until bound.
    pub phone: Option<String>,
    /// Masked; none until verified.
    pub identity: Option<MaskedIdentity>,
    pub master: Option<Person>,
    /// Present when WeChat Pay refused the owner's latest withdrawal for a name that does not
    /// match and the name may be corrected (`POST /api/me/identity/correction`).
    pub identity_correction: Option<profile::CorrectionOffer>,
}

/// The columns of a user row that [`Profile`] and the console read, for a query `FROM users u
/// LEFT JOIN users m ON m.id = u.master_id`.
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.nickname, u.avatar_url, u.invite_code, u.snapshot, u.frozen, u.created_at,
    u.phone, u.identity_name, u.id_number_masked, u.master_id, u.grand_master_id, u.last_login_at, u.frozen_reason,
    m.nickname AS master_nickname, m.avatar_url AS master_avatar_url";

pub(crate) fn masked_identity(row: &tokio_postgres::Row) -> Option<MaskedIdentity> {
    let name: Option<String> = row.get("identity_name");
    let id_number: Option<String> = row.get("id_number_masked");
    Some(MaskedIdentity { name: mask_name(&name?), id_number: id_number? })
}

impl Profile {
    pub(crate) fn from_row(row: &tokio_postgres::Row) -> Self {
        Profile {
            id: row.get("id"),
            nickname: row.get("nickname"),
            avatar_url: row.get("avatar_url"),
            invite_code: row.get::<_, Option<String>>("invite_code").unwrap_or_default(),
            snapshot: row.get("snapshot"),
            frozen: row.get("frozen"),
            created_at: row.get("created_at"),
            phone: row.get::<_, Option<String>>("phone").map(|p| mask_phone(&p)),
            identity: masked_identity(row),
            master: row.get::<_, Option<i64>>("master_id").map(|id| Person {
                id,
                nickname: row.get("master_nickname"),
                avatar_url: row.get("master_avatar_url"),
            }),
            identity_correction: None,
        }
    }
}

pub async fn profile(client: &impl GenericClient, user_id: UserId) -> Result<Profile> {
    let row = client
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u LEFT JOIN users m ON m.id = u.master_id WHERE u.id = $1"),
            &[&user_id],
        )
        .await
        .db("failed to load a profile")?
        .ok_or_else(|| Error::not_found("用户不存在"))?;
    Ok(Profile { identity_correction: profile::correction_offer(client, user_id).await?, ..Profile::from_row(&row) })
}

/// Who WeChat says logged in: a real user with a profile, or a snapshot user with none.
pub enum WechatIdentity {
    Real(UserInfo),
    Snapshot { openid: String, unionid: Option<String> },
}

pub struct Upserted {
    pub id: i64,
    pub snapshot: bool,
    pub created: bool,
}

/// Creates the user at first login, refreshes the WeChat profile at every later one.
pub async fn upsert_from_wechat(client: &impl GenericClient, identity: &WechatIdentity) -> Result<Upserted> {
    let (openid, unionid, info, snapshot) = match identity {
        WechatIdentity::Real(info) => (&info.openid, &info.unionid, Some(info), false),
        WechatIdentity::Snapshot { openid, unionid } => (openid, unionid, None, true),
    };
    let nickname = info.map_or("微信用户", |i| i.nickname.as_str());
    let row = client
        .query_one(
            "INSERT INTO users (openid, unionid, nickname, avatar_url, sex, province, city, country, snapshot)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (openid) DO UPDATE SET
                     unionid = COALESCE(EXCLUDED.unionid, users.unionid),
                     nickname = CASE WHEN $10 THEN EXCLUDED.nickname ELSE users.nickname END,
                     avatar_url = CASE WHEN $10 THEN EXCLUDED.avatar_url ELSE users.avatar_url END,
                     sex = CASE WHEN $10 THEN EXCLUDED.sex ELSE users.sex END,
                     province = CASE WHEN $10 THEN EXCLUDED.province ELSE users.province END,
                     city = CASE WHEN $10 THEN EXCLUDED.city ELSE users.city END,
                     country = CASE WHEN $10 THEN EXCLUDED.country ELSE users.country END,
                     last_login_at = now(), updated_at = now()
                 RETURNING id, snapshot, invite_code, (xmax = 0) AS created",
            &[
                openid,
                unionid,
                &nickname,
                &info.map_or("", |i| i.headimgurl.as_str()),
                &info.map_or(0, |i| i.sex),
                &info.map_or("", |i| i.province.as_str()),
                &info.map_or("", |i| i.city.as_str()),
                &info.map_or("", |i| i.country.as_str()),
                &snapshot,
                &info.is_some(),
            ],
        )
        .await
        .db("failed to upsert a WeChat user")?;
    let user = Upserted { id: row.get("id"), snapshot: row.get("snapshot"), created: row.get("created") };
    if row.get::<_, Option<String>>("invite_code").is_none() {
        client
            .execute(
                "UPDATE users SET invite_code = $2 WHERE id = $1",
                &[&user.id, &InviteCode::for_user(user.id).as_str()],
            )
            .await
            .db("failed to set an invite code")?;
    }
    Ok(user)
}

/// A user as the console lists them: masked like everywhere else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserRow {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub phone: Option<String>,
    pub identity_verified: bool,
    pub invite_code: String,
    pub master_id: Option<i64>,
    pub snapshot: bool,
    pub frozen: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: DateTime<Utc>,
}

impl UserRow {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        UserRow {
            id: row.get("id"),
            nickname: row.get("nickname"),
            avatar_url: row.get("avatar_url"),
            phone: row.get::<_, Option<String>>("phone").map(|p| mask_phone(&p)),
            identity_verified: row.get::<_, Option<String>>("id_number_masked").is_some(),
            invite_code: row.get::<_, Option<String>>("invite_code").unwrap_or_default(),
            master_id: row.get("master_id"),
            snapshot: row.get("snapshot"),
            frozen: row.get("frozen"),
            created_at: row.get("created_at"),
            last_login_at: row.get("last_login_at"),
        }
    }
}

/// Users matching `q` (an id, a full phone, an invite code, or part of a nickname), newest
/// first.
pub async fn search(
    client: &impl GenericClient,
    q: Option<&str>,
    frozen: Option<bool>,
    page: PageRequest,
) -> Result<Page<UserRow>> {
    let id: Option<i64> = q.and_then(|q| q.parse().ok());
    let code: Option<String> = q.map(str::to_ascii_uppercase);
    let pattern = q.map(|q| format!("%{}%", like_escape(q)));
    let filter = "($1::text IS NULL OR u.id = $2 OR u.phone = $1 OR u.invite_code = $3 OR u.nickname ILIKE $4)
                  AND ($5::bool IS NULL OR u.frozen = $5)";
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [&q, &id, &code, &pattern, &frozen];
    let total: i64 = client
        .query_one(&format!("SELECT count(*) AS total FROM users u WHERE {filter}"), &params)
        .await
        .db("failed to count users")?
        .get("total");
    let offset = page.offset();
    let mut with_page = params.to_vec();
    with_page.extend([&page.page_size as &(dyn tokio_postgres::types::ToSql + Sync), &offset]);
    let rows = client
        .query(
            &format!(
                "SELECT {USER_COLUMNS} FROM users u LEFT JOIN users m ON m.id = u.master_id WHERE {filter}
                 ORDER BY u.id DESC LIMIT $6 OFFSET $7"
            ),
            &with_page,
        )
        .await
        .db("failed to search users")?;
    Ok(Page::new(rows.iter().map(UserRow::from_row).collect(), total, page))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserDetail {
    #[serde(flatten)]
    pub row: UserRow,
    pub identity: Option<MaskedIdentity>,
    pub frozen_reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserWithReferral {
    pub user: UserDetail,
    pub referral: ReferralTree,
    /// Where the user's money is, came from and went: what support answers "where is my money"
    /// with.
    pub money: UserMoney,
    /// Real-name corrections after WeChat Pay refused the name, newest first: the names whole
    /// for admins and finance (who pay by them), masked for the others.
    pub identity_corrections: Vec<NameCorrectionRecord>,
}

async fn detail_of(client: &impl GenericClient, user_id: UserId) -> Result<UserDetail> {
    let row = client
        .query_opt(
            &format!("SELECT {USER_COLUMNS} FROM users u LEFT JOIN users m ON m.id = u.master_id WHERE u.id = $1"),
            &[&user_id],
        )
        .await
        .db("failed to load a user")?
        .ok_or_else(|| Error::not_found("用户不存在"))?;
    Ok(UserDetail {
        row: UserRow::from_row(&row),
        identity: masked_identity(&row),
        frozen_reason: row.get("frozen_reason"),
    })
}

pub async fn detail(client: &impl GenericClient, by: &ConsolePrincipal, user_id: UserId) -> Result<UserWithReferral> {
    let user = detail_of(client, user_id).await?;
    let mut identity_corrections = profile::corrections(client, user_id).await?;
    if by.require(operators::FINANCE).is_err() {
        for c in &mut identity_corrections {
            c.old_name = mask_name(&c.old_name);
            c.new_name = mask_name(&c.new_name);
        }
    }
    Ok(UserWithReferral {
        user,
        referral: referral::tree(client, user_id).await?,
        money: account::of_user(client, user_id).await?,
        identity_corrections,
    })
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeRequest {
    /// To freeze: 1 to 200 characters once trimmed; to unfreeze: anything (ignored). Not in the
    /// schema, which both routes share.
    #[serde(default)]
    pub reason: String,
}

pub const MAX_REASON_CHARS: usize = 200;

/// Freezes (no withdrawals, no new robots) or unfreezes a user, with the audit entry.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, user_id = user_id.get()))]
pub async fn set_frozen(
    client: &mut deadpool_postgres::Client,
    by: &ConsolePrincipal,
    user_id: UserId,
    frozen: bool,
    request: FreezeRequest,
) -> Result<UserDetail> {
    by.require(operators::CONTENT_EDITORS)?;
    let reason = request.reason.trim();
    if frozen && (reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS) {
        return Err(Error::bad_request(format!("请填写冻结原因（1–{MAX_REASON_CHARS} 个字符）")));
    }
    let tx = client.transaction().await.db("failed to begin")?;
    let changed = tx
        .execute(
            "UPDATE users SET frozen = $2, frozen_reason = CASE WHEN $2 THEN $3 END,
                 frozen_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE id = $1",
            &[&user_id, &frozen, &reason],
        )
        .await
        .db("failed to freeze a user")?;
    if changed == 0 {
        return Err(Error::not_found("用户不存在"));
    }
    let action = if frozen { "user.freeze" } else { "user.unfreeze" };
    operators::audit(&tx, by.operator.id, action, Some(&user_id.to_string()), serde_json::json!({"reason": reason}))
        .await?;
    let detail = detail_of(&tx, user_id).await?;
    tx.commit().await.db("failed to commit a freeze")?;
    tracing::info!(frozen, "user freeze changed");
    Ok(detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn invite_codes_are_distinct_for_distinct_ids() {
        let codes: HashSet<_> = (1..200_000).map(InviteCode::for_user).collect();
        assert_eq!(codes.len(), 199_999);
    }

    #[test]
    fn invite_codes_parse_back_and_refuse_look_alikes() {
        let code = InviteCode::for_user(12345);
        assert_eq!(InviteCode::parse(&code.as_str().to_lowercase()).unwrap(), code);
        assert!(InviteCode::parse("ABCDE0").is_err());
        assert!(InviteCode::parse("ABCDEFG").is_err());
        assert!(InviteCode::parse("").is_err());
    }

    #[test]
    fn the_permutation_is_a_bijection_on_a_sample() {
        let images: HashSet<u32> = (0..(1u32 << 16)).map(|n| feistel(n << 14)).collect();
        assert_eq!(images.len(), 1 << 16);
        assert!(images.iter().all(|&n| n < (1 << BITS)));
    }
}
