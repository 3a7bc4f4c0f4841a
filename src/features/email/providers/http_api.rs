use async_trait::async_trait;
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use reqwest::{Client, StatusCode};
use serde_json::json;
use std::time::Duration;
use url::Url;

use super::{EmailProvider, OutgoingEmail, ProviderError};

pub const NAME: &str = "http-api";

/// An HTTP email API in the style of Resend: `POST {base}/emails` with a bearer key.
/// The outbox id goes in `Idempotency-Key`, so a send retried after a crash is not
/// delivered twice by the provider.
pub struct HttpApi {
    client: Client,
    endpoint: Url,
    api_key: String,
}

impl HttpApi {
    pub fn new(base_url: &Url, api_key: &str) -> Result<Self, String> {
        let endpoint = base_url.join("emails").map_err(|e| format!("RESEND_BASE_URL: {e}"))?;
        let client = Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client, endpoint, api_key: api_key.to_string() })
    }
}

#[async_trait]
impl EmailProvider for HttpApi {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, email: &OutgoingEmail) -> Result<(), ProviderError> {
        let mut body = json!({
            "from": email.from,
            "to": [email.to],
            "subject": email.subject,
            "html": email.html,
            "text": email.text,
        });
        if !email.attachments.is_empty() {
            // Resend's shape: the content as base64, with the name and type the recipient sees.
            let files: Vec<_> = email
                .attachments
                .iter()
                .map(|a| json!({ "filename": a.filename(), "content": BASE64.encode(a.bytes()), "content_type": a.content_type() }))
                .collect();
            body["attachments"] = serde_json::Value::Array(files);
        }
        let response = self
            .client
            .post(self.endpoint.clone())
            .bearer_auth(&self.api_key)
            .header("Idempotency-Key", email.id.to_string())
            .json(&body)
            .send()
            .await
            .map_err(|e| ProviderError::retryable(NAME, format!("request failed: {}", without_url(&e))))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail: String = response.text().await.unwrap_or_default().chars().take(300).collect();
        let message = format!("HTTP {status}: {detail}");
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() || status == StatusCode::CONFLICT {
            Err(ProviderError::retryable(NAME, message))
        } else {
            Err(ProviderError::permanent(NAME, message))
        }
    }
}

/// reqwest errors print the URL; keep only the reason.
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(i) = e.find(" for url") {
        e.truncate(i);
    }
    e
}
