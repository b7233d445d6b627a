//! group-purge (daily): exited groups after 30 days, and the message counter's idempotency rows.

use gpet::groups;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, ..Needs::NONE };
}

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = groups::purge(ctx).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
