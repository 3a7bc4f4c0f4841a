//! One message to the assistant, start to finish: the hourly AI limit reserved first, the
//! question stored, the history trimmed, the reply streamed to the page and stored as it
//! ended (complete, stopped or failed), the request logged — and the reservation given back
//! when nothing came out.

use futures_util::StreamExt;
use leptos::server_fn::codec::TextStream;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::db;
use super::model::{ChatEvent, ChatMessage, MessageStatus, Speaker, title_from};
use super::prompt;
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::ai::{self, AiError, Chunk, Provider, Role, Turn, request_log};
use crate::features::quotas::{self, Reservation, Subject};
use crate::server::state::AppState;

/// Lines waiting for a slow reader; the provider is not read further until there is room.
const BUFFER: usize = 64;

/// What the person asked for.
pub enum Ask {
    /// A new message, in an existing conversation or (without one) a new one.
    Message { conversation: Option<Uuid>, text: String },
    /// The last question of a conversation again (its replies are replaced).
    Retry { conversation: Uuid },
}

pub async fn start(state: AppState, me: Member, ask: Ask) -> Result<TextStream<AppError>, AppError> {
    let existing = match &ask {
        Ask::Message { conversation: Some(id), .. } | Ask::Retry { conversation: id } => {
            Some(db::find(&state.db, &me, *id).await?.ok_or(AppError::NotFound)?)
        }
        Ask::Message { conversation: None, .. } => None,
    };
    let now = state.clock.now();
    let plan = quotas::entitlement(&state.db, me.id, now).await?;
    let subject = Subject::User(me.id);
    // An AI request, not a generation: the hourly limit only.
    let reservation = quotas::reserve(&state.db, &subject, plan, now, false).await?;
    let prepared = match ask {
        Ask::Message { text, .. } => {
            async {
                let conversation = match existing {
                    Some(c) => c,
                    None => db::create(&state.db, &me, &title_from(&text)).await?,
                };
                let history = db::messages(&state.db, conversation.id).await?;
                db::add_message(&state.db, conversation.id, Speaker::User, &text, MessageStatus::Complete, None)
                    .await?;
                Ok::<_, AppError>((conversation, history, text))
            }
            .await
        }
        Ask::Retry { .. } => {
            async {
                let conversation = existing.ok_or(AppError::NotFound)?;
                let text = db::reopen_last_question(&state.db, conversation.id)
                    .await?
                    .ok_or_else(|| AppError::invalid("There is no question to ask again in this conversation."))?;
                let mut history = db::messages(&state.db, conversation.id).await?;
                history.pop();
                Ok((conversation, history, text))
            }
            .await
        }
    };
    let (conversation, history, text) = match prepared {
        Ok(p) => p,
        Err(e) => {
            release(&state, &reservation).await;
            return Err(e);
        }
    };
    let provider = state.assistant.clone();
    let started = Instant::now();
    let opened = provider.stream(prompt::build(turns(history), text)).await;
    let (tx, rx) = mpsc::channel(BUFFER);
    let out = Output { tx };
    out.send(&ChatEvent::Started { conversation_id: conversation.id, title: conversation.title }).await;
    tokio::spawn(run(state, me, reservation, conversation.id, opened, out, started));
    // Fused: the response body is polled once more after its end, which `unfold` forbids.
    Ok(TextStream::new(futures_util::StreamExt::fuse(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    }))))
}

/// The stored messages as the model's history: failed replies are left out.
fn turns(messages: Vec<ChatMessage>) -> Vec<Turn> {
    messages
        .into_iter()
        .filter(|m| m.status != MessageStatus::Failed)
        .map(|m| Turn {
            role: match m.role {
                Speaker::User => Role::User,
                Speaker::Assistant => Role::Assistant,
            },
            text: m.content,
        })
        .collect()
}

