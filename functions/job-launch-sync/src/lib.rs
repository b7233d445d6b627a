//! launch-sync (hourly): every active group's launch switch; the robot leaves groups whose switch is off.

use gpet::groups;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, robot: true, launch: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = groups::sync_launch(ctx, deadline).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
