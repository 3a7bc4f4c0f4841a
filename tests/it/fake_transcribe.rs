//! A local fake of OpenAI's transcription API, `POST /v1/audio/transcriptions`: multipart in
//! (`file`, `model`, `response_format`, …), JSON out — `verbose_json` with `text`, `language`,
//! `duration` and `segments` (`id`, `start`, `end`, `text`, …) as the real service answers, or
//! `{"text"}` for `json`; errors as `{"error":{"message","type","param","code"}}`. Every request
//! is recorded (headers, fields, the file's name, type and bytes) so tests check what was sent.
//!
//! The browser tests use it too: `scripts/test` runs the ignored test [`serve`] from the built
//! test binary, which prints the base URL and serves until it is stopped.

use axum::{
    Json, Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// What the fake answers.
#[derive(Clone, Debug)]
pub enum Heard {
    /// `text` split into segments of `segment_ms` each (none when `segment_ms` is 0).
    Speech { text: Vec<String>, segment_ms: u64 },
    /// A failed status with OpenAI's error body.
    Status(u16),
    /// 429 with OpenAI's rate-limit body and `Retry-After: secs`.
    RateLimited { retry_after_secs: u64 },
}

#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub fields: HashMap<String, String>,
    pub file_name: Option<String>,
    pub file_type: Option<String>,
    pub file: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Clone)]
pub struct FakeTranscribe {
    /// `http://127.0.0.1:PORT/v1`, the form of `TRANSCRIBE_BASE_URL`.
    pub base_url: String,
    reply: Arc<Mutex<Heard>>,
    /// Answers used first, one per request, before the standing `reply`.
    next: Arc<Mutex<std::collections::VecDeque<Heard>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeTranscribe {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let fake = Self {
            base_url: format!("http://{}/v1", listener.local_addr().unwrap()),
            reply: Arc::new(Mutex::new(Heard::Speech {
                text: vec!["Hello there.".into(), "General Kenobi.".into()],
                segment_ms: 1500,
            })),
            next: Arc::new(Mutex::new(std::collections::VecDeque::new())),
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/v1/audio/transcriptions", post(answer))
            // The real API takes up to 25 MB.
            .layer(axum::extract::DefaultBodyLimit::max(26 * 1024 * 1024))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    pub fn answer_with(&self, heard: Heard) {
        *self.reply.lock().unwrap() = heard;
    }

    /// The next requests get these answers, in order; then the standing one again.
    pub fn answer_next(&self, answers: impl IntoIterator<Item = Heard>) {
        self.next.lock().unwrap().extend(answers);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn answer(State(fake): State<FakeTranscribe>, headers: HeaderMap, body: Bytes) -> Response {
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string());
    let Some(boundary) = boundary else {
        return error(400, "Could not parse multipart form data.");
    };
    let mut received = Received {
        headers: headers.clone(),
        fields: HashMap::new(),
        file_name: None,
        file_type: None,
        file: Vec::new(),
    };
    for part in parts(&body, &boundary) {
        let (name, file_name, content_type, content) = part;
        if name == "file" {
            received.file_name = file_name;
            received.file_type = content_type;
            received.file = content;
        } else {
            received.fields.insert(name, String::from_utf8_lossy(&content).into_owned());
        }
    }
    fake.received.lock().unwrap().push(received.clone());
    if headers.get("authorization").is_none() {
        return error(401, "You didn't provide an API key.");
    }
    if received.file.is_empty() || !received.fields.contains_key("model") {
        return error(400, "[{'type': 'missing', 'loc': ('body', 'file'), 'msg': 'Field required'}]");
    }
    let queued = fake.next.lock().unwrap().pop_front();
    let reply = queued.unwrap_or_else(|| fake.reply.lock().unwrap().clone());
    match reply {
        Heard::Status(status) => error(status, "The server had an error while processing your request."),
        Heard::RateLimited { retry_after_secs } => {
            let mut res = error(429, "Rate limit reached for requests. Please try again later.");
            res.headers_mut().insert("retry-after", retry_after_secs.into());
            res
        }
        Heard::Speech { text, segment_ms } => {
            let duration = (text.len() as u64 * segment_ms.max(1000)) as f64 / 1000.0;
            if received.fields.get("response_format").map(String::as_str) != Some("verbose_json") {
                return Json(json!({ "text": text.join(" ") })).into_response();
            }
            let segments: Vec<Value> = if segment_ms == 0 {
                Vec::new()
            } else {
                text.iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let start = (i as u64 * segment_ms) as f64 / 1000.0;
                        json!({
                            "id": i, "seek": 0, "start": start, "end": start + segment_ms as f64 / 1000.0,
                            "text": format!(" {t}"), "tokens": [50364, 2425], "temperature": 0.0,
                            "avg_logprob": -0.25, "compression_ratio": 1.1, "no_speech_prob": 0.01
                        })
                    })
                    .collect()
            };
            let mut body =
                json!({ "task": "transcribe", "language": "english", "duration": duration, "text": text.join(" ") });
            if segment_ms != 0 {
                body["segments"] = Value::Array(segments);
            }
            Json(body).into_response()
        }
    }
}

fn error(status: u16, message: &str) -> Response {
    let body = json!({ "error": { "message": message, "type": "invalid_request_error", "param": null, "code": null } });
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

type Part = (String, Option<String>, Option<String>, Vec<u8>);

/// The parts of a multipart/form-data body: name, file name, content type and bytes.
fn parts(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut positions = Vec::new();
    let mut i = 0;
    while i + delimiter.len() <= body.len() {
        if body[i..].starts_with(&delimiter) {
            positions.push(i);
            i += delimiter.len();
        } else {
            i += 1;
        }
    }
    for pair in positions.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = part.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&part[..split]).into_owned();
        let content = part[split + 4..].to_vec();
        let param = |key: &str| {
            head.lines()
                .flat_map(|l| l.split(';'))
                .map(str::trim)
                .find_map(|p| p.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
        };
        let content_type = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().starts_with("content-type:").then(|| l[13..].trim().to_string()));
        if let Some(name) = param("name") {
            out.push((name, param("filename"), content_type, content));
        }
    }
    out
}

/// Not a test: the browser tests' transcription server (see the module documentation). Every
/// recording is heard as "Hello there. General Kenobi." in two timed segments.
#[tokio::test]
#[ignore = "a server for the browser tests, started by scripts/test"]
async fn serve() {
    let fake = FakeTranscribe::start().await;
    println!("FAKE_TRANSCRIBE_URL={}", fake.base_url);
    std::future::pending::<()>().await;
}
