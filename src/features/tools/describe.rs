//! One product description, start to finish: limits reserved first, the provider streamed and
//! read line by line into title, paragraphs and bullets, the request logged, a member's result
//! saved — and the reservation given back when nothing came out.

use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use super::db;
use super::format::DescriptionParser;
use super::model::{DescriptionEvent, DescriptionRequest};
use crate::error::AppError;
use crate::features::ai::{self, AiError, Chunk, DescriptionTask, Prompt, Provider, request_log};
use crate::features::quotas::{self, Caller, Reservation};
use crate::server::{error::internal, state::AppState};

/// Lines waiting for a slow reader; the provider is not read further until there is room.
const BUFFER: usize = 32;

pub async fn start(state: AppState, request: DescriptionRequest) -> Result<TextStream<AppError>, AppError> {
    let caller = quotas::caller(&state).await?;
    let reservation = quotas::reserve(&state.db, &caller.subject, caller.plan, state.clock.now(), true).await?;
    let provider = state.ai.clone();
    let started = Instant::now();
    let stream = match provider.stream(prompt(&request)).await {
        Ok(stream) => stream,
        Err(e) => {
            quotas::release(&state.db, &reservation).await?;
            Log::new(&state, &caller, provider.as_ref(), started).finish(None, None, Err(&e)).await;
            return Err(unavailable(&e));
        }
    };
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(run(state, caller, reservation, request, stream, tx, started));
    // Fused: the response body is polled once more after its end, which `unfold` forbids.
    Ok(TextStream::new(futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    }))))
}

async fn run(
    state: AppState,
    caller: Caller,
    reservation: Reservation,
    request: DescriptionRequest,
    mut stream: ai::ChunkStream,
    tx: mpsc::Sender<Result<String, AppError>>,
    started: Instant,
) {
    let log = Log::new(&state, &caller, state.ai.as_ref(), started);
    let out = Output { tx };
    let mut parser = DescriptionParser::default();
    let mut first_token = None;
    let mut usage = None;
    let mut failure: Option<AiError> = None;
    let mut cancelled = false;
    'read: loop {
        let next = tokio::select! {
            _ = out.tx.closed() => { cancelled = true; break; }
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Ok(Chunk::Text(text))) => {
                first_token.get_or_insert_with(|| started.elapsed());
                for event in parser.push(&text) {
                    if !out.send(&event).await {
                        cancelled = true;
                        break 'read;
                    }
                }
            }
            Some(Ok(Chunk::Usage(u))) => usage = Some(u),
            Some(Err(e)) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(stream);
    if !cancelled && failure.is_none() {
        for event in parser.finish() {
            if !out.send(&event).await {
                cancelled = true;
                break;
            }
        }
    }
    let produced = parser.produced();
    if !produced && let Err(e) = quotas::release(&state.db, &reservation).await {
        tracing::error!(error = %e, "releasing a quota reservation failed");
    }
    let outcome = match (&failure, cancelled) {
        (Some(e), _) => Err(e),
        (None, true) => Err(&AiError::Cancelled),
        (None, false) if !produced => Err(&EMPTY),
        _ => Ok(()),
    };
    log.finish(usage, first_token, outcome).await;
    if cancelled {
        return;
    }
    if let Some(e) = &failure {
        let message =
            if produced { format!("{} The parts above are kept.", unavailable(e)) } else { unavailable(e).to_string() };
        out.send(&DescriptionEvent::Error { message }).await;
        return;
    }
    if !produced {
        let message = "The AI returned no description. Nothing was counted; please try again.".to_string();
        out.send(&DescriptionEvent::Error { message }).await;
        return;
    }
    let description_id = match &caller.member {
        Some(member) => {
            match db::save_description(&state.db, member, &request, parser.result(), state.clock.now()).await {
                Ok(id) => Some(id),
                Err(e) => {
                    internal("saving a product description", e);
                    None
                }
            }
        }
        None => None,
    };
    match quotas::summary(&state.db, &caller.subject, caller.plan, state.clock.now()).await {
        Ok(usage) => {
            out.send(&DescriptionEvent::Done { description_id, usage }).await;
        }
        Err(e) => {
            let _ = out.tx.send(Err(e)).await;
        }
    }
}

struct Output {
    tx: mpsc::Sender<Result<String, AppError>>,
}

impl Output {
    /// False when the page has gone (cancelled or closed).
    async fn send(&self, event: &DescriptionEvent) -> bool {
        let Ok(mut line) = serde_json::to_string(event) else { return false };
        line.push('\n');
        self.tx.send(Ok(line)).await.is_ok()
    }
}

/// The row in `ai_requests` for this description.
struct Log {
    state: AppState,
    record: request_log::NewRequest,
    started: Instant,
}

impl Log {
    fn new(state: &AppState, caller: &Caller, provider: &dyn Provider, started: Instant) -> Self {
        let (user_id, anon_ip_hash) = match &caller.subject {
            quotas::Subject::User(id) => (Some(id.to_owned()), None),
            quotas::Subject::Anonymous(hash) => (None, Some(hash.clone())),
        };
        Self {
            state: state.clone(),
            record: request_log::NewRequest {
                user_id,
                anon_ip_hash,
                kind: "description",
                provider: provider.name().as_str().to_string(),
                model: provider.model().to_string(),
                ..Default::default()
            },
            started,
        }
    }

    async fn finish(mut self, usage: Option<ai::Usage>, first_token: Option<Duration>, outcome: Result<(), &AiError>) {
        self.record.latency = self.started.elapsed();
        self.record.time_to_first_token = first_token;
        if let Some(u) = usage {
            self.record.input_tokens = u.input_tokens;
            self.record.output_tokens = u.output_tokens;
            self.record.tokens_estimated = u.estimated;
        }
        (self.record.outcome, self.record.error_class) = match outcome {
            Ok(()) => (request_log::Outcome::Ok, None),
            Err(AiError::Cancelled) => (request_log::Outcome::Cancelled, Some("cancelled")),
            Err(e) => (request_log::Outcome::Failed, Some(e.class())),
        };
        if let Err(e) = request_log::record(&self.state.db, &self.record).await {
            tracing::error!(error = %e, "writing the AI request log failed");
        }
    }
}

/// The provider answered with no usable description.
static EMPTY: AiError = AiError::BadResponse { detail: String::new() };

fn prompt(request: &DescriptionRequest) -> Prompt {
    Prompt::description(DescriptionTask {
        product_name: request.product_name.clone(),
        category: request.category.clone().unwrap_or_default(),
        facts: request.facts.clone(),
        audience: request.audience.clone().unwrap_or_default(),
        tone: request.tone.as_str().to_string(),
        length: request.length.as_str().to_string(),
    })
}

/// What the page says when the provider failed; nothing was counted.
fn unavailable(e: &AiError) -> AppError {
    AppError::Dependency { message: format!("{e} Nothing was counted.") }
}
