//! PostgreSQL: the pool every function opens once per instance (over TLS, through RDS Proxy in
//! AWS), and the migration runner the deploy calls.

use std::time::Duration;

use anyhow::{Context as _, bail};
use deadpool_postgres::{Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::DbConfig;
use crate::error::{Error, Result, Unexpected};

pub type Client = deadpool_postgres::Object;

/// A connection back in the pool after this long is checked with an empty query before it is
/// handed out: a thawed Lambda instance may hold one the proxy closed (idle timeout, failover).
pub const VERIFY_AFTER_IDLE: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request waits for a pooled connection before failing.
const WAIT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Db {
    pool: Pool,
}

impl Db {
    /// Connections open lazily, at most `max_size` at once (2 in a Lambda instance, which
    /// serves one request at a time; more in the local host).
    pub fn connect(config: &DbConfig, max_size: usize) -> anyhow::Result<Self> {
        let manager = Manager::from_config(
            with_tls_required(&config.pg),
            MakeRustlsConnect::new(crate::tls::client_config(config.tls_ca.as_deref())?),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(max_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(Duration::from_secs(2)))
            .pre_recycle(Hook::async_fn(|client: &mut deadpool_postgres::ClientWrapper, metrics| {
                Box::pin(async move {
                    if metrics.last_used() < VERIFY_AFTER_IDLE {
                        return Ok(());
                    }
                    match tokio::time::timeout(Duration::from_secs(2), client.simple_query("")).await {
                        Ok(Ok(_)) => Ok(()),
                        Ok(Err(e)) => Err(HookError::Backend(e)),
                        Err(_) => Err(HookError::message("an idle connection did not answer in 2 s")),
                    }
                })
            }))
            .build()
            .context("failed to build the pool")?;
        Ok(Self { pool })
    }

    pub async fn client(&self) -> Result<Client> {
        self.pool
            .get()
            .await
            .map_err(|e| Error::Unexpected(anyhow::Error::new(e).context("failed to get a database connection")))
    }

    /// Opens the first connection now (at cold start, beside the other handshakes).
    pub async fn warm(&self) -> anyhow::Result<()> {
        drop(self.pool.get().await.context("failed to connect to PostgreSQL")?);
        Ok(())
    }
}

/// TLS is never optional: `sslmode=require` whatever the URL said, the certificate verified by
/// our connector.
fn with_tls_required(pg: &tokio_postgres::Config) -> tokio_postgres::Config {
    let mut pg = pg.clone();
    pg.ssl_mode(SslMode::Require);
    pg.connect_timeout(CONNECT_TIMEOUT);
    pg.keepalives_idle(Duration::from_secs(60));
    pg
}

/// The schema, in order. A test checks that every file in migrations/ is listed here.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_foundation", include_str!("../../migrations/0001_foundation.sql")),
    ("0002_owners_operations", include_str!("../../migrations/0002_owners_operations.sql")),
    ("0003_robots_groups", include_str!("../../migrations/0003_robots_groups.sql")),
    ("0004_money", include_str!("../../migrations/0004_money.sql")),
    ("0005_deploy", include_str!("../../migrations/0005_deploy.sql")),
    ("0006_group_owners", include_str!("../../migrations/0006_group_owners.sql")),
    ("0007_dead_letter_reasons", include_str!("../../migrations/0007_dead_letter_reasons.sql")),
    ("0008_work_within_deadlines", include_str!("../../migrations/0008_work_within_deadlines.sql")),
];

/// The newest migration this code knows.
pub fn schema_version() -> &'static str {
    MIGRATIONS.last().map(|(v, _)| *v).expect("there are migrations")
}

/// A transaction-level advisory lock: held until commit, so it never pins an RDS Proxy
/// connection to its client the way a session lock would.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7291001)";

/// Applies what is missing, each migration in its own transaction under the migration lock (so
/// concurrent runs apply each once). Refuses a database that has migrations this code does not
/// know: older code must not run against a newer schema.
pub async fn migrate(client: &mut tokio_postgres::Client) -> anyhow::Result<Vec<&'static str>> {
    let tx = client.transaction().await.context("failed to begin")?;
    tx.batch_execute(MIGRATION_LOCK).await.context("failed to lock for migrations")?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .context("failed to create schema_migrations")?;
    tx.commit().await.context("failed to commit")?;
    let mut applied = Vec::new();
    for (version, sql) in MIGRATIONS {
        let tx = client.transaction().await.context("failed to begin")?;
        tx.batch_execute(MIGRATION_LOCK).await.context("failed to lock for migrations")?;
        let done: Vec<String> =
            tx.query("SELECT version FROM schema_migrations", &[]).await?.iter().map(|r| r.get(0)).collect();
        let unknown: Vec<&String> = done.iter().filter(|d| !MIGRATIONS.iter().any(|(v, _)| v == d)).collect();
        if !unknown.is_empty() {
            bail!(
                "the database's schema is newer than this code (it has {unknown:?}, this code knows up to {}): \
                 refusing to run older code against it",
                schema_version()
            );
        }
        if done.iter().any(|d| d == version) {
            continue;
        }
        tx.batch_execute(sql).await.with_context(|| format!("migration {version} failed"))?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[version]).await?;
        tx.commit().await.with_context(|| format!("migration {version} failed to commit"))?;
        applied.push(*version);
    }
    Ok(applied)
}

/// Opens one connection outside the pool (migrations, admin work, tests), over TLS as the
/// pool's are.
pub async fn connect_once(pg: &tokio_postgres::Config, tls_ca: Option<&str>) -> anyhow::Result<tokio_postgres::Client> {
    let tls = MakeRustlsConnect::new(crate::tls::client_config(tls_ca)?);
    let (client, connection) = with_tls_required(pg).connect(tls).await.context("failed to connect to PostgreSQL")?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "postgres connection ended");
        }
    });
    Ok(client)
}

/// [`connect_once`] from a URL (local tools, where the URL carries a local password).
pub async fn connect_url(url: &str, tls_ca: Option<&str>) -> anyhow::Result<tokio_postgres::Client> {
    let pg: tokio_postgres::Config = url.parse().context("not a PostgreSQL URL")?;
    connect_once(&pg, tls_ca).await
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
