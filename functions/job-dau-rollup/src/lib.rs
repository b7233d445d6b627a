//! dau-rollup (00:10): yesterday's daily active users into PostgreSQL, and short-link visits.

use gpet::{Ctx, Needs, Uses, activity};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, cache: true, ..Needs::NONE };
}

pub async fn run(ctx: &Ctx) -> gpet::Result<serde_json::Value> {
    let rollup = activity::rollup(ctx).await?;
    Ok(
        serde_json::json!({ "day": rollup.day, "active_users": rollup.active_users, "visits_folded": rollup.visits_folded }),
    )
}
