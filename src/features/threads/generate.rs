//! One generation, start to finish: limits reserved first, the link imported, the provider
//! streamed, every post held to X's limit by the server, the request logged, the member's
//! thread saved — and the reservation given back when nothing came out.

use leptos::server_fn::codec::TextStream;

use super::model::{GenerationEvent, SOURCE_MAX_CHARS, Source, ThreadRequest, ValidPosts};
use super::{db, packer};
use crate::error::AppError;
use crate::features::ai::{self, AiError, Lines, PostSplitter, Prompt, Run, ThreadTask};
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
    let run = Run::start(&state.db, "thread", provider.as_ref(), caller.subject.requester());
    let stream = match provider.stream(prompt(text, &request)).await {
        Ok(stream) => stream,
        Err(e) => {
            quotas::release(&state.db, &reservation).await?;
            run.log_refused(&e).await;
            return Err(unavailable(&e));
        }
    };
    let (page, body) = Lines::open(BUFFER);
    let out = Output { page, posts: Vec::new(), numbering: request.numbering };
    tokio::spawn(write(state, caller, reservation, request, source, stream, run, out));
    Ok(body)
}

#[allow(clippy::too_many_arguments)]
async fn write(
    state: AppState,
    caller: Caller,
    reservation: Reservation,
    request: ThreadRequest,
    source: Option<GenerationEvent>,
    mut stream: ai::ChunkStream,
    mut run: Run,
    mut out: Output,
) {
    let mut splitter = PostSplitter::new();
    if let Some(event) = source
        && !out.send(&event).await
    {
        run.cancel();
    }
    'read: while let Some(text) = run.next_text(&mut stream, &out.page).await {
        for post in splitter.push(&text) {
            if !out.post(post).await {
                run.cancel();
                break 'read;
            }
        }
    }
    drop(stream);
    if !run.cancelled()
        && run.failure().is_none()
        && let Some(post) = splitter.finish()
        && !out.post(post).await
    {
        run.cancel();
    }
    let produced = !out.posts.is_empty();
    if !produced {
        // Nothing came out (failed, cancelled or empty): the generation does not count.
        if let Err(e) = quotas::release(&state.db, &reservation).await {
            tracing::error!(error = %e, "releasing a quota reservation failed");
        }
    }
    run.log(produced).await;
    if run.cancelled() {
        return;
    }
    if let Some(e) = run.failure() {
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
        Err(e) => out.page.fail(e).await,
    }
}

/// The page's side of the stream, and the posts sent so far.
struct Output {
    page: Lines,
    posts: Vec<String>,
    numbering: packer::Numbering,
}

impl Output {
    /// False when the page has gone (cancelled or closed).
    async fn send(&self, event: &GenerationEvent) -> bool {
        self.page.send(event).await
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
