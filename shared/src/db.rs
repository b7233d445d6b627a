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
    ("0009_named_constraints", include_str!("../../migrations/0009_named_constraints.sql")),
    ("0010_star_rule", include_str!("../../migrations/0010_star_rule.sql")),
    ("0011_identity_corrections", include_str!("../../migrations/0011_identity_corrections.sql")),
    ("0012_robot_health", include_str!("../../migrations/0012_robot_health.sql")),
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
            tx.query("SELECT version FROM schema_migrations", &[]).await?.iter().map(|r| r.get("version")).collect();
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
/// domain error: one of [`constraint`]'s.
pub fn violated_constraint(e: &tokio_postgres::Error) -> Option<&str> {
    e.as_db_error().and_then(|d| d.constraint())
}

/// The constraints (and unique indexes, and the referral trigger's refusals) the code turns into
/// domain errors, by the names the migrations give them.
pub mod constraint {
    pub const USERS_PHONE_UNIQUE: &str = "users_phone_unique";
    pub const USERS_NOT_OWN_MASTER: &str = "users_not_own_master";
    /// The prefix of the referral trigger's refusals (users_binding_permanent, _snapshot, _cycle).
    pub const USERS_BINDING_PREFIX: &str = "users_binding_";
    pub const OPERATORS_USERNAME_UNIQUE: &str = "operators_username_unique";
    pub const OPERATORS_USERNAME_FORMAT: &str = "operators_username_format";
    pub const USER_BALANCE_NOT_NEGATIVE: &str = "user_balance_not_negative";
    pub const WITHDRAWALS_ONCE_A_DAY: &str = "withdrawals_once_a_day";
    pub const BROADCASTS_ONE_PER_MINUTE: &str = "broadcasts_one_per_minute";
    pub const KEYWORDS_UNIQUE: &str = "keywords_unique";
}

/// A closed set of words stored in a TEXT column whose CHECK lists them (a state): the enum
/// [`text_enum!`] declares, one variant per word.
pub trait TextEnum: Copy + Eq + std::fmt::Debug + 'static {
    /// Every variant, in the order the migration's CHECK lists them.
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == text)
    }
}

/// A word a TEXT column held that its enum does not know.
#[derive(Debug, thiserror::Error)]
#[error("{kind} has no variant {text:?}")]
pub struct UnknownText {
    pub kind: &'static str,
    pub text: String,
}

/// Declares an enum of words stored as TEXT: serialized as the word itself (JSON answers are
/// what the column holds), documented as a string enum, and bound to and read from PostgreSQL
/// as text. A read of a word the enum does not know is an error, never a default.
// Each word is taken as a `tt`, not a `literal`: utoipa's derive does not see a `rename` whose
// value comes wrapped as a `literal` fragment, and would document the variants' Rust names.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text ),+
                }
            }
        }

        impl $crate::db::TextEnum for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::db::UnknownText;
            fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
                <Self as $crate::db::TextEnum>::parse(text)
                    .ok_or_else(|| $crate::db::UnknownText { kind: stringify!($name), text: text.to_owned() })
            }
        }

        impl tokio_postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &tokio_postgres::types::Type,
                out: &mut tokio_postgres::types::private::BytesMut,
            ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
                self.as_str().to_sql(ty, out)
            }
            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <&str as tokio_postgres::types::ToSql>::accepts(ty)
            }
            tokio_postgres::types::to_sql_checked!();
        }

        impl<'a> tokio_postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &tokio_postgres::types::Type,
                raw: &'a [u8],
            ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                Ok(<&str as tokio_postgres::types::FromSql>::from_sql(ty, raw)?.parse::<$name>()?)
            }
            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <&str as tokio_postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}
pub(crate) use text_enum;

/// Binds and reads a newtype over `i64` as the bigint it is stored as.
macro_rules! bigint_newtype {
    ($name:ident) => {
        impl tokio_postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &tokio_postgres::types::Type,
                out: &mut tokio_postgres::types::private::BytesMut,
            ) -> std::result::Result<tokio_postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
                self.0.to_sql(ty, out)
            }
            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <i64 as tokio_postgres::types::ToSql>::accepts(ty)
            }
            tokio_postgres::types::to_sql_checked!();
        }

        impl<'a> tokio_postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &tokio_postgres::types::Type,
                raw: &'a [u8],
            ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                <i64 as tokio_postgres::types::FromSql>::from_sql(ty, raw).map($name)
            }
            fn accepts(ty: &tokio_postgres::types::Type) -> bool {
                <i64 as tokio_postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}
