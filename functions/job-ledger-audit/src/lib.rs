//! ledger-audit (03:00): checks every ledger invariant, stores the result, mails when one fails.

use gpet::ledger;
use gpet::{Ctx, Deadline, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, mail: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = ledger::audit(ctx, deadline).await?;
    Ok(serde_json::to_value(report).unwrap_or_default())
}
