use async_trait::async_trait;
use sqlx::PgPool;

use super::{EmailProvider, OutgoingEmail, ProviderError};

/// Keeps mail in the database (shown at `/admin/mail`) when no real provider is configured.
pub struct DevMailbox {
    pool: PgPool,
}

impl DevMailbox {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl EmailProvider for DevMailbox {
    fn name(&self) -> &'static str {
        "dev-mailbox"
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<(), ProviderError> {
        crate::features::email::outbox::store_in_dev_mailbox(&self.pool, email)
            .await
            .map_err(|e| ProviderError::retryable("dev-mailbox", e.to_string()))
    }
}
