//! outbox-relay (every minute): publishes what the outbox holds.

use gpet::{Ctx, Deadline, outbox};

gpet_lambda::function!(job; db, sends = &gpet::outbox::QUEUES);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<outbox::RelayReport> {
    outbox::relay(ctx, deadline).await
}
