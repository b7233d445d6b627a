//! group-rating (00:30): yesterday's stars of every active group; groups without sessions are cancelled.

use gpet::groups;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, robot: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = groups::rate(ctx, deadline).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
