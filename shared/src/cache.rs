//! Redis: counters and caches only. Nothing here is the record of anything that matters.
//! Reached over TLS as an ACL user, through one endpoint (ElastiCache Serverless): commands
//! that name several keys keep them in one hash slot with a `{tag}`, as cluster mode demands.

use std::time::Duration;

use anyhow::Context as _;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::CacheConfig;

#[derive(Clone)]
pub struct Cache {
    conn: ConnectionManager,
    prefix: String,
}

impl Cache {
    /// Connects now (the TLS handshake and AUTH happen here, at cold start). The manager
    /// reconnects by itself after a failover; a command gets no answer after 3 s rather than
    /// hanging on a connection a frozen instance kept.
    pub async fn connect(config: &CacheConfig) -> anyhow::Result<Self> {
        crate::tls::install_crypto_provider();
        let client = match &config.tls_ca {
            Some(pem) => redis::Client::build_with_tls(
                config.connection.clone(),
                redis::TlsCertificates { client_tls: None, root_cert: Some(pem.as_bytes().to_vec()) },
            ),
            None => redis::Client::open(config.connection.clone()),
        }
        .context("GPET_REDIS_URL")?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(2);
        let conn =
            ConnectionManager::new_with_config(client, manager_config).await.context("failed to connect to Redis")?;
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
