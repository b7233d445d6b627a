//! payout-reconcile (every 5 minutes): queries open payouts, re-sends only what WeChat Pay never received, under the same number.

use gpet::payouts;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, pay: true, mail: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = payouts::reconcile(ctx, deadline).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
