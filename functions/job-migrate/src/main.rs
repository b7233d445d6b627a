//! The deploy's migrator: the handler of the stack's `DatabaseMigration` custom resource, run by
//! CloudFormation on every deploy before any other function is created or updated. It checks the
//! stack's secrets (at its cold start), applies the pending migrations and makes the first
//! operator from the first-admin secret; an earlier deploy's id (a rollback) leaves the schema
//! alone, and a delete leaves the data.

use gpet::Ctx;
use gpet::deploy::{self, Report, Request};
use gpet_lambda::serde_json::Value;

gpet_lambda::function!(deploy; db, deploy);

/// What CloudFormation asked: `Create`, `Update` (with the resource's `DeployId`), or `Delete`.
pub async fn handle(ctx: &Ctx, request_type: &str, properties: &Value) -> gpet::Result<Option<Report>> {
    let request = match request_type {
        "Delete" => Request::Delete,
        _ => Request::Apply { deploy_id: properties["DeployId"].as_str().unwrap_or_default() },
    };
    deploy::run(ctx, request).await
}
