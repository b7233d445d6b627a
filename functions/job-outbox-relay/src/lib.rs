//! outbox-relay (every minute): publishes what the outbox holds.

use gpet::config::QueueSet;
use gpet::{Ctx, Deadline, Needs, Uses, outbox};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, sends: QueueSet::of(&gpet::outbox::QUEUES), ..Needs::NONE };
}

pub async fn run(ctx: &Ctx, deadline: Deadline) -> gpet::Result<serde_json::Value> {
    let report = outbox::relay(ctx, deadline).await?;
    Ok(serde_json::json!({ "published": report.published, "failed": report.failed, "set_aside": report.set_aside }))
}
