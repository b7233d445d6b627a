//! robot-snapshot (00:00): yesterday's robot counters into PostgreSQL, and today's snapshot.

use gpet::robots;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, cache);

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<robots::SnapshotReport> {
    robots::snapshot_job(ctx).await
}
