//! Local fake OpenAI and Anthropic APIs on one loopback server, speaking their streaming wire
//! formats as the real services do:
//!
//! - `POST /v1/chat/completions`: `data: {chat.completion.chunk}` events (a first one with the
//!   role, one per piece of text in `choices[0].delta.content`, one with `finish_reason`), a
//!   last chunk with `usage` and empty `choices`, then `data: [DONE]`; errors as
//!   `{"error":{"message","type","param","code"}}`.
//! - `POST /v1/messages`: `event: message_start` (input tokens), `content_block_start`,
//!   `ping`, `content_block_delta` (`text_delta`), `content_block_stop`, `message_delta`
//!   (output tokens), `message_stop`; errors as `{"type":"error","error":{"type","message"}}`,
//!   in a body or as an `event: error` inside the stream.
//!
//! Each request takes the next scripted [`Reply`] (the default one when the script is empty)
//! and is recorded with its headers and JSON body, so tests count attempts and check what was
//! sent. Later features add their routes (chat, transcription) here.

use axum::{
    Router,
    body::{Body, Bytes},
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::Response,
    routing::post,
};
use serde_json::{Value, json};
use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Input tokens every fake answer reports (output tokens are the number of text pieces).
pub const INPUT_TOKENS: u64 = 42;

/// What the fake does with one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete answer: `text` in `pieces` parts, `delay` before each part.
    Stream { text: String, pieces: usize, delay: Duration },
    /// Sends the first `after` of `pieces` parts, then drops the connection mid-body.
    CutAfter { text: String, pieces: usize, after: usize },
    /// Sends the first `after` of `pieces` parts, then stays silent with the connection open.
    StallAfter { text: String, pieces: usize, after: usize },
    /// Sends the first `after` of `pieces` parts, then the provider's in-stream error event
    /// (`overloaded_error` for Anthropic, `server_error` for OpenAI) and ends.
    ErrorEventAfter { text: String, pieces: usize, after: usize },
    /// Never answers: no status line, no headers.
    Hang,
    /// A failed status with the provider's error body; `retry_after` in seconds.
    Status { status: u16, retry_after: Option<u64> },
}

impl Reply {
    /// `text` in `pieces` parts with no delay.
    pub fn text(text: &str, pieces: usize) -> Self {
        Self::Stream { text: text.into(), pieces, delay: Duration::ZERO }
    }

    pub fn status(status: u16) -> Self {
        Self::Status { status, retry_after: None }
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::Status { status: 429, retry_after: Some(retry_after_secs) }
    }
}

#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    pub at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

struct Inner {
    script: VecDeque<Reply>,
    default: Reply,
    requests: Vec<RecordedRequest>,
    /// Answers whose client went away before the answer was complete.
    abandoned: usize,
}

#[derive(Clone)]
pub struct FakeAi {
    /// `http://127.0.0.1:PORT/v1`, the form of `OPENAI_BASE_URL` and `ANTHROPIC_BASE_URL`.
    pub base_url: String,
    inner: Arc<Mutex<Inner>>,
}

impl FakeAi {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let fake = Self {
            base_url: format!("http://{}/v1", listener.local_addr().unwrap()),
            inner: Arc::new(Mutex::new(Inner {
                script: VecDeque::new(),
                default: Reply::text("The default answer.", 2),
                requests: Vec::new(),
                abandoned: 0,
            })),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .route("/v1/messages", post(answer))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    /// Queues replies for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.inner.lock().unwrap().script.extend(replies);
    }

    /// The reply once the script is used up.
    pub fn set_default(&self, reply: Reply) {
        self.inner.lock().unwrap().default = reply;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.inner.lock().unwrap().requests.clone()
    }

    pub fn attempts(&self) -> usize {
        self.inner.lock().unwrap().requests.len()
    }

