//! robot-events consumer: applies robot events idempotently; group messages are counted a batch at a time.

use gpet::robot_events;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(sqs; db, cache, robot);

pub async fn handle(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> gpet::Result<Vec<String>> {
    robot_events::consume(ctx, messages, deadline).await
}
