//! tracking-events consumer: stores each event once and forwards it to BI's queue.

use gpet::queue::Queue;
use gpet::{Ctx, Deadline, tracking};

gpet_lambda::function!(sqs; db, sends = &[Queue::BiEvents]);

pub async fn handle(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> gpet::Result<Vec<String>> {
    tracking::store_and_forward(ctx, messages, deadline).await
}
