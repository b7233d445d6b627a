//! payout-reconcile (every 5 minutes): queries open payouts, re-sends only what WeChat Pay never received, under the same number.

use gpet::payouts;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, cache, pay, mail);

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<payouts::ReconcileReport> {
    payouts::reconcile(ctx, deadline).await
}
