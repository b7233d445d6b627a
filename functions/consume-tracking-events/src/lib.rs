//! tracking-events consumer: stores each event once and forwards it to BI's queue.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use gpet::config::QueueSet;
use gpet::queue::Queue;
use gpet::{Ctx, Deadline, Needs, Uses, tracking};
use gpet_lambda::sqs;

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, sends: QueueSet::of(&[Queue::BiEvents]), ..Needs::NONE };
}

pub async fn handle(ctx: &Ctx, event: SqsEvent, deadline: Deadline) -> SqsBatchResponse {
    let messages = sqs::messages(&event);
    sqs::batch_response(&messages, tracking::store_and_forward(ctx, &messages, deadline).await)
}
