//! campaign-dispatch (every minute): starts due ad campaigns and sends them to their groups.

use gpet::deliveries::{self, TaskKind};
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, cache, robot);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<deliveries::DispatchReport> {
    deliveries::dispatch(ctx, TaskKind::Campaign, deadline).await
}