    /// How many answers lost their client before they were complete.
    pub fn abandoned(&self) -> usize {
        self.inner.lock().unwrap().abandoned
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Api {
    OpenAi,
    Anthropic,
}

async fn answer(State(fake): State<FakeAi>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let api = if uri.path().ends_with("/messages") { Api::Anthropic } else { Api::OpenAi };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = body["model"].as_str().unwrap_or("unknown").to_string();
    let reply = {
        let mut inner = fake.inner.lock().unwrap();
        inner.requests.push(RecordedRequest { path: uri.path().to_string(), headers, body, at: Instant::now() });
        let default = inner.default.clone();
        inner.script.pop_front().unwrap_or(default)
    };
    match reply {
        Reply::Hang => std::future::pending().await,
        Reply::Status { status, retry_after } => error_response(api, status, retry_after),
        Reply::Stream { text, pieces, delay } => {
            let frames = answer_frames(api, &model, &text, pieces).into_iter().map(|data| Frame::Data(data, delay));
            event_stream(&fake, frames.collect())
        }
        Reply::CutAfter { text, pieces, after } => {
            let mut frames = partial(api, &model, &text, pieces, after);
            frames.push(Frame::Cut);
            event_stream(&fake, frames)
        }
        Reply::StallAfter { text, pieces, after } => {
            let mut frames = partial(api, &model, &text, pieces, after);
            frames.push(Frame::Stall);
            event_stream(&fake, frames)
        }
        Reply::ErrorEventAfter { text, pieces, after } => {
            let mut frames = partial(api, &model, &text, pieces, after);
            frames.push(Frame::Data(error_event(api), Duration::ZERO));
            event_stream(&fake, frames)
        }
    }
}

/// One piece of a streamed body.
enum Frame {
    /// Bytes to send after a delay.
    Data(String, Duration),
    /// Drop the connection without ending the body.
    Cut,
    /// Send nothing more, ever.
    Stall,
}

/// The opening frames and the first `after` text pieces of an answer.
fn partial(api: Api, model: &str, text: &str, pieces: usize, after: usize) -> Vec<Frame> {
    let head = match api {
        Api::OpenAi => 1,    // the role chunk
        Api::Anthropic => 3, // message_start, content_block_start, ping
    };
    answer_frames(api, model, text, pieces)
        .into_iter()
        .take(head + after)
        .map(|data| Frame::Data(data, Duration::ZERO))
        .collect()
}

/// Splits `text` into `pieces` parts of about equal length (in characters).
fn split(text: &str, pieces: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let pieces = pieces.clamp(1, chars.len().max(1));
    (0..pieces).map(|i| chars[i * chars.len() / pieces..(i + 1) * chars.len() / pieces].iter().collect()).collect()
}

/// Every SSE frame of a complete answer, as the real API sends them.
fn answer_frames(api: Api, model: &str, text: &str, pieces: usize) -> Vec<String> {
    let parts = split(text, pieces);
    let output_tokens = parts.len() as u64;
    match api {
        Api::OpenAi => {
            let chunk = |choices: Value, usage: Value| {
                let chunk = json!({
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "created": 1_700_000_000,
                    "model": model,
                    "service_tier": "default",
                    "system_fingerprint": "fp_fake",
                    "choices": choices,
                    "usage": usage,
                });
                format!("data: {chunk}\n\n")
            };
            let choice = |delta: Value, finish: Value| json!([{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish }]);
            let mut frames = vec![chunk(
                choice(json!({"role": "assistant", "content": "", "refusal": null}), Value::Null),
                Value::Null,
            )];
            frames.extend(parts.iter().map(|p| chunk(choice(json!({ "content": p }), Value::Null), Value::Null)));
            frames.push(chunk(choice(json!({}), json!("stop")), Value::Null));
            frames.push(chunk(
                json!([]),
                json!({
                    "prompt_tokens": INPUT_TOKENS,
                    "completion_tokens": output_tokens,
                    "total_tokens": INPUT_TOKENS + output_tokens,
                    "prompt_tokens_details": { "cached_tokens": 0, "audio_tokens": 0 },
                    "completion_tokens_details": { "reasoning_tokens": 0, "audio_tokens": 0 },
                }),
            ));
            frames.push("data: [DONE]\n\n".to_string());
            frames
        }
        Api::Anthropic => {
            let event = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
            let mut frames = vec![
                event(
                    "message_start",
                    json!({"type": "message_start", "message": {
                        "id": "msg_fake", "type": "message", "role": "assistant", "content": [],
                        "model": model, "stop_reason": null, "stop_sequence": null,
                        "usage": {"input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
                                  "cache_read_input_tokens": 0, "output_tokens": 1}}}),
                ),
                event(
                    "content_block_start",
                    json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                ),
                event("ping", json!({"type": "ping"})),
            ];
            frames.extend(parts.iter().map(|p| {
                event(
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}),
                )
            }));
            frames.push(event("content_block_stop", json!({"type": "content_block_stop", "index": 0})));
            frames.push(event(
                "message_delta",
                json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                       "usage": {"output_tokens": output_tokens}}),
            ));
            frames.push(event("message_stop", json!({"type": "message_stop"})));
            frames
        }
    }
}

