//! Referral (师徒): a new user who arrives through an invite is bound to its master at first
//! login; the grand-master is the master's master. Binding is permanent, never to oneself,
//! never a cycle, never for a snapshot user — the code asks, and a trigger in PostgreSQL
//! (users_check_binding) makes sure.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::Serialize;
use tokio_postgres::Transaction;

use crate::context::Ctx;
use crate::db::{QueryContext, constraint, violated_constraint};
use crate::error::{Error, Result};
use crate::ids::UserId;
use crate::short_links;
use crate::users::{InviteCode, Person};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    Bound {
        master_id: i64,
    },
    /// No user has this code: the user is told (the link is wrong).
    UnknownCode,
    /// Binding is not allowed (oneself, a snapshot user, already bound): nothing to tell.
    NotBound(&'static str),
}

/// Binds `user_id` to the owner of `invite` if the rules allow it. A refusal is an outcome,
/// not an error: a login never fails because of its invite link.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn bind(tx: &mut Transaction<'_>, user_id: i64, invite: &InviteCode) -> Result<Binding> {
    let savepoint = tx.savepoint("referral_bind").await.db("failed to open a savepoint")?;
    let bound = savepoint
        .query_opt(
            "UPDATE users u SET master_id = m.id, grand_master_id = m.master_id, bound_at = now()
             FROM users m
             WHERE u.id = $1 AND m.invite_code = $2 AND u.master_id IS NULL
               AND m.id <> u.id AND NOT m.snapshot AND NOT u.snapshot
             RETURNING m.id AS master_id",
            &[&user_id, &invite.as_str()],
        )
        .await;
    let outcome = match bound {
        Ok(Some(row)) => Binding::Bound { master_id: row.get("master_id") },
        Ok(None) => {
            let owner = savepoint
                .query_opt("SELECT id, snapshot FROM users WHERE invite_code = $1", &[&invite.as_str()])
                .await
                .db("failed to find an invite code")?;
            match owner {
                None => Binding::UnknownCode,
                Some(row) if row.get::<_, i64>("id") == user_id => Binding::NotBound("one's own invite code"),
                Some(row) if row.get::<_, bool>("snapshot") => Binding::NotBound("the master is a snapshot user"),
                Some(_) => Binding::NotBound("this user cannot be bound"),
            }
        }
        Err(e) => match violated_constraint(&e) {
            Some(name)
                if name.starts_with(constraint::USERS_BINDING_PREFIX) || name == constraint::USERS_NOT_OWN_MASTER =>
            {
                savepoint.rollback().await.db("failed to roll back a savepoint")?;
                tracing::info!(constraint = name, "invite binding refused by the database");
                return Ok(Binding::NotBound("refused by the referral rules"));
            }
            _ => return Err(Error::Unexpected(anyhow::Error::new(e).context("failed to bind a master"))),
        },
    };
    savepoint.commit().await.db("failed to release a savepoint")?;
    match outcome {
        Binding::Bound { master_id } => tracing::info!(master_id, "bound to a master"),
        Binding::UnknownCode => tracing::info!("invite code unknown"),
        Binding::NotBound(why) => tracing::info!(why, "invite not bound"),
    }
    Ok(outcome)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Apprentice {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub bound_at: Option<DateTime<Utc>>,
    /// The commission (both kinds) the master earned from this apprentice, all time.
    pub contributed_fen: i64,
}

/// The owner's invite page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Referral {
    pub invite_code: String,
    /// The short link of the invite.
    pub invite_url: String,
    pub master: Option<Person>,
    pub grand_master: Option<Person>,
    pub apprentices: Vec<Apprentice>,
    /// Apprentices of the apprentices.
    pub grand_apprentices: i64,
    /// Commission earned from all apprentices, all time.
    pub total_contributed_fen: i64,
    /// Commission earned from the grand-apprentices, all time.
    pub grand_contributed_fen: i64,
}

/// Apprentices shown on a page at most; the counts are exact.
const APPRENTICES_SHOWN: i64 = 500;

async fn masters(client: &impl GenericClient, user_id: UserId) -> Result<(Option<Person>, Option<Person>)> {
    let rows = client
        .query(
            "SELECT p.id, p.nickname, p.avatar_url, p.id = u.master_id AS is_master
             FROM users u JOIN users p ON p.id IN (u.master_id, u.grand_master_id) WHERE u.id = $1",
            &[&user_id],
        )
        .await
        .db("failed to load masters")?;
    let person = |master: bool| {
        rows.iter().find(|r| r.get::<_, bool>("is_master") == master).map(|r| Person {
            id: r.get("id"),
            nickname: r.get("nickname"),
            avatar_url: r.get("avatar_url"),
        })
    };
    Ok((person(true), person(false)))
}

