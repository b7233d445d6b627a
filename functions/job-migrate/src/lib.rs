//! The deploy's migrator: the handler of the stack's `DatabaseMigration` custom resource, run by
//! CloudFormation on every deploy before any other function is created or updated. It checks the
//! stack's secrets (at its cold start), applies the pending migrations and makes the first
//! operator from the first-admin secret; an earlier deploy's id (a rollback) leaves the schema
//! alone, and a delete leaves the data.

use gpet::deploy::{self, Request};
use gpet::{Ctx, Needs, Uses};

/// The parts of the context this function uses.
pub struct Parts;

impl Uses for Parts {
    const NEEDS: Needs = Needs { db: true, deploy: true, ..Needs::NONE };
}

/// What CloudFormation asked: `Create`, `Update` (with the resource's `DeployId`), or `Delete`.
pub async fn handle(ctx: &Ctx, request_type: &str, properties: &serde_json::Value) -> gpet::Result<serde_json::Value> {
    let request = match request_type {
        "Delete" => Request::Delete,
        _ => Request::Apply { deploy_id: properties["DeployId"].as_str().unwrap_or_default() },
    };
    let report = deploy::run(ctx, request).await?;
    serde_json::to_value(report).map_err(|e| gpet::Error::Unexpected(e.into()))
}
