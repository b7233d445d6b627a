//! payouts consumer: sends each held withdrawal to WeChat Pay as a transfer bill and applies the answer.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use gpet::payouts;
use gpet::{Ctx, Deadline, Needs, Uses};
use gpet_lambda::sqs;

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, pay: true, mail: true, ..Needs::NONE };
}

pub async fn handle(ctx: &Ctx, event: SqsEvent, deadline: Deadline) -> SqsBatchResponse {
    let messages = sqs::messages(&event);
    sqs::batch_response(&messages, payouts::consume(ctx, &messages, deadline).await)
}
