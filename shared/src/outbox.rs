//! The transactional outbox: what must reach a queue is written in the same transaction as the
//! change that caused it; the relay publishes it, so an event survives a queue outage.

use std::time::{Duration, Instant};

use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::error::Result;
use crate::queue::{BATCH, Queue};

/// Rows claimed per transaction.
const CHUNK: i64 = 100;
/// A relay run stops claiming after this long (its Lambda has a minute).
const RUN_BUDGET: Duration = Duration::from_secs(40);
/// How long a request waits for the queue to take what it wrote.
const PUBLISH_WAIT: Duration = Duration::from_secs(2);

/// The queues messages reach through the outbox: the relay may send to these, and only these.
pub const QUEUES: [Queue; 2] = [Queue::TrackingEvents, Queue::Payouts];

pub async fn enqueue(client: &impl GenericClient, queue: Queue, bodies: &[serde_json::Value]) -> Result<Vec<i64>> {
    if !QUEUES.contains(&queue) {
        return Err(crate::Error::Unexpected(anyhow::anyhow!("{} is not relayed from the outbox", queue.name())));
    }
    let rows = client
        .query(
            "INSERT INTO outbox (queue, body) SELECT $1, unnest($2::jsonb[]) RETURNING id",
            &[&queue.name(), &bodies],
        )
        .await
        .db("failed to write to the outbox")?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    pub published: usize,
    pub failed: usize,
}

impl RelayReport {
    fn add(&mut self, other: RelayReport) {
        self.published += other.published;
        self.failed += other.failed;
    }
}

/// Publishes everything pending, oldest first, until none is left or the run's budget is spent.
#[tracing::instrument(skip_all)]
pub async fn relay(ctx: &Ctx) -> Result<RelayReport> {
    let started = Instant::now();
    let mut report = RelayReport::default();
    let mut after = 0;
    loop {
        let (chunk, last) = publish_chunk(ctx, None, after).await?;
        report.add(chunk);
        // A chunk that failed whole means the queue is down: the next run tries again.
        match last {
            Some(last) if chunk.published > 0 && started.elapsed() < RUN_BUDGET => after = last,
            _ => break,
        }
    }
    let client = ctx.db()?.client().await?;
    client
        .execute("DELETE FROM outbox WHERE published_at < now() - interval '7 days'", &[])
        .await
        .db("failed to purge the outbox")?;
    tracing::info!(published = report.published, failed = report.failed, "outbox relayed");
    Ok(report)
}

/// Publishes just these rows now (the request that wrote them, right after its commit), waiting
/// PUBLISH_WAIT at most: the request's answer is due once its change is committed, and what is
/// not sent by then, or fails, the relay publishes within a minute.
pub async fn publish(ctx: &Ctx, ids: &[i64]) {
    match tokio::time::timeout(PUBLISH_WAIT, publish_chunk(ctx, Some(ids), 0)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "left in the outbox for the relay"),
        Err(_) => tracing::warn!("the queue is slow: left in the outbox for the relay"),
    }
}

/// Claims and sends up to CHUNK rows after id `after`; answers the report and, when the chunk
/// was full, the last id claimed (where the next chunk starts).
async fn publish_chunk(ctx: &Ctx, only: Option<&[i64]>, after: i64) -> Result<(RelayReport, Option<i64>)> {
    let queues = ctx.queues()?;
    let mut client = ctx.db()?.client().await?;
    let tx = client.transaction().await.db("failed to begin")?;
    // SKIP LOCKED: concurrent relays (and requests publishing their own rows) never wait on
    // each other and never claim the same row.
    let rows = tx
        .query(
            "SELECT id, queue, body::text FROM outbox
             WHERE published_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1)) AND id > $3
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            &[&only, &CHUNK, &after],
        )
        .await
        .db("failed to claim outbox rows")?;
    let last = (rows.len() == CHUNK as usize).then(|| rows.last().map(|r| r.get::<_, i64>(0))).flatten();
    let mut sent: Vec<i64> = Vec::new();
    let mut failed: Vec<i64> = Vec::new();
    let mut last_error = String::new();
    for queue in QUEUES {
        let entries: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r.get::<_, &str>(1) == queue.name())
            .map(|r| (r.get::<_, i64>(0).to_string(), r.get::<_, String>(2)))
            .collect();
        for batch in entries.chunks(BATCH) {
            let ids = batch.iter().map(|(id, _)| id.parse::<i64>().expect("ids are numbers we wrote"));
            match queues.send_batch(queue, batch).await {
                Ok(refused) => {
                    for id in ids {
                        if refused.contains(&id.to_string()) { failed.push(id) } else { sent.push(id) }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), queue = queue.name(), "outbox batch not sent");
                    last_error = format!("{e:#}");
                    failed.extend(ids);
                }
            }
        }
    }
    let unknown: Vec<i64> =
        rows.iter().filter(|r| !QUEUES.iter().any(|q| q.name() == r.get::<_, &str>(1))).map(|r| r.get(0)).collect();
    if !unknown.is_empty() {
        last_error = "unknown queue".into();
        failed.extend(unknown);
    }
    tx.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1)", &[&sent])
        .await
        .db("failed to mark sent")?;
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)",
        &[&failed, &last_error],
    )
    .await
    .db("failed to mark unsent")?;
    tx.commit().await.db("failed to commit the outbox")?;
    Ok((RelayReport { published: sent.len(), failed: failed.len() }, last))
}
