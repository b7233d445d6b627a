//! robot-health (every minute): robots' health changes (silences), alerts when a robot leaves online or healthy capacity runs low.

use gpet::health;
use gpet::{Ctx, Deadline};

gpet_lambda::function!(job; db, mail);

pub async fn run(ctx: &Ctx, _deadline: Deadline) -> gpet::Result<health::HealthReport> {
    health::job(ctx).await
}
