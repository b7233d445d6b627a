//! dau-rollup (00:10): yesterday's daily active users into PostgreSQL, and short-link visits.

use gpet::{Ctx, Deadline, activity};

gpet_lambda::function!(job; db, cache);

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<activity::Rollup> {
    activity::rollup(ctx).await
}
