//! A local HTTP server standing in for a Resend-style email API. It can answer 500 for the
//! first requests, hold requests, and de-duplicates by `Idempotency-Key` as Resend does.
//! Attachments are checked as Resend checks them (`filename` and base64 `content` required,
//! 422 otherwise) and recorded decoded.

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub idempotency_key: String,
    pub authorization: String,
    pub body: serde_json::Value,
    pub attachments: Vec<ReceivedAttachment>,
}

/// An attachment as the API received it, its content decoded from base64.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedAttachment {
    pub filename: String,
    pub content_type: Option<String>,
    pub content: Vec<u8>,
}

/// Resend's rules for `attachments`: an array of objects with a `filename` and base64
/// `content`, an optional `content_type`.
fn attachments(body: &serde_json::Value) -> Result<Vec<ReceivedAttachment>, String> {
    use base64::Engine;
    let Some(list) = body.get("attachments") else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or("attachments must be an array")?;
    list.iter()
        .map(|a| {
            let filename = a["filename"].as_str().filter(|f| !f.is_empty()).ok_or("attachment filename is required")?;
            let content = a["content"].as_str().ok_or("attachment content is required")?;
            let content = base64::engine::general_purpose::STANDARD
                .decode(content)
                .map_err(|e| format!("attachment content is not base64: {e}"))?;
            let content_type = a.get("content_type").and_then(|t| t.as_str()).map(str::to_string);
            Ok(ReceivedAttachment { filename: filename.to_string(), content_type, content })
        })
        .collect()
}

#[derive(Default)]
struct Inner {
    requests: Vec<ApiRequest>,
    /// Delivered messages by idempotency key (a repeat with the same key is not delivered again).
    delivered: HashMap<String, serde_json::Value>,
    fail_next: usize,
    always_status: Option<u16>,
    delay: Duration,
}

#[derive(Clone, Default)]
pub struct FakeMailApi {
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeMailApi {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let api = Self { base_url: format!("http://{}/", listener.local_addr().unwrap()), ..Self::default() };
        // Resend accepts up to 40 MB per email after base64.
        let app = Router::new()
            .route("/emails", post(receive))
            .layer(DefaultBodyLimit::max(40 * 1024 * 1024))
            .with_state(api.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        api
    }

    pub fn fail_next(&self, n: usize) {
        self.inner.lock().unwrap().fail_next = n;
    }

    pub fn always(&self, status: u16) {
        self.inner.lock().unwrap().always_status = Some(status);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    pub fn requests(&self) -> Vec<ApiRequest> {
        self.inner.lock().unwrap().requests.clone()
    }

    pub fn delivered(&self) -> HashMap<String, serde_json::Value> {
        self.inner.lock().unwrap().delivered.clone()
    }
}

async fn receive(
    State(api): State<FakeMailApi>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> (StatusCode, Json<serde_json::Value>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let key = header("idempotency-key");
    let files = attachments(&body);
    let delay = {
        let mut inner = api.inner.lock().unwrap();
        inner.requests.push(ApiRequest {
            idempotency_key: key.clone(),
            authorization: header("authorization"),
            body: body.clone(),
            attachments: files.clone().unwrap_or_default(),
        });
        if let Err(message) = files {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "name": "validation_error", "message": message })),
            );
        }
        if let Some(status) = inner.always_status {
            return (StatusCode::from_u16(status).unwrap(), Json(serde_json::json!({ "message": "scripted failure" })));
        }
        if inner.fail_next > 0 {
            inner.fail_next -= 1;
            return (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "message": "temporary failure" })));
        }
        // Accepted as soon as it arrives, like a real API: a client that disconnects while
        // waiting for the answer has still sent the email.
        inner.delivered.entry(key.clone()).or_insert(body);
        inner.delay
    };
    tokio::time::sleep(delay).await;
    (StatusCode::OK, Json(serde_json::json!({ "id": key })))
}
