//! The transactional outbox: what must reach a queue is written in the same transaction as the
//! change that caused it; the relay publishes it, so an event survives a queue outage.

use std::time::Duration;

use deadpool_postgres::GenericClient;
use serde::Serialize;

use crate::context::Ctx;
use crate::db::QueryContext;
use crate::deadline::Deadline;
use crate::error::Result;
use crate::queue::{BATCH, Queue, SendOutcome};

/// Rows claimed per transaction.
const CHUNK: i64 = 100;
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
    Ok(rows.iter().map(|r| r.get("id")).collect())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RelayReport {
    pub published: usize,
    pub failed: usize,
    /// Rows SQS refused for what they are, set aside with the reason (never tried again).
    pub set_aside: usize,
}

impl RelayReport {
    fn add(&mut self, other: RelayReport) {
        self.published += other.published;
        self.failed += other.failed;
        self.set_aside += other.set_aside;
    }
}

/// Publishes everything pending, oldest first, until none is left or the run's budget is spent.
#[tracing::instrument(skip_all)]
pub async fn relay(ctx: &Ctx, deadline: Deadline) -> Result<RelayReport> {
    let mut report = RelayReport::default();
    let mut after = 0;
    loop {
        let (chunk, last) = publish_chunk(ctx, None, after).await?;
        report.add(chunk);
        // A chunk that failed whole means the queue is down: the next run tries again.
        match last {
            Some(last) if chunk.published + chunk.set_aside > 0 && deadline.has_time() => after = last,
            _ => break,
        }
    }
    let client = ctx.db()?.client().await?;
    client
        .execute("DELETE FROM outbox WHERE published_at < now() - interval '7 days'", &[])
        .await
        .db("failed to purge the outbox")?;
    tracing::info!(
        published = report.published,
        failed = report.failed,
        set_aside = report.set_aside,
        "outbox relayed"
    );
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
            "SELECT id, queue, body::text AS body FROM outbox
             WHERE published_at IS NULL AND set_aside_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1)) AND id > $3
             ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            &[&only, &CHUNK, &after],
        )
        .await
        .db("failed to claim outbox rows")?;
    let last = (rows.len() == CHUNK as usize).then(|| rows.last().map(|r| r.get::<_, i64>("id"))).flatten();
    let mut sent: Vec<i64> = Vec::new();
    let mut failed: Vec<i64> = Vec::new();
    let mut last_error = String::new();
    for queue in QUEUES {
        let entries: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r.get::<_, &str>("queue") == queue.name())
            .map(|r| (r.get::<_, i64>("id").to_string(), r.get::<_, String>("body")))
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
    // What failed in a batch is tried alone: a row SQS refuses for what it is (the whole batch
    // fails with it, or its entry does) would otherwise hold its batch-mates back for ever. Such
    // a row is set aside with SQS's reason; the others go out now or on the next run.
    let mut set_aside: Vec<(i64, String)> = Vec::new();
    if !failed.is_empty() {
        let mut still_failed = Vec::new();
        for id in std::mem::take(&mut failed) {
            // Once one fails for another reason than itself, the queue is down: the rest wait.
            if !still_failed.is_empty() {
                still_failed.push(id);
                continue;
            }
            let row = rows.iter().find(|r| r.get::<_, i64>("id") == id).expect("a failed id is one of the rows");
            let queue = Queue::from_name(row.get("queue")).expect("only rows of known queues were sent");
            match queues.send_one(queue, row.get::<_, &str>("body")).await {
                SendOutcome::Sent => sent.push(id),
                SendOutcome::Refused(reason) => {
                    tracing::error!(
                        outbox_id = id,
                        queue = queue.name(),
                        reason,
                        "outbox row refused by SQS: set aside"
                    );
                    set_aside.push((id, reason));
                }
                SendOutcome::Failed(e) => {
                    last_error = format!("{e:#}");
                    still_failed.push(id);
                }
            }
        }
        failed = still_failed;
    }
    for r in rows.iter().filter(|r| !QUEUES.iter().any(|q| q.name() == r.get::<_, &str>("queue"))) {
        set_aside.push((r.get("id"), format!("unknown queue {}", r.get::<_, &str>("queue"))));
    }
    tx.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1)", &[&sent])
        .await
        .db("failed to mark sent")?;
    for (id, reason) in &set_aside {
        tx.execute(
            "UPDATE outbox SET set_aside_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1",
            &[id, reason],
        )
        .await
        .db("failed to set a row aside")?;
    }
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)",
        &[&failed, &last_error],
    )
    .await
    .db("failed to mark unsent")?;
    tx.commit().await.db("failed to commit the outbox")?;
    Ok((RelayReport { published: sent.len(), failed: failed.len(), set_aside: set_aside.len() }, last))
}
