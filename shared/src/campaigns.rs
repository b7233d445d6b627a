//! Ad campaigns (投放): operators' content pushed through the robots to every active group
//! whose launch switch is on and whose stars reach the minimum, from the start time on
//! (`campaign-dispatch`, see [`crate::deliveries`]).

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::content::Content;
use crate::context::Ctx;
use crate::db::{QueryContext, text_enum};
use crate::error::{Error, Result};
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest};

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct TargetCounts {
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
}

text_enum! {
    /// Where a campaign is (campaigns.state): scheduled → sending (its targets picked) → done,
    /// or cancelled by an operator before it is done.
    pub enum CampaignState {
        Scheduled = "scheduled",
        Sending = "sending",
        Done = "done",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub content: Content,
    pub min_stars: i16,
    /// Only groups whose launch switch is on are targets.
    pub launch_only: bool,
    pub starts_at: DateTime<Utc>,
    pub state: CampaignState,
    pub targets: TargetCounts,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// 1 to 64 characters once trimmed.
    #[schema(pattern = r"^\s*\S(?:[\s\S]{0,62}\S)?\s*$")]
    pub name: String,
    pub content: Content,
    #[schema(minimum = 1, maximum = 5)]
    pub min_stars: i16,
    pub starts_at: DateTime<FixedOffset>,
}

const SELECT: &str = "SELECT c.id, c.name, c.content, c.min_stars, c.starts_at, c.state, c.created_at,
        count(d.group_id) AS targets_total, count(d.group_id) FILTER (WHERE d.state = 'sent') AS targets_sent,
        count(d.group_id) FILTER (WHERE d.state = 'failed') AS targets_failed,
        count(d.group_id) FILTER (WHERE d.state = 'pending') AS targets_pending
    FROM campaigns c LEFT JOIN deliveries d ON d.task_kind = 'campaign' AND d.task_id = c.id";

fn from_row(r: &tokio_postgres::Row) -> Result<Campaign> {
    Ok(Campaign {
        id: r.get("id"),
        name: r.get("name"),
        content: Content::from_json(r.get("content"))?,
        min_stars: r.get("min_stars"),
        launch_only: true,
        starts_at: r.get("starts_at"),
        state: r.get("state"),
        created_at: r.get("created_at"),
        targets: TargetCounts {
            total: r.get("targets_total"),
            sent: r.get("targets_sent"),
            failed: r.get("targets_failed"),
            pending: r.get("targets_pending"),
        },
    })
}

pub async fn list(ctx: &Ctx, page: PageRequest) -> Result<Page<Campaign>> {
    let client = ctx.db()?.client().await?;
    let total: i64 = client
        .query_one("SELECT count(*) AS total FROM campaigns", &[])
        .await
        .db("failed to count campaigns")?
        .get("total");
    let rows = client
        .query(
            &format!("{SELECT} GROUP BY c.id ORDER BY c.id DESC LIMIT $1 OFFSET $2"),
            &[&page.page_size, &page.offset()],
        )
        .await
        .db("failed to list campaigns")?;
    Ok(Page::new(rows.iter().map(from_row).collect::<Result<_>>()?, total, page))
}

async fn one(client: &impl deadpool_postgres::GenericClient, id: i64) -> Result<Campaign> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE c.id = $1 GROUP BY c.id"), &[&id])
        .await
        .db("failed to load the campaign")?
        .ok_or_else(|| Error::not_found("投放不存在"))?;
    from_row(&row)
}

fn validate(input: &CampaignInput) -> Result<(String, Content)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Error::bad_request("name 须为 1 到 64 个字"));
    }
    if !(1..=5).contains(&input.min_stars) {
        return Err(Error::bad_request("min_stars 须在 1 到 5 之间"));
    }
    Ok((name.to_owned(), input.content.normalized()?))
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id))]
pub async fn create(ctx: &Ctx, by: &ConsolePrincipal, input: CampaignInput) -> Result<Campaign> {
    by.require(operators::CONTENT_EDITORS)?;
    let (name, content) = validate(&input)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO campaigns (name, content, min_stars, starts_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[&name, &content.to_json(), &input.min_stars, &input.starts_at.with_timezone(&Utc), &by.operator.id],
        )
        .await
        .db("failed to create the campaign")?
        .get("id");
    operators::audit(&tx, by.operator.id, "campaign.create", Some(&id.to_string()), serde_json::json!({"name": name}))
        .await?;
    tx.commit().await.db("failed to commit the campaign")?;
    one(&client, id).await
}

#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, campaign_id = id))]
pub async fn update(ctx: &Ctx, by: &ConsolePrincipal, id: i64, input: CampaignInput) -> Result<Campaign> {
    by.require(operators::CONTENT_EDITORS)?;
    let (name, content) = validate(&input)?;
    let mut client = ctx.db()?.client().await?;
    one(&client, id).await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let updated = tx
        .execute(
            "UPDATE campaigns SET name = $2, content = $3, min_stars = $4, starts_at = $5, updated_at = now()
             WHERE id = $1 AND state = 'scheduled'",
            &[&id, &name, &content.to_json(), &input.min_stars, &input.starts_at.with_timezone(&Utc)],
        )
        .await
        .db("failed to update the campaign")?;
    if updated == 0 {
        return Err(Error::bad_request("投放已开始或已取消，不能修改"));
    }
    operators::audit(&tx, by.operator.id, "campaign.update", Some(&id.to_string()), serde_json::json!({"name": name}))
        .await?;
    tx.commit().await.db("failed to commit the campaign")?;
    one(&client, id).await
}

/// Cancels a campaign: nothing more is sent (what was sent stays recorded).
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, campaign_id = id))]
pub async fn cancel(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<Campaign> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    one(&client, id).await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let cancelled = tx
        .execute(
            "UPDATE campaigns SET state = 'cancelled', updated_at = now() WHERE id = $1 AND state IN ('scheduled', 'sending')",
            &[&id],
        )
        .await
        .db("failed to cancel the campaign")?;
    if cancelled == 0 {
        return Err(Error::bad_request("投放已结束或已取消"));
    }
    operators::audit(&tx, by.operator.id, "campaign.cancel", Some(&id.to_string()), serde_json::json!({})).await?;
    tx.commit().await.db("failed to commit the cancellation")?;
    one(&client, id).await
}