async fn run(
    state: AppState,
    me: Member,
    reservation: Reservation,
    conversation: Uuid,
    opened: Result<ai::ChunkStream, AiError>,
    out: Output,
    started: Instant,
) {
    let provider = state.assistant.clone();
    let log = Log::new(&state, &me, provider.as_ref(), started);
    let mut stream = match opened {
        Ok(stream) => stream,
        Err(e) => {
            release(&state, &reservation).await;
            log.finish(None, None, Err(&e)).await;
            out.send(&ChatEvent::Error { message: unavailable(&e), kept: false }).await;
            return;
        }
    };
    let mut reply = String::new();
    let mut first_token = None;
    let mut usage = None;
    let mut failure: Option<AiError> = None;
    let mut cancelled = false;
    loop {
        let next = tokio::select! {
            _ = out.tx.closed() => { cancelled = true; break; }
            next = stream.next() => next,
        };
        match next {
            None => break,
            Some(Ok(Chunk::Text(text))) => {
                first_token.get_or_insert_with(|| started.elapsed());
                reply.push_str(&text);
                if !out.send(&ChatEvent::Text { text }).await {
                    cancelled = true;
                    break;
                }
            }
            Some(Ok(Chunk::Usage(u))) => usage = Some(u),
            Some(Err(e)) => {
                failure = Some(e);
                break;
            }
        }
    }
    // Closes the connection to the provider: a stopped reply costs no more.
    drop(stream);
    let produced = !reply.trim().is_empty();
    if !produced {
        // Nothing came out (failed, stopped or empty): the request does not count.
        release(&state, &reservation).await;
    }
    let outcome = match (&failure, cancelled) {
        (Some(e), _) => Err(e),
        (None, true) => Err(&AiError::Cancelled),
        (None, false) if !produced => Err(&EMPTY),
        _ => Ok(()),
    };
    let request_id = log.finish(usage, first_token, outcome).await;
    let status = match (&failure, cancelled) {
        (Some(_), _) => MessageStatus::Failed,
        (None, true) => MessageStatus::Stopped,
        (None, false) => MessageStatus::Complete,
    };
    let stored = if produced {
        match db::add_message(&state.db, conversation, Speaker::Assistant, &reply, status, request_id).await {
            Ok(id) => Some(id),
            Err(e) => {
                crate::server::error::internal("storing an assistant reply", e);
                None
            }
        }
    } else {
        None
    };
    if cancelled {
        return;
    }
    let event = match (failure, stored) {
        (Some(e), _) => ChatEvent::Error {
            message: if produced { format!("{e} The part of the reply above is kept.") } else { unavailable(&e) },
            kept: produced,
        },
        (None, Some(message_id)) => ChatEvent::Done { message_id },
        (None, None) if produced => ChatEvent::Error {
            message: "The reply could not be saved. Copy it now if you need it.".into(),
            kept: false,
        },
        (None, None) => ChatEvent::Error {
            message: "The AI returned nothing for this message. Nothing was counted; please try again.".into(),
            kept: false,
        },
    };
    out.send(&event).await;
}

async fn release(state: &AppState, reservation: &Reservation) {
    if let Err(e) = quotas::release(&state.db, reservation).await {
        tracing::error!(error = %e, "releasing a quota reservation failed");
    }
}

/// The page's side of the stream.
struct Output {
    tx: mpsc::Sender<Result<String, AppError>>,
}

impl Output {
    /// False when the page has gone (stopped or closed).
    async fn send(&self, event: &ChatEvent) -> bool {
        let Ok(mut line) = serde_json::to_string(event) else { return false };
        line.push('\n');
        self.tx.send(Ok(line)).await.is_ok()
    }
}

/// The row in `ai_requests` for this message.
struct Log {
    state: AppState,
    record: request_log::NewRequest,
    started: Instant,
}

impl Log {
    fn new(state: &AppState, me: &Member, provider: &dyn Provider, started: Instant) -> Self {
        Self {
            state: state.clone(),
            record: request_log::NewRequest {
                user_id: Some(me.id),
                kind: "assistant",
                provider: provider.name().as_str().to_string(),
                model: provider.model().to_string(),
                ..Default::default()
            },
            started,
        }
    }

    async fn finish(
        mut self,
        usage: Option<ai::Usage>,
        first_token: Option<Duration>,
        outcome: Result<(), &AiError>,
    ) -> Option<Uuid> {
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
        match request_log::record(&self.state.db, &self.record).await {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::error!(error = %e, "writing the AI request log failed");
                None
            }
        }
    }
}

/// The provider answered with no text at all.
static EMPTY: AiError = AiError::BadResponse { detail: String::new() };

/// What the page says when the provider failed.
fn unavailable(e: &AiError) -> String {
    format!("{e} Nothing was counted.")
}
