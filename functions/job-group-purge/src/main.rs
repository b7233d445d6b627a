//! group-purge (daily): exited groups after 30 days, and the message counter's idempotency rows.

use gpet::groups;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db);

/// A few set-based statements: nothing to cut short, so the deadline goes unread.
pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<groups::PurgeReport> {
    groups::purge(ctx).await
}
