//! payouts consumer: sends each held withdrawal to WeChat Pay as a transfer bill and applies the answer.

use gpet::payouts;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(sqs; db, cache, pay, mail);

pub async fn handle(ctx: &Ctx, messages: &[(String, String)], deadline: Deadline) -> gpet::Result<Vec<String>> {
    payouts::consume(ctx, messages, deadline).await
}
