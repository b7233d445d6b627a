//! dau-rollup (00:10): yesterday's daily active users into PostgreSQL, and short-link visits.

use gpet::{Ctx, Deadline, Needs, Uses, activity};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, ..Needs::NONE };
}

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let rollup = activity::rollup(ctx).await?;
    Ok(
        serde_json::json!({ "day": rollup.day, "active_users": rollup.active_users, "visits_folded": rollup.visits_folded }),
    )
}
