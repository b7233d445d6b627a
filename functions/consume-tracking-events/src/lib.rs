//! tracking-events consumer: stores each event once and forwards it to BI's queue.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use gpet::{Ctx, Needs, tracking};
use gpet_lambda::sqs;

pub const NEEDS: Needs = Needs { db: true, queues: true, ..Needs::NONE };

pub async fn handle(ctx: &Ctx, event: SqsEvent) -> SqsBatchResponse {
    let messages = sqs::messages(&event);
    sqs::batch_response(&messages, tracking::store_and_forward(ctx, &messages).await)
}
