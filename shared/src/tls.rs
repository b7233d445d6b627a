//! TLS to the stores: PostgreSQL (through RDS Proxy) and Redis (ElastiCache) are reached only
//! over TLS with the server's certificate verified, against the public roots (compiled in: no
//! file is read at cold start) or, when `GPET_TLS_CA_PEM` is configured, against that bundle
//! alone (the local stack's CA, or a chain that is not public).

use std::sync::Arc;

use anyhow::{Context as _, bail};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

/// rustls needs one process-wide crypto provider for the clients that do not pick their own
/// (the Redis client): aws-lc-rs, as everywhere else here.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// The trusted roots: the bundle when given, else the public roots.
pub fn roots(ca_pem: Option<&str>) -> anyhow::Result<RootCertStore> {
    let Some(pem) = ca_pem else {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.context("GPET_TLS_CA_PEM holds a malformed certificate")?).context("GPET_TLS_CA_PEM")?;
    }
    if roots.is_empty() {
        bail!("GPET_TLS_CA_PEM holds no certificate");
    }
    Ok(roots)
}

/// A client configuration that verifies the server against [`roots`].
pub fn client_config(ca_pem: Option<&str>) -> anyhow::Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_root_certificates(roots(ca_pem)?)
        .with_no_client_auth())
}
