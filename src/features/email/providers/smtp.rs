use async_trait::async_trait;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Attachment, Mailbox, MultiPart, header::ContentType},
    transport::smtp::PoolConfig,
};
use std::time::Duration;

use super::{EmailProvider, OutgoingEmail, ProviderError};

pub const NAME: &str = "smtp";

/// SMTP through lettre: `smtp://host:port` (plain or STARTTLS with `?tls=required`),
/// `smtps://host:port` (TLS), credentials in the URL. Connections are pooled.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    message_id_domain: String,
}

impl Smtp {
    pub fn from_url(url: &str, pool_size: u32, message_id_domain: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not a valid SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(15)))
            .pool_config(PoolConfig::new().max_size(pool_size.max(1)))
            .build();
        Ok(Self { transport, message_id_domain: message_id_domain.to_string() })
    }
}

#[async_trait]
impl EmailProvider for Smtp {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<(), ProviderError> {
        let from: Mailbox =
            email.from.parse().map_err(|e| ProviderError::permanent(NAME, format!("bad sender: {e}")))?;
        let to: Mailbox =
            email.to.parse().map_err(|e| ProviderError::permanent(NAME, format!("bad recipient: {e}")))?;
        // multipart/alternative (text, HTML) alone, or first inside multipart/mixed with the files.
        let bodies = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
        let body = if email.attachments.is_empty() {
            bodies
        } else {
            let mut mixed = MultiPart::mixed().multipart(bodies);
            for a in &email.attachments {
                let content_type = ContentType::parse(a.content_type())
                    .map_err(|e| ProviderError::permanent(NAME, format!("bad attachment type: {e}")))?;
                mixed =
                    mixed.singlepart(Attachment::new(a.filename().to_string()).body(a.bytes().to_vec(), content_type));
            }
            mixed
        };
        let message = Message::builder()
            .message_id(Some(format!("<{}@{}>", email.id, self.message_id_domain)))
            .from(from)
            .to(to)
            .subject(email.subject.clone())
            .multipart(body)
            .map_err(|e| ProviderError::permanent(NAME, format!("could not build the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(ProviderError::permanent(NAME, e.to_string())),
            Err(e) => Err(ProviderError::retryable(NAME, e.to_string())),
        }
    }
}