fn error_event(api: Api) -> String {
    match api {
        Api::OpenAi => format!(
            "data: {}\n\n",
            json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}})
        ),
        Api::Anthropic => format!(
            "event: error\ndata: {}\n\n",
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
        ),
    }
}

fn error_response(api: Api, status: u16, retry_after: Option<u64>) -> Response {
    let body = match api {
        Api::OpenAi => {
            let (kind, code, message) = match status {
                401 => ("invalid_request_error", json!("invalid_api_key"), "Incorrect API key provided."),
                429 => ("requests", json!("rate_limit_exceeded"), "Rate limit reached for requests."),
                400 => ("invalid_request_error", Value::Null, "Invalid request."),
                _ => ("server_error", Value::Null, "The server had an error while processing your request."),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Api::Anthropic => {
            let (kind, message) = match status {
                401 => ("authentication_error", "invalid x-api-key"),
                429 => ("rate_limit_error", "Number of requests has exceeded your rate limit."),
                529 => ("overloaded_error", "Overloaded"),
                400 => ("invalid_request_error", "Invalid request."),
                _ => ("api_error", "Internal server error"),
            };
            json!({"type": "error", "error": {"type": kind, "message": message}})
        }
    };
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).expect("a valid status"))
        .header("content-type", "application/json");
    if let Some(secs) = retry_after {
        response = response.header("retry-after", secs.to_string());
    }
    response.body(Body::from(body.to_string())).expect("a valid response")
}

/// Marks an answer abandoned if its body is dropped before it ran to its planned end.
struct Watch {
    inner: Arc<Mutex<Inner>>,
    complete: std::cell::Cell<bool>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.complete.get() {
            self.inner.lock().unwrap().abandoned += 1;
        }
    }
}

fn event_stream(fake: &FakeAi, frames: Vec<Frame>) -> Response {
    let watch = Watch { inner: fake.inner.clone(), complete: std::cell::Cell::new(false) };
    let body = futures_util::stream::unfold((VecDeque::from(frames), watch), |(mut frames, watch)| async move {
        match frames.pop_front() {
            None => {
                watch.complete.set(true);
                None
            }
            Some(Frame::Data(data, delay)) => {
                tokio::time::sleep(delay).await;
                Some((Ok(Bytes::from(data)), (frames, watch)))
            }
            Some(Frame::Cut) => {
                // Lets the server flush what was sent: hyper drops unflushed bytes when a body
                // fails, and a real cut loses only what comes after.
                tokio::time::sleep(Duration::from_millis(50)).await;
                watch.complete.set(true);
                Some((Err(std::io::Error::other("connection dropped by the fake")), (frames, watch)))
            }
            Some(Frame::Stall) => std::future::pending().await,
        }
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream; charset=utf-8")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(body))
        .expect("a valid response")
}