async fn grand_apprentices(client: &impl GenericClient, user_id: UserId) -> Result<i64> {
    client
        .query_one("SELECT count(*) AS grand_apprentices FROM users WHERE grand_master_id = $1", &[&user_id])
        .await
        .db("failed to count grand-apprentices")
        .map(|r| r.get("grand_apprentices"))
}

#[tracing::instrument(skip_all, fields(user_id = user_id.get()))]
pub async fn referral(ctx: &Ctx, user_id: UserId) -> Result<Referral> {
    let client = ctx.db()?.client().await?;
    let invite_code: String = client
        .query_opt("SELECT invite_code FROM users WHERE id = $1", &[&user_id])
        .await
        .db("failed to load an invite code")?
        .ok_or_else(|| Error::not_found("用户不存在"))?
        .get("invite_code");
    let invite_url = short_links::invite_link(ctx, &client, user_id, &invite_code).await?;
    let (master, grand_master) = masters(&client, user_id).await?;
    let apprentices = client
        .query(
            "SELECT u.id, u.nickname, u.avatar_url, u.bound_at, coalesce(c.fen, 0)::bigint AS contributed_fen
             FROM users u LEFT JOIN (
                 SELECT e.source_user_id, sum(e.amount_fen) AS fen FROM ledger_entries e
                 WHERE e.account_id = (SELECT id FROM accounts WHERE user_id = $1 AND kind = 'available')
                   AND e.kind IN ('master_commission', 'master_ad_commission') GROUP BY e.source_user_id) c
               ON c.source_user_id = u.id
             WHERE u.master_id = $1 ORDER BY u.bound_at DESC, u.id DESC LIMIT $2",
            &[&user_id, &APPRENTICES_SHOWN],
        )
        .await
        .db("failed to load apprentices")?
        .iter()
        .map(|r| Apprentice {
            id: r.get("id"),
            nickname: r.get("nickname"),
            avatar_url: r.get("avatar_url"),
            bound_at: r.get("bound_at"),
            contributed_fen: r.get("contributed_fen"),
        })
        .collect();
    let sums = client
        .query_one(
            "SELECT coalesce(sum(amount_fen) FILTER (WHERE kind IN ('master_commission', 'master_ad_commission')), 0)::bigint
                        AS total_contributed_fen,
                    coalesce(sum(amount_fen) FILTER (WHERE kind IN ('grand_master_commission', 'grand_master_ad_commission')), 0)::bigint
                        AS grand_contributed_fen
             FROM ledger_entries WHERE account_id = (SELECT id FROM accounts WHERE user_id = $1 AND kind = 'available')",
            &[&user_id],
        )
        .await
        .db("failed to total the commission")?;
    Ok(Referral {
        invite_code,
        invite_url,
        master,
        grand_master,
        apprentices,
        grand_apprentices: grand_apprentices(&client, user_id).await?,
        total_contributed_fen: sums.get("total_contributed_fen"),
        grand_contributed_fen: sums.get("grand_contributed_fen"),
    })
}

/// An apprentice in the console's referral tree, with the size of their own branch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TreeApprentice {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub created_at: DateTime<Utc>,
    pub apprentices: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReferralTree {
    pub master: Option<Person>,
    pub grand_master: Option<Person>,
    pub apprentices: Vec<TreeApprentice>,
    pub grand_apprentices: i64,
}

pub async fn tree(client: &impl GenericClient, user_id: UserId) -> Result<ReferralTree> {
    let (master, grand_master) = masters(client, user_id).await?;
    let apprentices = client
        .query(
            "SELECT a.id, a.nickname, a.avatar_url, a.created_at,
                    (SELECT count(*) FROM users b WHERE b.master_id = a.id) AS apprentices
             FROM users a WHERE a.master_id = $1 ORDER BY a.bound_at DESC, a.id DESC LIMIT $2",
            &[&user_id, &APPRENTICES_SHOWN],
        )
        .await
        .db("failed to load the referral tree")?
        .iter()
        .map(|r| TreeApprentice {
            id: r.get("id"),
            nickname: r.get("nickname"),
            avatar_url: r.get("avatar_url"),
            created_at: r.get("created_at"),
            apprentices: r.get("apprentices"),
        })
        .collect();
    Ok(ReferralTree { master, grand_master, apprentices, grand_apprentices: grand_apprentices(client, user_id).await? })
}

/// How many apprentices a user has.
pub async fn apprentice_count(client: &impl GenericClient, user_id: UserId) -> Result<i64> {
    client
        .query_one("SELECT count(*) AS apprentices FROM users WHERE master_id = $1", &[&user_id])
        .await
        .db("failed to count apprentices")
        .map(|r| r.get("apprentices"))
}
