//! Ad-click income: the ad system's signed callback. Recorded on the business day received,
//! 100% for the group's owner, shown at once as today's (unsettled) income and credited by that
//! day's settlement. A transaction id is recorded once however often it arrives.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};

/// How far the callback's timestamp may be from now (real time), in seconds.
pub const WINDOW_SECS: i64 = 300;

/// The lower-hex MD5 of the non-empty parameters but `sign` as `k=v` joined by `&` in key
/// order, followed by `&key=<secret>`.
pub fn sign(params: &BTreeMap<String, String>, secret: &str) -> String {
    let mut text: String = params
        .iter()
        .filter(|(k, v)| k.as_str() != "sign" && !v.is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    text.push_str("&key=");
    text.push_str(secret);
    hex::encode(Md5::digest(text.as_bytes()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Credited {
    pub trans_id: String,
    /// False for a repeat of a recorded transaction id.
    pub recorded_now: bool,
}

fn refuse(why: &'static str, params: &BTreeMap<String, String>) -> Error {
    tracing::warn!(why, trans_id = params.get("trans_id"), group_wxid = params.get("group_wxid"), "ad click refused");
    Error::bad_request(why)
}

/// The callback: checks, then records the click once.
#[tracing::instrument(skip_all, fields(trans_id = params.get("trans_id")))]
pub async fn click(ctx: &Ctx, params: &BTreeMap<String, String>) -> Result<Credited> {
    let secret = ctx.ads()?.md5_secret.expose_secret().to_owned();
    let given = params.get("sign").map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    if given.is_empty() || !constant_eq(given.as_bytes(), sign(params, &secret).as_bytes()) {
        return Err(refuse("签名错误", params).with_status(401));
    }
    let ts: i64 = params.get("ts").and_then(|t| t.parse().ok()).ok_or_else(|| refuse("ts 缺失或不是整数", params))?;
    if (chrono::Utc::now().timestamp() - ts).abs() > WINDOW_SECS {
        return Err(refuse("时间戳超出 5 分钟", params).with_status(401));
    }
    let trans_id = params.get("trans_id").filter(|t| !t.is_empty() && t.len() <= 128);
    let trans_id = trans_id.ok_or_else(|| refuse("trans_id 缺失", params))?;
    let amount: i64 = params
        .get("amount_fen")
        .and_then(|a| a.parse().ok())
        .filter(|a| (1..=10_000_000).contains(a))
        .ok_or_else(|| refuse("amount_fen 须为正整数", params))?;
    let group_wxid = params.get("group_wxid").map(String::as_str).unwrap_or_default();
    let campaign = params.get("campaign_id").filter(|c| !c.is_empty());
    let client = ctx.db()?.client().await?;
    let group = client
        .query_opt("SELECT id, owner_id FROM groups WHERE group_wxid = $1 AND owner_id IS NOT NULL", &[&group_wxid])
        .await
        .db("failed to find the group")?;
    let Some(group) = group else {
        tracing::warn!(group_wxid, "ad click for an unknown group refused");
        return Err(Error::rejected(Code::NotFound, "群不存在"));
    };
    let (group_id, owner_id): (i64, i64) = (group.get("id"), group.get("owner_id"));
    let day = ctx.clock.today().date();
    let recorded = client
        .execute(
            "INSERT INTO ad_clicks (trans_id, group_id, owner_id, campaign_id, amount_fen, day)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (trans_id) DO NOTHING",
            &[trans_id, &group_id, &owner_id, &campaign, &amount, &day],
        )
        .await
        .db("failed to record the click")?
        == 1;
    tracing::info!(group_id, owner_id, amount, recorded, "ad click");
    Ok(Credited { trans_id: trans_id.clone(), recorded_now: recorded })
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_follows_the_partner_recipe() {
        let params: BTreeMap<String, String> = [
            ("trans_id", "T1"),
            ("group_wxid", "g@chatroom"),
            ("amount_fen", "25"),
            ("ts", "1700000000"),
            ("campaign_id", ""),
            ("sign", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let expected =
            hex::encode(Md5::digest(b"amount_fen=25&group_wxid=g@chatroom&trans_id=T1&ts=1700000000&key=s3cret"));
        assert_eq!(sign(&params, "s3cret"), expected);
        assert_ne!(sign(&params, "other"), expected);
    }
}
