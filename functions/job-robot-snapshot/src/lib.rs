//! robot-snapshot (00:00): yesterday's robot counters into PostgreSQL, and today's snapshot.

use gpet::robots;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, ..Needs::NONE };
}

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = robots::snapshot_job(ctx).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
