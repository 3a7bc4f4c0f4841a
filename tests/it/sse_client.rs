//! A client of the app's server-sent-event streams (`/messages/events`) as a browser's
//! `EventSource` reads them: `id:` and `data:` lines, events ended by a blank line, comments
//! (keep-alives) skipped. It reconnects only when asked, sending `Last-Event-ID` as a browser
//! does.

use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;

use crate::helpers::TestApp;

pub struct SseClient {
    stream: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
    /// The last `id:` received (what a browser sends back as `Last-Event-ID`).
    pub last_id: Option<String>,
}

/// One event: its id (typing has none) and its JSON data.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub id: Option<String>,
    pub data: Value,
}

impl SseClient {
    /// Opens `path` as `cookie`, resuming after `last_id` when given. Panics unless 200.
    pub async fn connect(app: &TestApp, path: &str, cookie: &str, last_id: Option<&str>) -> Self {
        let mut req = app.client.get(app.url(path)).header("cookie", cookie).header("accept", "text/event-stream");
        if let Some(id) = last_id {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.expect("stream opened");
        assert_eq!(res.status(), 200, "event stream");
        assert!(
            res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"),
            "{:?}",
            res.headers()
        );
        Self { stream: res.bytes_stream().boxed(), buffer: String::new(), last_id: last_id.map(str::to_string) }
    }

    /// The next event within `wait`, or `None`.
    pub async fn next(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                if id.is_some() {
                    self.last_id.clone_from(&id);
                }
                return Some(SseEvent { id, data: serde_json::from_str(&data).expect("JSON data") });
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk.expect("stream chunk")));
        }
    }

    /// Every event until none arrives for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<SseEvent> {
        let mut out = Vec::new();
        while let Some(e) = self.next(quiet).await {
            out.push(e);
        }
        out
    }
}
