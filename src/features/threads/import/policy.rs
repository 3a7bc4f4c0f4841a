//! What the importer allows: ports, time, size, redirects, how it introduces itself, TLS roots.

use std::{
    fmt,
    sync::{Arc, LazyLock},
    time::Duration,
};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use url::Url;

pub const DEFAULT_PORTS: [u16; 2] = [80, 443];

#[derive(Clone)]
pub struct ImportPolicy {
    /// Ports a link may name (the scheme's default port counts as named).
    pub ports: Vec<u16>,
    /// For the whole import: every redirect, the body and the extraction.
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    pub user_agent: String,
    /// Certificates are checked against these roots (webpki-roots: Mozilla's list).
    pub tls: Arc<ClientConfig>,
}

impl fmt::Debug for ImportPolicy {
    // The TLS configuration would print every root certificate.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportPolicy")
            .field("ports", &self.ports)
            .field("timeout", &self.timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_redirects", &self.max_redirects)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl ImportPolicy {
    /// The production rules; `public_url` goes in the User-Agent so site owners can find us.
    pub fn new(public_url: &Url) -> Self {
        Self {
            ports: DEFAULT_PORTS.to_vec(),
            timeout: Duration::from_secs(10),
            max_body_bytes: 2 * 1024 * 1024,
            max_redirects: 5,
            user_agent: format!("ThreadrBot/1.0 (+{})", public_url.as_str().trim_end_matches('/')),
            tls: DEFAULT_TLS.clone(),
        }
    }

    /// A TLS client trusting exactly `roots` (tests use a private root), same settings otherwise.
    pub fn tls_with_roots(roots: RootCertStore) -> Arc<ClientConfig> {
        // The ring provider is named rather than taken from the process default, which is
        // ambiguous (and panics) once another crate turns on aws-lc-rs.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring's default provider supports TLS 1.2 and 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth();
        // We speak HTTP/1.1 only; without ALPN a server could not pick h2 anyway, saying so is clearer.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

static DEFAULT_TLS: LazyLock<Arc<ClientConfig>> =
    LazyLock::new(|| ImportPolicy::tls_with_roots(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }));
