//! outbox-relay (every minute): publishes what the outbox holds.

use gpet::config::QueueSet;
use gpet::{Ctx, Needs, Uses, outbox};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, sends: QueueSet::of(&gpet::outbox::QUEUES), ..Needs::NONE };
}

pub async fn run(ctx: &Ctx) -> gpet::Result<serde_json::Value> {
    let report = outbox::relay(ctx).await?;
    Ok(serde_json::json!({ "published": report.published, "failed": report.failed }))
}
