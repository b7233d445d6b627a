//! Mass messages (群发): an owner's message to chosen groups, now or at a minute; one task per
//! minute per owner (2005), at most [`MAX_PER_DAY`] a business day per owner (2004).
//! `broadcast-dispatch` sends them (see [`crate::deliveries`]).

use chrono::{DateTime, Duration, DurationRound, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::BusinessDay;
use crate::content::{Content, Preview};
use crate::context::Ctx;
use crate::db::{QueryContext, constraint, text_enum, violated_constraint};
use crate::deliveries::{self, Target, TaskKind};
use crate::error::{Code, Error, Result};
use crate::ids::{GroupId, UserId};
use crate::paging::{Page, PageRequest};
use crate::sensitive_words;

pub const MAX_GROUPS: usize = 200;
/// How far ahead a task may be scheduled.
pub const MAX_AHEAD_DAYS: i64 = 30;
/// Tasks (not cancelled) one owner may have sent on one business day, counted by the day they
/// are sent on: every send costs the robots' time and WeChat's patience, so one owner sends at
/// most MAX_PER_DAY × MAX_GROUPS messages a day.
pub const MAX_PER_DAY: i64 = 10;

text_enum! {
    /// Where a mass message is (broadcasts.state): scheduled → sending → done, or cancelled by
    /// its owner before it starts.
    pub enum BroadcastState {
        Scheduled = "scheduled",
        Sending = "sending",
        Done = "done",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Broadcast {
    pub id: i64,
    pub content: Content,
    pub send_at: DateTime<Utc>,
    pub state: BroadcastState,
    pub created_at: DateTime<Utc>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBroadcast {
    pub content: Content,
    /// 1 to 200 groups once repeats are removed (no `maxItems`: repeats are not counted).
    #[schema(min_items = 1)]
    pub group_ids: Vec<GroupId>,
    /// Absent: now (this minute, or the owner's first free minute after it). Sent at the start
    /// of its minute, not before the current minute and at most 30 days ahead.
    #[serde(default)]
    pub send_at: Option<DateTime<FixedOffset>>,
}

/// What WeChat will show: the content as it will be sent, and its bubble.
pub async fn preview(ctx: &Ctx, content: &Content) -> Result<Preview> {
    let preview = content.preview()?;
    sensitive_words::check(ctx, &ctx.db()?.client().await?, &preview.content.visible_text()).await?;
    Ok(preview)
}

async fn load(client: &impl deadpool_postgres::GenericClient, owner_id: UserId, ids: &[i64]) -> Result<Vec<Broadcast>> {
    let rows = client
        .query(
            "SELECT id, content, send_at, state, created_at FROM broadcasts WHERE owner_id = $1 AND id = ANY($2) ORDER BY id DESC",
            &[&owner_id, &ids],
        )
        .await
        .db("failed to load broadcasts")?;
    let mut targets = deliveries::targets(client, TaskKind::Broadcast, ids).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.get("id");
            Ok(Broadcast {
                id,
                content: Content::from_json(r.get("content"))?,
                send_at: r.get("send_at"),
                state: r.get("state"),
                created_at: r.get("created_at"),
                targets: targets.remove(&id).unwrap_or_default(),
            })
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(owner_id))]
pub async fn create(ctx: &Ctx, owner_id: UserId, new: NewBroadcast) -> Result<Broadcast> {
    let content = new.content.normalized()?;
    let mut group_ids = new.group_ids.clone();
    group_ids.sort_unstable();
    group_ids.dedup();
    if group_ids.is_empty() || group_ids.len() > MAX_GROUPS {
        return Err(Error::bad_request(format!("请选择 1 到 {MAX_GROUPS} 个群")));
    }
    let now = ctx.clock.now();
    let minute = |t: DateTime<Utc>| t.duration_trunc(Duration::minutes(1)).expect("a minute divides any time");
    // Absent (立即发送): this minute, or the first one after it that the owner has free (found
    // under the owner's lock below): a second "send now" within a minute goes the next minute.
    let asked = match new.send_at {
        None => None,
        Some(at) => {
            let at = minute(at.with_timezone(&Utc));
            if at < minute(now) {
                return Err(Error::bad_request("发送时间不能早于现在，请重新选择"));
            }
            if at > now + Duration::days(MAX_AHEAD_DAYS) {
                return Err(Error::bad_request(format!("发送时间最多可选 {MAX_AHEAD_DAYS} 天以内，请重新选择")));
            }
            Some(at)
        }
    };
    let mut client = ctx.db()?.client().await?;
    sensitive_words::check(ctx, &client, &content.visible_text()).await?;
    let mine: Vec<GroupId> = client
        .query(
            "SELECT id FROM groups WHERE id = ANY($1) AND owner_id = $2 AND state = 'active'",
            &[&group_ids, &owner_id],
        )
        .await
        .db("failed to check the groups")?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    let others: Vec<GroupId> = group_ids.iter().filter(|id| !mine.contains(id)).copied().collect();
    if !others.is_empty() {
        return Err(
            Error::not_found("群不存在、不属于你或机器人已退出").with_data(serde_json::json!({ "group_ids": others }))
        );
    }
    let tx = client.transaction().await.db("failed to begin")?;
    // The owner's row locked while counting: two tasks made at once cannot both pass the quota.
    tx.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&owner_id]).await.db("failed to lock the owner")?;
    let send_at = match asked {
        Some(at) => at,
        None => tx
            .query_one(
                "SELECT min(m) AS free FROM generate_series($2::timestamptz, $2 + interval '1 day', interval '1 minute') AS m
                 WHERE NOT EXISTS (SELECT 1 FROM broadcasts WHERE owner_id = $1 AND send_at = m AND state <> 'cancelled')",
                &[&owner_id, &minute(now)],
            )
            .await
            .db("failed to find a free minute")?
            .get::<_, Option<DateTime<Utc>>>("free")
            .ok_or_else(|| Error::rejected(Code::SameTimeExists, "接下来一天每分钟都已有群发任务，请取消不需要的任务后再试"))?,
    };
    let day = BusinessDay::of(send_at);
    let that_day: i64 = tx
        .query_one(
            "SELECT count(*) AS that_day FROM broadcasts
             WHERE owner_id = $1 AND state <> 'cancelled' AND send_at >= $2 AND send_at < $3",
            &[&owner_id, &day.start(), &day.succ().start()],
        )
        .await
        .db("failed to count the day's broadcasts")?
        .get("that_day");
    if that_day >= MAX_PER_DAY {
        return Err(Error::rejected(
            Code::CreateFailed,
            format!("每天最多 {MAX_PER_DAY} 条群发，{day} 已有 {that_day} 条；请换一天，或取消不需要的任务"),
        ));
    }
    let id: i64 = tx
        .query_one(
            "INSERT INTO broadcasts (owner_id, content, send_at) VALUES ($1, $2, $3) RETURNING id",
            &[&owner_id, &content.to_json(), &send_at],
        )
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some(constraint::BROADCASTS_ONE_PER_MINUTE) => {
                Error::rejected(Code::SameTimeExists, "该时间已有群发任务，请换一个时间")
            }
            _ => Error::Unexpected(anyhow::Error::new(e).context("failed to create a broadcast")),
        })?
        .get("id");
    tx.execute(
        "INSERT INTO deliveries (task_kind, task_id, group_id) SELECT 'broadcast', $1, unnest($2::bigint[])",
        &[&id, &group_ids],
    )
    .await
    .db("failed to add the targets")?;
    tx.commit().await.db("failed to commit the broadcast")?;
    load(&client, owner_id, &[id]).await?.pop().ok_or_else(|| Error::not_found("群发任务不存在"))
}

