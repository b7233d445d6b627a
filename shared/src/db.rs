//! PostgreSQL: the pool every function opens once per instance, and the migration runner.

use anyhow::Context as _;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use secrecy::ExposeSecret;
use tokio_postgres::NoTls;

use crate::config::DbConfig;
use crate::error::{Error, Result, Unexpected};

pub type Client = deadpool_postgres::Object;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
}

impl Db {
    /// Connections open lazily, at most `max_size` at once (2 in a Lambda instance, which
    /// serves one request at a time; more in the local host).
    pub fn connect(config: &DbConfig, max_size: usize) -> anyhow::Result<Self> {
        let pg: tokio_postgres::Config = config.url.expose_secret().parse().context("GPET_DATABASE_URL")?;
        let manager = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager).max_size(max_size).build().context("failed to build the pool")?;
        Ok(Self { pool })
    }

    pub async fn client(&self) -> Result<Client> {
        self.pool
            .get()
            .await
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to get a database connection")))
    }
}

/// The schema, in order. A test checks that every file in migrations/ is listed here.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_foundation", include_str!("../../migrations/0001_foundation.sql")),
    ("0002_owners_operations", include_str!("../../migrations/0002_owners_operations.sql")),
    ("0003_robots_groups", include_str!("../../migrations/0003_robots_groups.sql")),
    ("0004_money", include_str!("../../migrations/0004_money.sql")),
];

/// Applies what is missing, each migration in its own transaction, under an advisory lock so
/// that concurrent starts apply each migration once.
pub async fn migrate(client: &mut tokio_postgres::Client) -> anyhow::Result<Vec<&'static str>> {
    client
        .batch_execute(
            "SELECT pg_advisory_lock(7291001);
             CREATE TABLE IF NOT EXISTS schema_migrations (
                 version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
        )
        .await
        .context("failed to lock for migrations")?;
    let result = apply_missing(client).await;
    client.batch_execute("SELECT pg_advisory_unlock(7291001)").await.context("failed to unlock")?;
    result
}

async fn apply_missing(client: &mut tokio_postgres::Client) -> anyhow::Result<Vec<&'static str>> {
    let done: Vec<String> =
        client.query("SELECT version FROM schema_migrations", &[]).await?.iter().map(|r| r.get(0)).collect();
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        if done.iter().any(|d| d == version) {
            continue;
        }
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await.with_context(|| format!("migration {version} failed"))?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[version]).await?;
        tx.commit().await?;
        applied.push(*version);
    }
    Ok(applied)
}

/// Opens one plain connection (for migrations and admin work, outside the pool).
pub async fn connect_once(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.context("failed to connect to PostgreSQL")?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "postgres connection ended");
        }
    });
    Ok(client)
}

/// The name of the constraint a statement violated, so that the database's rule can become a
/// domain error.
pub fn violated_constraint(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().and_then(|d| d.constraint())
}

pub(crate) trait QueryContext<T> {
    fn db(self, what: &'static str) -> Result<T>;
}

impl<T> QueryContext<T> for std::result::Result<T, tokio_postgres::Error> {
    fn db(self, what: &'static str) -> Result<T> {
        self.unexpected(what)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| n.trim_end_matches(".sql").to_owned())
            .collect();
        files.sort();
        let listed: Vec<&str> = super::MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(files, listed);
    }
}
