//! Importing an article from a link, safe against server-side request forgery: a link can
//! only make us connect to a public address on an allowed port, whatever its spelling, its
//! DNS answers or its redirects.
//!
//! Every hop: parse (WHATWG rules) → scheme, userinfo, port → host checked by name or as an
//! address literal → every resolved address checked → connect to a checked address through
//! the [`Connector`] (never a second lookup) → one GET → redirect (back to the start, at most
//! `max_redirects` times) or the body, capped while streaming → type check and sniffing →
//! decoding → readability extraction. The whole import has one deadline.

mod address;
mod body;
mod error;
mod extract;
mod fetch;
mod net;
mod policy;
mod target;

pub use address::{PublicAddr, Refusal};
pub use error::ImportError;
pub use net::{AsyncIo, BoxedIo, Connector, Resolver, SystemResolver, TcpConnector};
pub use policy::{DEFAULT_PORTS, ImportPolicy};

use crate::server::config::Config;
use hyper::{StatusCode, header};
use std::{fmt, sync::Arc};
use target::Target;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// Where the article was finally read, after redirects.
    pub url: String,
    pub title: Option<String>,
    /// Paragraphs separated by one blank line.
    pub text: String,
}

/// Cheap to clone; share one per app.
#[derive(Clone)]
pub struct Importer {
    inner: Arc<Inner>,
}

struct Inner {
    policy: ImportPolicy,
    resolver: Arc<dyn Resolver>,
    connector: Arc<dyn Connector>,
}

impl fmt::Debug for Importer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Importer").field("policy", &self.inner.policy).finish_non_exhaustive()
    }
}

impl Importer {
    pub fn new(policy: ImportPolicy, resolver: Arc<dyn Resolver>, connector: Arc<dyn Connector>) -> Self {
        Self { inner: Arc::new(Inner { policy, resolver, connector }) }
    }

    /// The production importer: system DNS, plain TCP, `URL_IMPORT_PORTS`.
    pub fn from_config(config: &Config) -> Self {
        let mut policy = ImportPolicy::new(&config.public_url);
        policy.ports = config.url_import_ports.clone();
        Self::new(policy, Arc::new(SystemResolver), Arc::new(TcpConnector))
    }

    pub fn policy(&self) -> &ImportPolicy {
        &self.inner.policy
    }

    pub async fn fetch_article(&self, url: &str) -> Result<Article, ImportError> {
        let limit = self.inner.policy.timeout;
        tokio::time::timeout(limit, self.import(url)).await.map_err(|_| ImportError::Timeout { limit })?
    }

    async fn import(&self, url: &str) -> Result<Article, ImportError> {
        let Inner { policy, resolver, connector } = &*self.inner;
        let mut target = Target::parse(url, policy)?;
        let mut redirects = 0;
        let response = loop {
            let addrs = target.addresses(resolver.as_ref()).await?;
            let response = fetch::get(&target, &addrs, connector.as_ref(), policy).await?;
            if !is_redirect(response.status) {
                break response;
            }
            if redirects == policy.max_redirects {
                return Err(ImportError::TooManyRedirects { max: policy.max_redirects });
            }
            redirects += 1;
            let location = response.header(header::LOCATION).ok_or(ImportError::BadRedirect)?;
            target = target.follow(location, policy)?;
        };
        if !response.status.is_success() {
            return Err(ImportError::Status { status: response.status.as_u16() });
        }
        let declared = body::declared(response.header(header::CONTENT_TYPE))?;
        let bytes = response.body_capped(policy.max_body_bytes).await?;
        if body::is_pdf(&bytes) {
            return Err(ImportError::Pdf);
        }
        let kind = body::kind(declared.kind, &bytes)?;
        let final_url = target.url.to_string();
        // Parsing up to 2 MB of HTML is CPU work: off the async threads.
        let page_url = final_url.clone();
        let extracted = tokio::task::spawn_blocking(move || {
            let text = body::decode(&bytes, kind, declared.charset);
            match kind {
                body::Kind::Html => extract::from_html(&text, &page_url),
                body::Kind::Plain => extract::from_plain(&text),
            }
        })
        .await
        .map_err(|_| ImportError::Empty)??;
        Ok(Article { url: final_url, title: extracted.title, text: extracted.text })
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}
