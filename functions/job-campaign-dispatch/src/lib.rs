//! campaign-dispatch (every minute): starts due ad campaigns and sends them to their groups.

use gpet::deliveries::{self, TaskKind};
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, robot: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = deliveries::dispatch(ctx, TaskKind::Campaign, deadline).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
