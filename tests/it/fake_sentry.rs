//! A local HTTP server standing in for Sentry's ingestion API: `POST /api/{project}/envelope/`
//! (the envelope format: a JSON header line, then items, each a JSON header line and a
//! payload of `length` bytes or up to the next newline) and the older
//! `POST /api/{project}/store/` (one event as JSON). Bodies may be gzip or deflate
//! compressed. It keeps every body as received (decompressed) and every event decoded.

use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use std::{
    io::Read,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[derive(Default)]
struct Received {
    /// Every request body, decompressed, as text.
    bodies: Vec<String>,
    /// Every event, from envelopes and the store endpoint.
    events: Vec<serde_json::Value>,
}

pub struct FakeSentry {
    pub port: u16,
    received: Arc<Mutex<Received>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl FakeSentry {
    pub async fn start() -> Self {
        let received = Arc::new(Mutex::new(Received::default()));
        let app = Router::new()
            .route("/api/{project}/envelope/", post(envelope))
            .route("/api/{project}/store/", post(store))
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake sentry");
        let port = listener.local_addr().expect("local addr").port();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self { port, received, _shutdown: tx }
    }

    /// A DSN for project 1 on this server.
    pub fn dsn(&self) -> String {
        format!("http://public@127.0.0.1:{}/1", self.port)
    }

    pub fn events(&self) -> Vec<serde_json::Value> {
        self.received.lock().unwrap().events.clone()
    }

    /// Every body received, decompressed, joined: what a secret must not appear in.
    pub fn everything_received(&self) -> String {
        self.received.lock().unwrap().bodies.join("\n")
    }

    /// Waits (up to 10 s) for an event `matches` accepts.
    pub async fn wait_for(&self, matches: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(event) = self.events().into_iter().find(|e| matches(e)) {
                return event;
            }
            assert!(Instant::now() < deadline, "no matching event reached the fake Sentry: {:?}", self.events());
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

fn decompressed(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, StatusCode> {
    let encoding = headers.get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut out = Vec::new();
    let read = match encoding {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut out),
        "deflate" => flate2::read::ZlibDecoder::new(body).read_to_end(&mut out),
        "" | "identity" => return Ok(body.to_vec()),
        _ => return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE),
    };
    read.map(|_| out).map_err(|_| StatusCode::BAD_REQUEST)
}

/// The items of an envelope as `(item header, payload)`.
pub fn parse_envelope(body: &[u8]) -> Result<Vec<(serde_json::Value, Vec<u8>)>, String> {
    let (header, mut rest) = split_line(body);
    serde_json::from_slice::<serde_json::Value>(header).map_err(|e| format!("envelope header: {e}"))?;
    let mut items = Vec::new();
    while !rest.is_empty() {
        let (line, after) = split_line(rest);
        if line.iter().all(u8::is_ascii_whitespace) {
            rest = after;
            continue;
        }
        let item: serde_json::Value = serde_json::from_slice(line).map_err(|e| format!("item header: {e}"))?;
        let (payload, after) = match item.get("length").and_then(serde_json::Value::as_u64) {
            Some(length) => {
                let length = usize::try_from(length).map_err(|e| e.to_string())?;
                if after.len() < length {
                    return Err(format!("item of {length} bytes, {} left", after.len()));
                }
                let (payload, after) = after.split_at(length);
                (payload, after.strip_prefix(b"\n").unwrap_or(after))
            }
            None => split_line(after),
        };
        items.push((item, payload.to_vec()));
        rest = after;
    }
    Ok(items)
}

fn split_line(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == b'\n') {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[]),
    }
}

async fn envelope(
    State(received): State<Arc<Mutex<Received>>>,
    Path(_project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<&'static str, StatusCode> {
    let body = decompressed(&headers, &body)?;
    let items = parse_envelope(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut received = received.lock().unwrap();
    received.bodies.push(String::from_utf8_lossy(&body).into_owned());
    for (item, payload) in items {
        if item.get("type").and_then(serde_json::Value::as_str) == Some("event") {
            let event = serde_json::from_slice(&payload).map_err(|_| StatusCode::BAD_REQUEST)?;
            received.events.push(event);
        }
    }
    Ok("{}")
}

async fn store(
    State(received): State<Arc<Mutex<Received>>>,
    Path(_project): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<&'static str, StatusCode> {
    let body = decompressed(&headers, &body)?;
    let event = serde_json::from_slice(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let mut received = received.lock().unwrap();
    received.bodies.push(String::from_utf8_lossy(&body).into_owned());
    received.events.push(event);
    Ok("{}")
}

#[test]
fn envelopes_are_split_into_items_with_and_without_lengths() {
    let body = b"{\"event_id\":\"e1\"}\n{\"type\":\"event\",\"length\":9}\n{\"a\":\"\n\"}\n{\"type\":\"attachment\"}\nraw bytes\n";
    let items = parse_envelope(body).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].0["type"], "event");
    assert_eq!(items[0].1, b"{\"a\":\"\n\"}");
    assert_eq!(items[1].1, b"raw bytes");
}
