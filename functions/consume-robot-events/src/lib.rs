//! robot-events consumer: applies robot events idempotently; group messages are counted a batch at a time.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use gpet::robot_events;
use gpet::{Ctx, Deadline, Needs, Uses};
use gpet_lambda::sqs;

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, robot: true, ..Needs::NONE };
}

pub async fn handle(ctx: &Ctx, event: SqsEvent, deadline: Deadline) -> SqsBatchResponse {
    let messages = sqs::messages(&event);
    sqs::batch_response(&messages, robot_events::consume(ctx, &messages, deadline).await)
}
