//! What a deploy does to the record before the new code runs (CloudFormation calls the
//! `job-migrate` function through a custom resource on every deploy): check the secrets the
//! stack names (fetched and checked field by field at the function's cold start), apply the
//! pending migrations, and make the first operator when there is none.

use secrecy::ExposeSecret as _;
use serde::Serialize;

use crate::config::Secret;
use crate::context::Ctx;
use crate::error::{Error, Result, Unexpected};

/// What CloudFormation asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Create or Update, with the deploy's id (new at every `make deploy`).
    Apply { deploy_id: &'a str },
    /// The stack (or the resource) goes away: the data stays.
    Delete,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    /// Migrations applied by this run.
    pub applied: Vec<&'static str>,
    /// The newest migration the schema now has.
    pub schema_version: String,
    pub first_admin_created: bool,
    /// An id seen before: CloudFormation rolling back to an earlier deploy. The schema is left
    /// alone (migrations only go forward).
    pub rollback: bool,
}

#[tracing::instrument(skip(ctx))]
pub async fn run(ctx: &Ctx, request: Request<'_>) -> Result<Option<Report>> {
    let Request::Apply { deploy_id } = request else {
        tracing::info!("delete: the database and its data stay");
        return Ok(None);
    };
    if deploy_id.trim().is_empty() || deploy_id.len() > 128 {
        return Err(Error::bad_request("DeployId must be 1–128 characters"));
    }
    let mut client = ctx.db()?.client().await?;
    let recorded: bool = client
        .query_one("SELECT to_regclass('deploys') IS NOT NULL AS recorded", &[])
        .await
        .unexpected("failed to look for the deploys")?
        .get("recorded");
    let seen = recorded
        && client
            .query_opt("SELECT 1 FROM deploys WHERE id = $1", &[&deploy_id])
            .await
            .unexpected("failed to look the deploy up")?
            .is_some();
    if seen {
        let version = current_version(&client).await?;
        tracing::info!(deploy_id, schema_version = version, "a deploy seen before (a rollback): schema left alone");
        return Ok(Some(Report {
            applied: Vec::new(),
            schema_version: version,
            first_admin_created: false,
            rollback: true,
        }));
    }
    let applied = crate::db::migrate(&mut client).await.map_err(Error::Unexpected)?;
    let admin = ctx.deploy_secret(Secret::FirstAdmin)?;
    let username = admin.field("username").map_err(|e| Error::Unexpected(e.into()))?;
    let password = admin.field("password").map_err(|e| Error::Unexpected(e.into()))?;
    let first_admin_created =
        crate::operators::ensure_first_admin(&mut client, username.expose_secret(), password.expose_secret()).await?;
    client
        .execute(
            "INSERT INTO deploys (id, schema_version) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
            &[&deploy_id, &crate::db::schema_version()],
        )
        .await
        .unexpected("failed to record the deploy")?;
    let report = Report {
        applied,
        schema_version: crate::db::schema_version().to_owned(),
        first_admin_created,
        rollback: false,
    };
    tracing::info!(deploy_id, applied = ?report.applied, first_admin_created, "deploy applied");
    Ok(Some(report))
}

async fn current_version(client: &tokio_postgres::Client) -> Result<String> {
    Ok(client
        .query_opt("SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1", &[])
        .await
        .unexpected("failed to read the schema version")?
        .map(|r| r.get("version"))
        .unwrap_or_default())
}