pub async fn list(ctx: &Ctx, owner_id: UserId, page: PageRequest) -> Result<Page<Broadcast>> {
    let client = ctx.db()?.client().await?;
    let total: i64 = client
        .query_one("SELECT count(*) AS total FROM broadcasts WHERE owner_id = $1", &[&owner_id])
        .await
        .db("failed to count broadcasts")?
        .get("total");
    let ids: Vec<i64> = client
        .query(
            "SELECT id FROM broadcasts WHERE owner_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
            &[&owner_id, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to list broadcasts")?
        .iter()
        .map(|r| r.get("id"))
        .collect();
    Ok(Page::new(load(&client, owner_id, &ids).await?, total, page))
}

/// Cancels a task that has not started sending.
pub async fn cancel(ctx: &Ctx, owner_id: UserId, id: i64) -> Result<Broadcast> {
    let client = ctx.db()?.client().await?;
    let state: BroadcastState = client
        .query_opt("SELECT state FROM broadcasts WHERE id = $1 AND owner_id = $2", &[&id, &owner_id])
        .await
        .db("failed to load the broadcast")?
        .ok_or_else(|| Error::not_found("群发任务不存在"))?
        .get("state");
    let cancelled = client
        .execute("UPDATE broadcasts SET state = 'cancelled' WHERE id = $1 AND state = 'scheduled'", &[&id])
        .await
        .db("failed to cancel the broadcast")?;
    if cancelled == 0 && state != BroadcastState::Cancelled {
        return Err(Error::bad_request("任务已开始发送，不能取消"));
    }
    load(&client, owner_id, &[id]).await?.pop().ok_or_else(|| Error::not_found("群发任务不存在"))
}
