//! Redis: counters and caches only. Nothing here is the record of anything that matters.

use anyhow::Context as _;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;

use crate::config::CacheConfig;

#[derive(Clone)]
pub struct Cache {
    conn: ConnectionManager,
    prefix: String,
}

impl Cache {
    pub async fn connect(config: &CacheConfig) -> anyhow::Result<Self> {
        let client = redis::Client::open(config.url.expose_secret()).context("GPET_REDIS_URL")?;
        let conn = ConnectionManager::new(client).await.context("failed to connect to Redis")?;
        Ok(Self { conn, prefix: config.prefix.clone() })
    }

    /// The full key: the old system's names, behind this instance's prefix.
    pub fn key(&self, name: impl AsRef<str>) -> String {
        format!("{}{}", self.prefix, name.as_ref())
    }

    /// A connection handle: cheap to clone, reconnects by itself.
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}
