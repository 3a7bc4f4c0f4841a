//! Where mail goes: SMTP, an HTTP API in the style of Resend, or the dev mailbox. All behind
//! one trait so the worker can fall back from one to the next.

mod dev_mailbox;
pub mod http_api;
pub mod smtp;

pub use dev_mailbox::DevMailbox;
pub use http_api::HttpApi;
pub use smtp::Smtp;

use async_trait::async_trait;
use uuid::Uuid;

use super::attachments::Attachment;

/// A rendered message on its way out.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The outbox id: used as Message-ID / idempotency key so a retried send is recognisable.
    pub id: Uuid,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Sent after the bodies, in order.
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct ProviderError {
    pub provider: &'static str,
    pub message: String,
    /// False when trying again cannot help (e.g. the provider rejected the address).
    pub retryable: bool,
}

impl ProviderError {
    pub fn retryable(provider: &'static str, message: impl Into<String>) -> Self {
        Self { provider, message: message.into(), retryable: true }
    }

    pub fn permanent(provider: &'static str, message: impl Into<String>) -> Self {
        Self { provider, message: message.into(), retryable: false }
    }
}

#[async_trait]
pub trait EmailProvider: Send + Sync {
    fn name(&self) -> &'static str;
    async fn send(&self, email: &OutgoingEmail) -> Result<(), ProviderError>;
}
