//! What every streamed AI answer shares, whatever it writes (a thread, a letter, a product
//! description, an assistant reply): the JSON-lines channel to the page, reading the provider
//! until the answer ends, fails or the page goes away, and the answer's `ai_requests` row.

use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use serde::Serialize;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{AiError, Chunk, ChunkStream, Provider, Usage, request_log};
use crate::error::AppError;

/// The page's side of a streamed answer: one JSON event per line.
pub struct Lines {
    tx: mpsc::Sender<Result<String, AppError>>,
}

impl Lines {
    /// The sender, and the response body a server function returns. `buffer` lines wait for
    /// a slow reader; the provider is not read further until there is room.
    pub fn open(buffer: usize) -> (Self, TextStream<AppError>) {
        let (tx, rx) = mpsc::channel(buffer);
        // Fused: the response body is polled once more after its end, which `unfold` forbids
        // (it panicked and cut every stream before its last line).
        let body =
            TextStream::new(futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|line| (line, rx))
            })));
        (Self { tx }, body)
    }

    /// False when the page has gone (cancelled, stopped or closed).
    pub async fn send(&self, event: &impl Serialize) -> bool {
        let Ok(mut line) = serde_json::to_string(event) else { return false };
        line.push('\n');
        self.tx.send(Ok(line)).await.is_ok()
    }

    /// Ends the response with an error (the page shows the server's message).
    pub async fn fail(&self, error: AppError) {
        let _ = self.tx.send(Err(error)).await;
    }

    async fn closed(&self) {
        self.tx.closed().await;
    }
}

/// Who asked, as the request log stores it: a member, or a salted hash of a visitor's IP.
#[derive(Clone, Debug, Default)]
pub struct Requester {
    pub user_id: Option<Uuid>,
    pub anon_ip_hash: Option<String>,
}

impl Requester {
    pub fn member(id: Uuid) -> Self {
        Self { user_id: Some(id), anon_ip_hash: None }
    }
}

/// One answer being read from the provider: what happened to it, and its request-log row.
pub struct Run {
    db: PgPool,
    record: request_log::NewRequest,
    started: Instant,
    first_token: Option<Duration>,
    usage: Option<Usage>,
    failure: Option<AiError>,
    cancelled: bool,
}

/// The provider answered with no usable text.
static EMPTY: AiError = AiError::BadResponse { detail: String::new() };

impl Run {
    /// Starts the clock; call it just before asking the provider.
    pub fn start(db: &PgPool, kind: &'static str, provider: &dyn Provider, who: Requester) -> Self {
        Self {
            db: db.clone(),
            record: request_log::NewRequest {
                user_id: who.user_id,
                anon_ip_hash: who.anon_ip_hash,
                kind,
                provider: provider.name().as_str().to_string(),
                model: provider.model().to_string(),
                ..Default::default()
            },
            started: Instant::now(),
            first_token: None,
            usage: None,
            failure: None,
            cancelled: false,
        }
    }

    /// The next piece of text; `None` once the answer ended, failed or the page went away
    /// ([`Run::failure`] and [`Run::cancelled`] say which).
    pub async fn next_text(&mut self, stream: &mut ChunkStream, page: &Lines) -> Option<String> {
        if self.cancelled || self.failure.is_some() {
            return None;
        }
        loop {
            let next = tokio::select! {
                _ = page.closed() => { self.cancelled = true; return None; }
                next = stream.next() => next,
            };
            match next {
                None => return None,
                Some(Ok(Chunk::Text(text))) => {
                    self.first_token.get_or_insert_with(|| self.started.elapsed());
                    return Some(text);
                }
                Some(Ok(Chunk::Usage(u))) => self.usage = Some(u),
                Some(Err(e)) => {
                    self.failure = Some(e);
                    return None;
                }
            }
        }
    }

    /// The page went away while we were sending to it.
    pub fn cancel(&mut self) {
        self.cancelled = true;
    }

    pub fn cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn failure(&self) -> Option<&AiError> {
        self.failure.as_ref()
    }

    /// Writes the `ai_requests` row; `produced` says whether usable text came out (an answer
    /// that ended normally with none is logged as a bad response). Returns the row id.
    pub async fn log(&self, produced: bool) -> Option<Uuid> {
        let outcome = match (&self.failure, self.cancelled) {
            (Some(e), _) => Err(e),
            (None, true) => Err(&AiError::Cancelled),
            (None, false) if !produced => Err(&EMPTY),
            _ => Ok(()),
        };
        self.write(outcome).await
    }

    /// Writes the row of a request the provider refused before any text.
    pub async fn log_refused(&self, error: &AiError) {
        self.write(Err(error)).await;
    }

    async fn write(&self, outcome: Result<(), &AiError>) -> Option<Uuid> {
        let mut record = self.record.clone();
        record.latency = self.started.elapsed();
        record.time_to_first_token = self.first_token;
        if let Some(u) = self.usage {
            record.input_tokens = u.input_tokens;
            record.output_tokens = u.output_tokens;
            record.tokens_estimated = u.estimated;
        }
        (record.outcome, record.error_class) = match outcome {
            Ok(()) => (request_log::Outcome::Ok, None),
            Err(AiError::Cancelled) => (request_log::Outcome::Cancelled, Some("cancelled")),
            Err(e) => (request_log::Outcome::Failed, Some(e.class())),
        };
        match request_log::record(&self.db, &record).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "writing the AI request log failed");
                None
            }
        }
    }
}
