//! Owners: WeChat users of the H5 app.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::db::QueryContext;
use crate::error::{Error, Result};
use crate::partners::wechat::UserInfo;

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
}

impl Profile {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Profile {
            id: row.get("id"),
            nickname: row.get("nickname"),
            avatar_url: row.get("avatar_url"),
            invite_code: row.get::<_, Option<String>>("invite_code").unwrap_or_default(),
            snapshot: row.get("snapshot"),
            frozen: row.get("frozen"),
            created_at: row.get("created_at"),
        }
    }
}

const PROFILE_COLUMNS: &str = "id, nickname, avatar_url, invite_code, snapshot, frozen, created_at";

pub async fn profile(client: &impl GenericClient, user_id: i64) -> Result<Profile> {
    let row = client
        .query_opt(&format!("SELECT {PROFILE_COLUMNS} FROM users WHERE id = $1"), &[&user_id])
        .await
        .db("failed to load a profile")?
        .ok_or_else(|| Error::not_found("用户不存在"))?;
    Ok(Profile::from_row(&row))
}

/// Who WeChat says logged in: a real user with a profile, or a snapshot user with none.
pub enum WechatIdentity {
    Real(UserInfo),
    Snapshot { openid: String, unionid: Option<String> },
}

pub struct Upserted {
    pub profile: Profile,
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
            &format!(
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
                 RETURNING {PROFILE_COLUMNS}, (xmax = 0) AS created"
            ),
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
    let created: bool = row.get("created");
    let mut profile = Profile::from_row(&row);
    if profile.invite_code.is_empty() {
        let code = InviteCode::for_user(profile.id);
        client
            .execute("UPDATE users SET invite_code = $2 WHERE id = $1", &[&profile.id, &code.as_str()])
            .await
            .db("failed to set an invite code")?;
        profile.invite_code = code.0;
    }
    Ok(Upserted { profile, created })
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
