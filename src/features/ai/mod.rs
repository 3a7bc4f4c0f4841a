//! AI providers behind one trait: OpenAI chat completions, Anthropic messages, and the
//! built-in offline provider.
//!
//! Contract of [`Provider::stream`]: an `Err` means no text was produced (retries included,
//! so a failed generation can release its quota); once it returns `Ok`, text arrives as
//! [`Chunk::Text`] pieces and the stream ends with exactly one [`Chunk::Usage`] — or with one
//! `Err` item if the answer was cut, after which nothing more comes. Posts are separated by
//! [`POST_SEPARATOR`] lines; [`PostSplitter`] cuts the text back into posts as it streams.
//! Dropping the stream closes the connection to the provider.

mod anthropic;
mod error;
mod offline;
mod openai;
mod posts;
mod prompt;
pub mod request_log;
mod retry;
mod run;
mod stream;

pub use error::AiError;
pub use offline::{OFFLINE_MODEL, OfflineProvider, OfflineWriter};
pub use posts::{POST_SEPARATOR, POST_SEPARATOR_LINE, PostSplitter, split_posts};
pub use prompt::{ChatTask, DescriptionTask, LetterTask, Prompt, Role, Task, ThreadTask, Turn, estimate_tokens};
pub use retry::{RETRY_AFTER_CAP, backoff, retry_after};
pub use run::{Lines, Requester, Run};

use crate::server::config::{AiBackend, AiConfig};
use futures_util::Stream;
use std::{fmt, pin::Pin, sync::Arc};

/// A piece of the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    Text(String),
    /// Always the last item of a stream that ended normally.
    Usage(Usage),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// From characters (about four a token), not from the provider: always for the offline
    /// provider, and for a hosted one that sent no usage.
    pub estimated: bool,
}

pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Chunk, AiError>> + Send>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProviderName {
    OpenAi,
    Anthropic,
    Offline,
}

impl ProviderName {
    /// The name stored in the request log and the price table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
            Self::Offline => "offline",
        }
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    fn name(&self) -> ProviderName;
    fn model(&self) -> &str;
    /// Starts the answer; see the module documentation for what `Err` and the items mean.
    async fn stream(&self, prompt: Prompt) -> Result<ChunkStream, AiError>;
}

/// The provider the configuration chose. `offline` writes threads when no hosted model is
/// configured (the threads feature's packer).
pub fn from_config(config: &AiConfig, http: reqwest::Client, offline: OfflineWriter) -> Arc<dyn Provider> {
    let limits = stream::Limits::from(config);
    match &config.backend {
        AiBackend::OpenAi(endpoint) => Arc::new(openai::OpenAi::new(endpoint.clone(), limits, http)),
        AiBackend::Anthropic(endpoint) => Arc::new(anthropic::Anthropic::new(endpoint.clone(), limits, http)),
        AiBackend::Offline => Arc::new(OfflineProvider::new(offline).paced(config.offline_pace)),
    }
}

/// The HTTP client for AI providers: connect and total timeouts, no redirects (an API that
/// redirects is misconfigured, and a redirect must not carry our key elsewhere), rustls.
pub fn http_client(config: &AiConfig) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(config.connect_timeout)
        // A backstop only: the providers enforce the total time across retries themselves.
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("threadr/", env!("CARGO_PKG_VERSION")))
        .build()
}