pub(crate) use bigint_newtype;

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

    /// The words `CHECK (column IN (…))` allows in `table`, as the migrations leave it: the last
    /// CREATE TABLE or ALTER TABLE of the table that states one.
    fn allowed(migrations: &[(&str, &str)], table: &str, column: &str) -> Option<Vec<String>> {
        let mut found = None;
        let check = format!("CHECK ({column} IN (");
        for (_, sql) in migrations {
            // Function bodies ($$ … $$) and comments hold no column's check, and may hold `;`.
            let code: String = sql
                .split("$$")
                .step_by(2)
                .flat_map(|part| part.lines().map(|l| l.split("--").next().unwrap_or("")))
                .collect::<Vec<_>>()
                .join(" ");
            for statement in code.split(';') {
                let words: Vec<&str> = statement.split_whitespace().collect();
                let of_table = matches!(words.as_slice(), ["CREATE" | "ALTER", "TABLE", name, ..]
                    if name.trim_end_matches('(') == table);
                let statement = words.join(" ");
                let Some(start) = statement.find(&check).filter(|_| of_table) else { continue };
                let list = &statement[start + check.len()..];
                let list = &list[..list.find(')').expect("the list closes")];
                found = Some(list.split(',').map(|w| w.trim().trim_matches('\'').to_owned()).collect());
            }
        }
        found
    }

    /// The enum is the column's CHECK list, in its order, and every variant goes to JSON, to
    /// PostgreSQL and to the OpenAPI document as its word and comes back.
    fn is_the_check<E>(table: &str, column: &str)
    where
        E: super::TextEnum
            + std::str::FromStr
            + serde::Serialize
            + serde::de::DeserializeOwned
            + tokio_postgres::types::ToSql
            + for<'a> tokio_postgres::types::FromSql<'a>
            + utoipa::PartialSchema,
    {
        use tokio_postgres::types::Type;
        let words: Vec<&str> = E::ALL.iter().map(|v| v.as_str()).collect();
        let check = allowed(super::MIGRATIONS, table, column).unwrap_or_else(|| panic!("no check on {table}.{column}"));
        assert_eq!(words, check, "{table}.{column}: the enum and the migrations' CHECK list differ");
        for &v in E::ALL {
            let word = v.as_str();
            assert_eq!(E::parse(word), Some(v));
            assert!(word.parse::<E>().is_ok_and(|p| p == v), "{word}");
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<E>(&json).unwrap(), v);
            let mut raw = tokio_postgres::types::private::BytesMut::new();
            v.to_sql_checked(&Type::TEXT, &mut raw).unwrap();
            assert_eq!(&raw[..], word.as_bytes());
            assert_eq!(E::from_sql(&Type::TEXT, &raw).unwrap(), v);
        }
        assert!(E::from_sql(&Type::TEXT, b"no_such_state").is_err(), "an unknown word is an error");
        assert!("no_such_state".parse::<E>().is_err());
        assert!(!<E as tokio_postgres::types::ToSql>::accepts(&Type::INT8), "bound as text only");
        let schema = serde_json::to_value(E::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(words), "the document lists the words");
    }

    #[test]
    fn withdrawal_states_are_the_check_list() {
        is_the_check::<crate::withdrawals::WithdrawalState>("withdrawals", "state");
    }

    #[test]
    fn payout_attempt_states_are_the_check_list() {
        is_the_check::<crate::payouts::AttemptState>("payout_attempts", "state");
    }

    #[test]
    fn group_states_are_the_check_list() {
        is_the_check::<crate::groups::GroupState>("groups", "state");
    }

    #[test]
    fn settlement_run_states_are_the_check_list() {
        is_the_check::<crate::settlement::RunState>("settlement_runs", "state");
    }

    #[test]
    fn campaign_states_are_the_check_list() {
        is_the_check::<crate::campaigns::CampaignState>("campaigns", "state");
    }

    #[test]
    fn broadcast_states_are_the_check_list() {
        is_the_check::<crate::broadcasts::BroadcastState>("broadcasts", "state");
    }

    #[test]
    fn robot_healths_and_platform_states_are_the_check_lists() {
        is_the_check::<crate::health::Health>("robots", "health_seen");
        is_the_check::<crate::health::PlatformState>("robots", "platform_state");
    }

    #[test]
    fn the_check_list_is_read_as_the_last_migration_leaves_it() {
        let migrations = [
            (
                "1",
                "CREATE TABLE t (\n    id bigint,\n    state text NOT NULL CHECK (state IN ('a', 'b')) -- ; IN (\n);\n\
                   CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN ALTER TABLE t ADD CHECK (state IN ('z')); END $$;\n\
                   CREATE INDEX t_open ON t (id) WHERE state IN ('a');",
            ),
            ("2", "ALTER TABLE other ADD CONSTRAINT other_state CHECK (state IN ('x'));"),
        ];
        assert_eq!(allowed(&migrations, "t", "state"), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(allowed(&migrations, "t", "kind"), None);
        // A drift: a later migration allows another word, which no enum variant is.
        let drifted = [
            migrations[0],
            (
                "3",
                "ALTER TABLE t DROP CONSTRAINT t_state_known;\nALTER TABLE t ADD CONSTRAINT t_state_known CHECK (state IN ('a', 'b', 'c'));",
            ),
        ];
        assert_eq!(allowed(&drifted, "t", "state"), Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]));
    }

    #[test]
    fn every_constraint_the_code_matches_is_named_by_a_migration() {
        let all: String = super::MIGRATIONS.iter().map(|(_, sql)| *sql).collect();
        for name in [
            super::constraint::USERS_PHONE_UNIQUE,
            super::constraint::USERS_NOT_OWN_MASTER,
            super::constraint::OPERATORS_USERNAME_UNIQUE,
            super::constraint::OPERATORS_USERNAME_FORMAT,
            super::constraint::USER_BALANCE_NOT_NEGATIVE,
            super::constraint::WITHDRAWALS_ONCE_A_DAY,
            super::constraint::BROADCASTS_ONE_PER_MINUTE,
            super::constraint::KEYWORDS_UNIQUE,
        ] {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            // Given as a name (ADD CONSTRAINT x, RENAME … TO x, CREATE UNIQUE INDEX x), not merely
            // mentioned: a name PostgreSQL made up appears only in comments and renames from it.
            let named = all.match_indices(name).any(|(at, _)| {
                let before = all[..at].trim_end();
                let given = before.ends_with(" TO")
                    || before.ends_with("UNIQUE INDEX")
                    || before.ends_with("CONSTRAINT")
                        && !before.ends_with("RENAME CONSTRAINT")
                        && !before.ends_with("DROP CONSTRAINT");
                given && !word(all[at + name.len()..].chars().next())
            });
            assert!(named, "{name} is named by a migration");
        }
        for suffix in ["permanent", "snapshot", "cycle"] {
            assert!(all.contains(&format!("'{}{suffix}'", super::constraint::USERS_BINDING_PREFIX)));
        }
    }
}
