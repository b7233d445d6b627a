//! Operations: marquee notices on the H5 home page, and maintenance mode, which closes every
//! H5 API (1503, HTTP 503) while the console and the partners' callbacks keep working.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use serde::{Deserialize, Serialize};

use crate::activity;
use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Code, Error, Result, Unexpected};
use crate::ids::UserId;
use crate::operators::{self, ConsolePrincipal};
use crate::paging::Deleted;
use crate::settings::{self, Subject};

/// Maintenance mode as operators set it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Maintenance {
    pub enabled: bool,
    /// What the H5 app shows; a default text when empty.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub message: String,
}

pub const MAX_MESSAGE_CHARS: usize = 200;
const DEFAULT_MESSAGE: &str = "系统维护中，请稍后再来";

impl Subject for Maintenance {
    const KEY: &'static str = "maintenance";

    fn validate(&self) -> Result<()> {
        if self.message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::bad_request(format!("维护说明最长 {MAX_MESSAGE_CHARS} 个字符")));
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaintenanceState {
    pub enabled: bool,
    pub message: String,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn maintenance(client: &impl GenericClient) -> Result<MaintenanceState> {
    let Maintenance { enabled, message } = settings::load(client).await?;
    let updated_at = client
        .query_opt("SELECT updated_at FROM settings WHERE key = $1", &[&Maintenance::KEY])
        .await
        .db("failed to load maintenance")?
        .map(|r| r.get("updated_at"));
    Ok(MaintenanceState { enabled, message, updated_at })
}

/// How long an instance may go on answering with a maintenance state it read from the cache
/// after PostgreSQL changed under it without the cache being told (the cache is set on every
/// change; this bounds the case where that write failed).
const CACHE_SECS: u64 = 30;

fn cache_key(ctx: &Ctx) -> Result<String> {
    Ok(ctx.cache()?.key("GPET:MAINTENANCE"))
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn set_maintenance(ctx: &Ctx, by: &ConsolePrincipal, change: Maintenance) -> Result<MaintenanceState> {
    by.require(operators::CONTENT_EDITORS)?;
    let change = Maintenance { enabled: change.enabled, message: change.message.trim().to_owned() };
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    settings::save(&tx, by, &change).await?;
    tx.commit().await.db("failed to commit maintenance")?;
    let mut redis = ctx.cache()?.conn();
    let _: () = redis::cmd("SET")
        .arg(cache_key(ctx)?)
        .arg(serde_json::to_string(&change).expect("maintenance serializes"))
        .arg("EX")
        .arg(CACHE_SECS)
        .query_async(&mut redis)
        .await
        .unexpected("failed to cache maintenance")?;
    tracing::info!(enabled = change.enabled, "maintenance changed");
    maintenance(&client).await
}

/// The gate of every H5 API: refuses while maintenance is on, and marks `active_user` active
/// for the business day — one Redis round trip.
pub async fn h5_gate(ctx: &Ctx, active_user: Option<i64>) -> Result<()> {
    let cache = ctx.cache()?;
    let key = cache_key(ctx)?;
    let mut pipe = redis::pipe();
    pipe.get(&key);
    if let Some(user_id) = active_user {
        activity::mark_active(ctx, &mut pipe, user_id)?;
    }
    let mut redis = cache.conn();
    let (cached,): (Option<String>,) = pipe.query_async(&mut redis).await.unexpected("failed to pass the H5 gate")?;
    let state = match cached.and_then(|json| serde_json::from_str::<Maintenance>(&json).ok()) {
        Some(state) => state,
        None => {
            let state: Maintenance = settings::load(&ctx.db()?.client().await?).await?;
            let _: () = redis::cmd("SET")
                .arg(&key)
                .arg(serde_json::to_string(&state).expect("maintenance serializes"))
                .arg("EX")
                .arg(CACHE_SECS)
                .query_async(&mut redis)
                .await
                .unexpected("failed to cache maintenance")?;
            state
        }
    };
    if state.enabled {
        let message = if state.message.is_empty() { DEFAULT_MESSAGE.to_owned() } else { state.message };
        return Err(
            Error::rejected(Code::Maintenance, message.clone()).with_data(serde_json::json!({ "message": message }))
        );
    }
    Ok(())
}

/// A marquee notice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marquee {
    pub id: i64,
    pub text: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Showing now (by the business clock).
    pub live: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarqueeDraft {
    /// 1 to 200 characters once trimmed.
    #[schema(min_length = 1)]
    pub text: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub const MAX_MARQUEE_CHARS: usize = 200;

impl MarqueeDraft {
    fn validate(&self) -> Result<&str> {
        let text = self.text.trim();
        if text.is_empty() || text.chars().count() > MAX_MARQUEE_CHARS {
            return Err(Error::bad_request(format!("公告内容须为 1–{MAX_MARQUEE_CHARS} 个字符")));
        }
        if self.ends_at <= self.starts_at {
            return Err(Error::bad_request("结束时间须晚于开始时间"));
        }
        Ok(text)
    }
}

const MARQUEE_COLUMNS: &str = "id, text, starts_at, ends_at, created_at, (starts_at <= $1 AND ends_at > $1) AS live";

fn marquee(row: &tokio_postgres::Row) -> Marquee {
    Marquee {
        id: row.get("id"),
        text: row.get("text"),
        starts_at: row.get("starts_at"),
        ends_at: row.get("ends_at"),
        live: row.get("live"),
        created_at: row.get("created_at"),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Marquees {
    pub items: Vec<Marquee>,
}

/// Every notice not deleted, newest first (console).
pub async fn marquees(ctx: &Ctx) -> Result<Marquees> {
    let rows = ctx
        .db()?
        .client()
        .await?
        .query(
            &format!("SELECT {MARQUEE_COLUMNS} FROM marquees WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 500"),
            &[&ctx.clock.now()],
        )
        .await
        .db("failed to list marquees")?;
    Ok(Marquees { items: rows.iter().map(marquee).collect() })
}

/// The notices showing now (H5 home).
pub async fn live_marquees(ctx: &Ctx, client: &impl GenericClient) -> Result<Vec<Marquee>> {
    let rows = client
        .query(
            &format!(
                "SELECT {MARQUEE_COLUMNS} FROM marquees
                 WHERE deleted_at IS NULL AND starts_at <= $1 AND ends_at > $1 ORDER BY starts_at, id LIMIT 20"
            ),
            &[&ctx.clock.now()],
        )
        .await
        .db("failed to load live marquees")?;
    Ok(rows.iter().map(marquee).collect())
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, id = id))]
pub async fn save_marquee(ctx: &Ctx, by: &ConsolePrincipal, id: Option<i64>, draft: MarqueeDraft) -> Result<Marquee> {
    by.require(operators::CONTENT_EDITORS)?;
    let text = draft.validate()?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let now = ctx.clock.now();
    let row = match id {
        None => tx
            .query_one(
                &format!(
                    "INSERT INTO marquees (text, starts_at, ends_at, created_by) VALUES ($2, $3, $4, $5)
                     RETURNING {MARQUEE_COLUMNS}"
                ),
                &[&now, &text, &draft.starts_at, &draft.ends_at, &by.operator.id],
            )
            .await
            .db("failed to create a marquee")?,
        Some(id) => tx
            .query_opt(
                &format!(
                    "UPDATE marquees SET text = $2, starts_at = $3, ends_at = $4, updated_at = now()
                     WHERE id = $5 AND deleted_at IS NULL RETURNING {MARQUEE_COLUMNS}"
                ),
                &[&now, &text, &draft.starts_at, &draft.ends_at, &id],
            )
            .await
            .db("failed to update a marquee")?
            .ok_or_else(|| Error::not_found("公告不存在"))?,
    };
    let saved = marquee(&row);
    let action = if id.is_some() { "marquee.update" } else { "marquee.create" };
    let detail = serde_json::json!({"text": saved.text, "starts_at": saved.starts_at, "ends_at": saved.ends_at});
    operators::audit(&tx, by.operator.id, action, Some(&saved.id.to_string()), detail).await?;
    tx.commit().await.db("failed to commit a marquee")?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, id = id))]
pub async fn delete_marquee(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<Deleted> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let deleted = tx
        .execute("UPDATE marquees SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL", &[&id])
        .await
        .db("failed to delete a marquee")?;
    if deleted == 0 {
        return Err(Error::not_found("公告不存在"));
    }
    operators::audit(&tx, by.operator.id, "marquee.delete", Some(&id.to_string()), serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit a delete")?;
    Ok(Deleted { id })
}

/// The H5 home page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Home {
    pub marquees: Vec<Marquee>,
    pub business_day: String,
    pub apprentices: i64,
}

pub async fn home(ctx: &Ctx, user_id: UserId) -> Result<Home> {
    let client = ctx.db()?.client().await?;
    Ok(Home {
        marquees: live_marquees(ctx, &client).await?,
        business_day: ctx.clock.today().to_string(),
        apprentices: crate::referral::apprentice_count(&client, user_id).await?,
    })
}
