//! The part both hosted providers share: send with retries until the first text arrives,
//! then stream server-sent events under a total deadline and an idle timeout. Nothing is
//! retried once text has been handed out: the person would see it twice.

use super::{AiError, Chunk, ChunkStream, Usage, estimate_tokens, retry};
use crate::server::config::AiConfig;
use eventsource_stream::{Event, EventStreamError, Eventsource};
use futures_util::{Stream, StreamExt};
use reqwest::{RequestBuilder, Response, StatusCode, header::HeaderMap};
use std::{collections::VecDeque, pin::Pin, time::Duration};
use tokio::time::{Instant, timeout_at};

#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub timeout: Duration,
    pub idle_timeout: Duration,
    pub max_retries: u32,
    pub retry_base: Duration,
}

impl From<&AiConfig> for Limits {
    fn from(config: &AiConfig) -> Self {
        Self {
            timeout: config.timeout,
            idle_timeout: config.idle_timeout,
            max_retries: config.max_retries,
            retry_base: config.retry_base,
        }
    }
}

/// What one server-sent event means, in a provider's wire format.
pub(super) enum Step {
    Text(String),
    /// Bookkeeping events (pings, block starts, usage on its way).
    Nothing,
    /// The closing event, with the provider's usage when it gave all of it.
    Done(Option<(u64, u64)>),
}

pub(super) trait Wire: Send + 'static {
    fn event(&mut self, event: &Event) -> Result<Step, AiError>;
}

/// A provider's reading of a failed HTTP answer (status, headers, body).
pub(super) type StatusMapper = fn(StatusCode, &HeaderMap, &[u8]) -> AiError;

/// Error bodies are short; a misbehaving server's is not read past this.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Sends the request (again after retryable failures) until text arrives, the answer ends,
/// or a failure that retrying cannot fix.
pub(super) async fn start<W: Wire>(
    limits: Limits,
    send: impl Fn() -> RequestBuilder,
    wire: impl Fn() -> W,
    map_status: StatusMapper,
    input_chars: usize,
) -> Result<ChunkStream, AiError> {
    let deadline = Instant::now() + limits.timeout;
    let mut retries = 0;
    loop {
        let error = match attempt(&limits, deadline, send(), wire(), map_status, input_chars).await {
            Ok(open) => return Ok(open.into_stream()),
            Err(error) => error,
        };
        if !error.is_retryable() || retries >= limits.max_retries {
            return Err(error);
        }
        let wait = retry::delay(&error, retries, limits.retry_base);
        if wait > retry::RETRY_AFTER_CAP || Instant::now() + wait >= deadline {
            return Err(error);
        }
        tracing::info!(
            class = error.class(),
            retry = retries + 1,
            wait_ms = wait.as_millis() as u64,
            "AI request failed; retrying"
        );
        tokio::time::sleep(wait).await;
        retries += 1;
    }
}

async fn attempt<W: Wire>(
    limits: &Limits,
    deadline: Instant,
    request: RequestBuilder,
    wire: W,
    map_status: StatusMapper,
    input_chars: usize,
) -> Result<Open<W>, AiError> {
    let idle = limits.idle_timeout;
    let response = timeout_at(soonest(deadline, idle), request.header("accept", "text/event-stream").send())
        .await
        .map_err(|_| AiError::Timeout)?
        .map_err(|e| AiError::from_transport(&e, false))?;
    let status = response.status();
    if !status.is_success() {
        let headers = response.headers().clone();
        let body = read_error_body(response, deadline, idle).await;
        return Err(map_status(status, &headers, &body));
    }
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("text/event-stream") {
        return Err(AiError::BadResponse { detail: format!("expected an event stream, got {content_type:?}") });
    }
    let mut open = Open {
        events: Box::pin(response.bytes_stream().eventsource()),
        wire,
        pending: VecDeque::new(),
        done: false,
        deadline,
        idle,
        input_chars,
        output_chars: 0,
    };
    // Read up to the first text so that failures before it can still be retried.
    loop {
        match open.next_step().await? {
            Step::Text(text) if !text.is_empty() => {
                open.push_text(text);
                return Ok(open);
            }
            Step::Done(usage) => {
                open.finish(usage);
                return Ok(open);
            }
            Step::Text(_) | Step::Nothing => {}
        }
    }
}

/// Whichever comes first: the total deadline or the end of the allowed silence.
fn soonest(deadline: Instant, idle: Duration) -> Instant {
    deadline.min(Instant::now() + idle)
}

async fn read_error_body(mut response: Response, deadline: Instant, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ERROR_BODY_LIMIT {
        match timeout_at(soonest(deadline, idle), response.chunk()).await {
            Ok(Ok(Some(bytes))) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(ERROR_BODY_LIMIT);
    body
}

type Events = Pin<Box<dyn Stream<Item = Result<Event, EventStreamError<reqwest::Error>>> + Send>>;

/// An answer that has started.
struct Open<W> {
    events: Events,
    wire: W,
    /// Chunks read but not yet handed out (the first text; the final usage).
    pending: VecDeque<Chunk>,
    done: bool,
    deadline: Instant,
    idle: Duration,
    input_chars: usize,
    output_chars: usize,
}

impl<W: Wire> Open<W> {
    async fn next_step(&mut self) -> Result<Step, AiError> {
        match timeout_at(soonest(self.deadline, self.idle), self.events.next()).await {
            Err(_) => Err(AiError::Timeout),
            Ok(None) => Err(AiError::StreamCut { detail: "the stream ended before its closing event".into() }),
            Ok(Some(Err(EventStreamError::Transport(e)))) => Err(AiError::from_transport(&e, true)),
            Ok(Some(Err(e))) => Err(AiError::BadResponse { detail: e.to_string() }),
            Ok(Some(Ok(event))) => self.wire.event(&event),
        }
    }

    fn push_text(&mut self, text: String) {
        self.output_chars += text.chars().count();
        self.pending.push_back(Chunk::Text(text));
    }

    fn finish(&mut self, usage: Option<(u64, u64)>) {
        let usage = match usage {
            Some((input_tokens, output_tokens)) => Usage { input_tokens, output_tokens, estimated: false },
            None => Usage {
                input_tokens: estimate_tokens(self.input_chars),
                output_tokens: estimate_tokens(self.output_chars),
                estimated: true,
            },
        };
        self.pending.push_back(Chunk::Usage(usage));
        self.done = true;
    }

    fn into_stream(self) -> ChunkStream {
        Box::pin(futures_util::stream::unfold(Some(self), |state| async move {
            let mut open = state?;
            loop {
                if let Some(chunk) = open.pending.pop_front() {
                    return Some((Ok(chunk), Some(open)));
                }
                if open.done {
                    return None;
                }
                match open.next_step().await {
                    Ok(Step::Text(text)) if !text.is_empty() => open.push_text(text),
                    Ok(Step::Done(usage)) => open.finish(usage),
                    Ok(Step::Text(_) | Step::Nothing) => {}
                    // The answer is cut: report it once and end.
                    Err(error) => return Some((Err(error), None)),
                }
            }
        }))
    }
}
