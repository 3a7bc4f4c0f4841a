//! One generation, start to finish: limits reserved first, the link imported, the provider
//! streamed, every post held to X's limit by the server, the request logged, the member's
//! thread saved — and the reservation given back when nothing came out.

use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use super::model::{GenerationEvent, SOURCE_MAX_CHARS, Source, ThreadRequest, ValidPosts};
use super::{db, packer};
use crate::error::AppError;
use crate::features::ai::{self, AiError, Chunk, PostSplitter, Prompt, Provider, ThreadTask, request_log};
use crate::features::quotas::{self, Caller, Reservation};
use crate::server::{error::internal, state::AppState};

/// Lines waiting for a slow reader; the provider is not read further until there is room.
const BUFFER: usize = 32;

pub async fn start(state: AppState, request: ThreadRequest) -> Result<TextStream<AppError>, AppError> {
    let caller = quotas::caller(&state).await?;
    let reservation = quotas::reserve(&state.db, &caller.subject, caller.plan, state.clock.now(), true).await?;
    let (text, source) = match &request.source {
        Source::Text(text) => (text.clone(), None),
        Source::Url(url) => match state.importer.fetch_article(url).await {
            Ok(article) => {
                let text: String = article.text.chars().take(SOURCE_MAX_CHARS).collect();
                (text, Some(GenerationEvent::Source { url: article.url, title: article.title }))
            }
            Err(e) => {
                quotas::release(&state.db, &reservation).await?;
                tracing::info!(class = e.class(), "url import refused");
                return Err(AppError::invalid(e.to_string()));
            }
        },
    };
    let provider = state.ai.clone();
    let started = Instant::now();
    let stream = match provider.stream(prompt(text, &request)).await {
        Ok(stream) => stream,
        Err(e) => {
            quotas::release(&state.db, &reservation).await?;
            let log = Log::new(&state, &caller, provider.as_ref(), started);
            log.finish(None, None, Err(&e)).await;
            return Err(unavailable(&e));
        }
    };
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(run(state, caller, reservation, request, source, stream, tx, started));
    // Fused: the response body is polled once more after its end, which `unfold` forbids
    // (it panicked and cut every stream before its last line).
    Ok(TextStream::new(futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    }))))
}

#[allow(clippy::too_many_arguments)]
async fn run(
    state: AppState,
    caller: Caller,
    reservation: Reservation,
    request: ThreadRequest,
    source: Option<GenerationEvent>,
    mut stream: ai::ChunkStream,
    tx: mpsc::Sender<Result<String, AppError>>,
    started: Instant,
) {
    let provider = state.ai.clone();
    let log = Log::new(&state, &caller, provider.as_ref(), started);
    let mut out = Output { tx, posts: Vec::new(), numbering: request.numbering };
    let mut splitter = PostSplitter::new();
    let mut first_token = None;
    let mut usage = None;
    let mut failure: Option<AiError> = None;
    let mut cancelled = false;
    if let Some(event) = source {
        cancelled = !out.send(&event).await;
    }
    while !cancelled {
        let next = tokio::select! {
            _ = out.tx.closed() => { cancelled = true; break; }
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Ok(Chunk::Text(text))) => {
                first_token.get_or_insert_with(|| started.elapsed());
                for post in splitter.push(&text) {
                    if !out.post(post).await {
                        cancelled = true;
                        break;
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
    if !cancelled
        && failure.is_none()
        && let Some(post) = splitter.finish()
        && !out.post(post).await
    {
        cancelled = true;
    }
    let produced = !out.posts.is_empty();
    if !produced {
        // Nothing came out (failed, cancelled or empty): the generation does not count.
        if let Err(e) = quotas::release(&state.db, &reservation).await {
            tracing::error!(error = %e, "releasing a quota reservation failed");
        }
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
            if produced { format!("{} The posts above are kept.", unavailable(e)) } else { unavailable(e).to_string() };
        out.send(&GenerationEvent::Error { message }).await;
        return;
    }
    if !produced {
        let message = "The AI returned nothing for this text. Nothing was counted; please try again.".to_string();
        out.send(&GenerationEvent::Error { message }).await;
        return;
    }
    let thread_id = match &caller.member {
        Some(member) => match ValidPosts::parse(out.posts.clone(), request.numbering) {
            Ok(posts) => {
                let url = match &request.source {
                    Source::Url(u) => Some(u.as_str()),
                    Source::Text(_) => None,
                };
                match db::create(&state.db, member, &posts, request.numbering, None, url).await {
                    Ok(doc) => Some(doc.id),
                    Err(e) => {
                        internal("saving a generated thread", e);
                        None
                    }
                }
            }
            Err(reason) => {
                tracing::error!(reason, "generated posts failed validation");
                None
            }
        },
        None => None,
    };
    let usage_left = quotas::summary(&state.db, &caller.subject, caller.plan, state.clock.now()).await;
    match usage_left {
        Ok(usage) => {
            out.send(&GenerationEvent::Done { thread_id, usage }).await;
        }
        Err(e) => {
            let _ = out.tx.send(Err(e)).await;
        }
    }
}

/// The page's side of the stream, and the posts sent so far.
struct Output {
    tx: mpsc::Sender<Result<String, AppError>>,
    posts: Vec<String>,
    numbering: packer::Numbering,
}

impl Output {
    /// False when the page has gone (cancelled or closed).
    async fn send(&self, event: &GenerationEvent) -> bool {
        let Ok(mut line) = serde_json::to_string(event) else { return false };
        line.push('\n');
        self.tx.send(Ok(line)).await.is_ok()
    }

    /// Sends a post from the provider, split first if it would not fit once numbered. Until
    /// the total is known, room is kept for the widest numbering ("99/99 ").
    async fn post(&mut self, text: String) -> bool {
        for post in packer::repack_for_stream(vec![text], self.numbering) {
            let index = self.posts.len();
            self.posts.push(post.clone());
            if !self.send(&GenerationEvent::Post { index, text: post }).await {
                return false;
            }
        }
        true
    }
}

/// The row in `ai_requests` for this generation.
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
                kind: "thread",
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

/// The provider answered with no text at all.
static EMPTY: AiError = AiError::BadResponse { detail: String::new() };

fn prompt(source: String, request: &ThreadRequest) -> Prompt {
    Prompt::thread(ThreadTask {
        source,
        tone: request.tone.as_str().to_string(),
        posts: request.posts,
        numbering: request.numbering.as_str().to_string(),
    })
}

/// What the page says when the provider failed; nothing was counted.
fn unavailable(e: &AiError) -> AppError {
    AppError::Dependency { message: format!("{e} Nothing was counted.") }
}
