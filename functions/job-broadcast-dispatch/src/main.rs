//! broadcast-dispatch (every minute): sends due mass messages, a robot at least 3 s between sends.

use gpet::deliveries::{self, TaskKind};
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, cache, robot);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<deliveries::DispatchReport> {
    deliveries::dispatch(ctx, TaskKind::Broadcast, deadline).await
}
