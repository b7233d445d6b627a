//! H5 sessions. A session lives 7 days (*default*); the one-hour token in the cookie is
//! re-issued by refresh while the session lives; logout ends the session and every token of it.
//! Session windows are security windows: they use real time (PostgreSQL's `now()`).

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use uuid::Uuid;

use crate::auth::{Audience, IssuedToken};
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result};
use crate::ids::UserId;
use crate::operations;

pub const COOKIE: &str = "gpet_h5";
pub const TOKEN_TTL: Duration = Duration::hours(1);
pub const SESSION_TTL: Duration = Duration::days(7);

/// The authenticated owner of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub session_id: Uuid,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub user_id: i64,
    pub expires_at: DateTime<Utc>,
    pub live: bool,
}

impl Session {
    fn from_row(row: &tokio_postgres::Row) -> Self {
        Session {
            id: row.get("id"),
            user_id: row.get("user_id"),
            expires_at: row.get("expires_at"),
            live: row.get("live"),
        }
    }
}

const SESSION_COLUMNS: &str = "id, user_id, expires_at, (ended_at IS NULL AND expires_at > now()) AS live";

/// Opens a session for a user. With an OAuth code hash, answers None when that code already
/// opened one (the unique constraint decides between concurrent callbacks).
pub async fn open(client: &impl GenericClient, user_id: i64, oauth_code_hash: Option<&str>) -> Result<Option<Session>> {
    let row = client
        .query_opt(
            &format!(
                "INSERT INTO user_sessions (id, user_id, expires_at, oauth_code_hash)
                 VALUES ($1, $2, now() + make_interval(secs => $3), $4)
                 ON CONFLICT (oauth_code_hash) DO NOTHING
                 RETURNING {SESSION_COLUMNS}"
            ),
            &[&Uuid::new_v4(), &user_id, &(SESSION_TTL.num_seconds() as f64), &oauth_code_hash],
        )
        .await
        .db("failed to open a session")?;
    Ok(row.as_ref().map(Session::from_row))
}

pub async fn find_by_code(client: &impl GenericClient, oauth_code_hash: &str) -> Result<Option<Session>> {
    let row = client
        .query_opt(
            &format!("SELECT {SESSION_COLUMNS} FROM user_sessions WHERE oauth_code_hash = $1"),
            &[&oauth_code_hash],
        )
        .await
        .db("failed to find a session by code")?;
    Ok(row.as_ref().map(Session::from_row))
}

pub fn issue_token(ctx: &Ctx, session: &Session) -> Result<IssuedToken> {
    ctx.auth()?.tokens.issue(Audience::H5, session.user_id, session.id, TOKEN_TTL)
}

async fn live_session(ctx: &Ctx, user_id: i64, session_id: Uuid) -> Result<Session> {
    let client = ctx.db()?.client().await?;
    let row = client
        .query_opt(
            &format!("SELECT {SESSION_COLUMNS} FROM user_sessions WHERE id = $1 AND user_id = $2"),
            &[&session_id, &user_id],
        )
        .await
        .db("failed to load a session")?;
    match row.as_ref().map(Session::from_row) {
        Some(session) if session.live => Ok(session),
        _ => Err(Error::unauthenticated("登录已失效，请重新登录")),
    }
}

/// A valid, unexpired token of a live session. Every H5 API passes here, so this is also where
/// maintenance mode closes the H5 API (before anything else: logged in or not) and where the
/// user is marked active for the day (on a verified token, in the same Redis round trip).
#[tracing::instrument(skip_all)]
pub async fn authenticate(ctx: &Ctx, token: Option<&str>) -> Result<Principal> {
    let auth = ctx.auth()?;
    let claims = token.map(|t| auth.tokens.verify(Audience::H5, t));
    let active = match &claims {
        Some(Ok(claims)) => claims.subject_id().ok(),
        _ => None,
    };
    operations::h5_gate(ctx, active).await?;
    let claims = claims.ok_or_else(|| Error::unauthenticated("请先登录"))??;
    let session = live_session(ctx, claims.subject_id()?, claims.sid).await?;
    Ok(Principal { user_id: UserId::new(session.user_id), session_id: session.id })
}

/// Who is making an optional-login request: the owner of a valid token of a live session, or
/// nobody when the token is missing, expired or invalid. Maintenance and unexpected failures
/// are errors.
pub async fn viewer(ctx: &Ctx, token: Option<&str>) -> Result<Option<UserId>> {
    match authenticate(ctx, token).await {
        Ok(principal) => Ok(Some(principal.user_id)),
        Err(Error::Rejected { code, .. }) if code != Code::Maintenance => Ok(None),
        Err(other) => Err(other),
    }
}

/// A fresh token for the session of `token`, expired or not, while the session lives.
#[tracing::instrument(skip_all)]
pub async fn refresh(ctx: &Ctx, token: Option<&str>) -> Result<(IssuedToken, Session)> {
    let token = token.ok_or_else(|| Error::unauthenticated("请先登录"))?;
    let claims = ctx.auth()?.tokens.verify_ignoring_expiry(Audience::H5, token)?;
    operations::h5_gate(ctx, Some(claims.subject_id()?)).await?;
    let session = live_session(ctx, claims.subject_id()?, claims.sid).await?;
    Ok((issue_token(ctx, &session)?, session))
}

/// Ends the session of `token`. Logging out twice, or with no session, is not an error.
#[tracing::instrument(skip_all)]
pub async fn end(ctx: &Ctx, token: Option<&str>) -> Result<()> {
    let Some(token) = token else { return Ok(()) };
    let Ok(claims) = ctx.auth()?.tokens.verify_ignoring_expiry(Audience::H5, token) else { return Ok(()) };
    ctx.db()?
        .client()
        .await?
        .execute("UPDATE user_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL", &[&claims.sid])
        .await
        .db("failed to end a session")?;
    Ok(())
}

/// The `Set-Cookie` carrying a session's token, kept by the browser as long as the session
/// lives (the token inside lasts an hour; refresh replaces it).
pub fn session_cookie(ctx: &Ctx, token: &IssuedToken, session: &Session) -> Result<String> {
    Ok(ctx.auth()?.cookies.seal(COOKIE, &token.token, session.expires_at - Utc::now(), "/"))
}

pub fn clear_cookie(ctx: &Ctx) -> Result<String> {
    Ok(ctx.auth()?.cookies.clear(COOKIE, "/"))
}
