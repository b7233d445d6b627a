//! Dead letters: messages our consumers gave up on. Listing drains the dead-letter queues into
//! PostgreSQL (SQS cannot peek, and a row gives each message a stable id for the console);
//! redrive sends one back to the queue it came from.

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::{Error, Result};
use crate::operators::{self, ConsolePrincipal};
use crate::paging::{Page, PageRequest};
use crate::queue::Queue;

/// Receives per listing, per queue (10 messages each).
const DRAIN_ROUNDS: usize = 10;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    pub id: i64,
    pub queue: String,
    pub message_id: String,
    pub body: String,
    pub receive_count: i32,
    pub received_at: DateTime<Utc>,
    pub redriven_at: Option<DateTime<Utc>>,
    /// Why a consumer set it aside at once; none for what the queue dead-lettered after its
    /// last receive.
    pub reason: Option<String>,
}

/// Moves what the dead-letter queues hold into `dead_letters`; answers how many moved.
pub async fn drain(ctx: &Ctx) -> Result<usize> {
    let queues = ctx.queues()?;
    let client = ctx.db()?.client().await?;
    let mut moved = 0;
    for queue in Queue::DEAD_LETTERS {
        for _ in 0..DRAIN_ROUNDS {
            let received = queues
                .client()
                .receive_message()
                .queue_url(queues.url(queue)?)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .visibility_timeout(30)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send()
                .await
                .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to read a dead-letter queue")))?;
            let messages = received.messages();
            if messages.is_empty() {
                break;
            }
            let mut done = Vec::new();
            for (i, m) in messages.iter().enumerate() {
                let receives: i32 = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                client
                    .execute(
                        "INSERT INTO dead_letters (queue, message_id, body, receive_count) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (message_id) DO NOTHING",
                        &[&queue.name(), &m.message_id().unwrap_or_default(), &m.body().unwrap_or_default(), &receives],
                    )
                    .await
                    .db("failed to keep a dead letter")?;
                if let Some(handle) = m.receipt_handle() {
                    done.push(
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(handle)
                            .build()
                            .map_err(|e| Error::Unexpected(e.into()))?,
                    );
                }
            }
            moved += messages.len();
            queues
                .client()
                .delete_message_batch()
                .queue_url(queues.url(queue)?)
                .set_entries(Some(done))
                .send()
                .await
                .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to delete dead letters")))?;
        }
    }
    if moved > 0 {
        tracing::warn!(moved, "dead letters collected");
    }
    Ok(moved)
}

fn from_row(r: &tokio_postgres::Row) -> DeadLetter {
    DeadLetter {
        id: r.get("id"),
        queue: r.get("queue"),
        message_id: r.get("message_id"),
        body: r.get("body"),
        receive_count: r.get("receive_count"),
        received_at: r.get("received_at"),
        redriven_at: r.get("redriven_at"),
        reason: r.get("reason"),
    }
}

const COLUMNS: &str = "id, queue, message_id, body, receive_count, received_at, redriven_at, reason";
const SELECT: &str =
    "SELECT id, queue, message_id, body, receive_count, received_at, redriven_at, reason FROM dead_letters";

/// Dead-letters a message at once, as its queue would after the last receive, for a message no
/// retry can help (unreadable, or carrying a character PostgreSQL refuses): it neither fails on
/// every receive until then nor keeps its batch-mates company; the console shows it with
/// `reason` (which must not repeat what the message holds: it is logged too). The consumer then
/// reports the message handled, so that SQS deletes it.
#[tracing::instrument(skip_all, fields(queue = dead_letter_queue.name(), message_id))]
pub async fn set_aside(ctx: &Ctx, dead_letter_queue: Queue, message_id: &str, body: &str, reason: &str) -> Result<()> {
    let client = ctx.db()?.client().await?;
    client
        .execute(
            "INSERT INTO dead_letters (queue, message_id, body, receive_count, reason) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (message_id) DO NOTHING",
            &[&dead_letter_queue.name(), &message_id, &body, &reason],
        )
        .await
        .db("failed to set a message aside")?;
    tracing::warn!(reason, "message dead-lettered at once");
    Ok(())
}

pub async fn list(ctx: &Ctx, queue: Option<&str>, page: PageRequest) -> Result<Page<DeadLetter>> {
    if let Some(q) = queue
        && !Queue::DEAD_LETTERS.iter().any(|d| d.name() == q)
    {
        let names: Vec<&str> = Queue::DEAD_LETTERS.iter().map(|d| d.name()).collect();
        return Err(Error::bad_request(format!("queue 须为死信队列之一：{}", names.join("、"))));
    }
    drain(ctx).await?;
    let client = ctx.db()?.client().await?;
    let total: i64 = client
        .query_one("SELECT count(*) AS total FROM dead_letters WHERE ($1::text IS NULL OR queue = $1)", &[&queue])
        .await
        .db("failed to count dead letters")?
        .get("total");
    let rows = client
        .query(
            &format!("{SELECT} WHERE ($1::text IS NULL OR queue = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"),
            &[&queue, &page.page_size, &page.offset()],
        )
        .await
        .db("failed to list dead letters")?;
    Ok(Page::new(rows.iter().map(from_row).collect(), total, page))
}

/// Sends a dead letter back to its queue, once.
#[tracing::instrument(skip_all, fields(operator_id = by.operator.id, dead_letter_id = id))]
pub async fn redrive(ctx: &Ctx, by: &ConsolePrincipal, id: i64) -> Result<DeadLetter> {
    by.require(operators::CONTENT_EDITORS)?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    let row = tx
        .query_opt(&format!("{SELECT} WHERE id = $1 FOR UPDATE"), &[&id])
        .await
        .db("failed to load the dead letter")?
        .ok_or_else(|| Error::not_found("死信不存在"))?;
    let letter = from_row(&row);
    if letter.redriven_at.is_some() {
        return Err(Error::bad_request("该消息已重新投递"));
    }
    let source = Queue::from_name(&letter.queue)
        .and_then(Queue::source)
        .ok_or_else(|| Error::bad_request("该队列不能重新投递"))?;
    let queues = ctx.queues()?;
    queues
        .client()
        .send_message()
        .queue_url(queues.url(source)?)
        .message_body(&letter.body)
        .send()
        .await
        .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to redrive")))?;
    let row = tx
        .query_one(
            &format!("UPDATE dead_letters SET redriven_at = now(), redriven_by = $2 WHERE id = $1 RETURNING {COLUMNS}"),
            &[&id, &by.operator.id],
        )
        .await
        .db("failed to mark the redrive")?;
    let detail = serde_json::json!({"queue": letter.queue, "message_id": letter.message_id});
    operators::audit(&tx, by.operator.id, "dead_letter.redrive", Some(&id.to_string()), detail).await?;
    tx.commit().await.db("failed to commit the redrive")?;
    Ok(from_row(&row))
}
