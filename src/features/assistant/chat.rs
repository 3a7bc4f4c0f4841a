//! One message to the assistant, start to finish: the hourly AI limit reserved first, the
//! question stored, the history trimmed, the reply streamed to the page and stored as it
//! ended (complete, stopped or failed), the request logged — and the reservation given back
//! when nothing came out.

use leptos::server_fn::codec::TextStream;
use uuid::Uuid;

use super::db;
use super::model::{ChatEvent, ChatMessage, MessageStatus, Speaker, title_from};
use super::prompt;
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::ai::{self, AiError, Lines, Requester, Role, Run, Turn};
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
    let run = Run::start(&state.db, "assistant", provider.as_ref(), Requester::member(me.id));
    let opened = provider.stream(prompt::build(turns(history), text)).await;
    let (page, body) = Lines::open(BUFFER);
    page.send(&ChatEvent::Started { conversation_id: conversation.id, title: conversation.title }).await;
    tokio::spawn(reply(state, reservation, conversation.id, opened, run, page));
    Ok(body)
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

async fn reply(
    state: AppState,
    reservation: Reservation,
    conversation: Uuid,
    opened: Result<ai::ChunkStream, AiError>,
    mut run: Run,
    page: Lines,
) {
    let mut stream = match opened {
        Ok(stream) => stream,
        Err(e) => {
            release(&state, &reservation).await;
            run.log_refused(&e).await;
            page.send(&ChatEvent::Error { message: unavailable(&e), kept: false }).await;
            return;
        }
    };
    let mut reply = String::new();
    while let Some(text) = run.next_text(&mut stream, &page).await {
        reply.push_str(&text);
        if !page.send(&ChatEvent::Text { text }).await {
            run.cancel();
            break;
        }
    }
    // Closes the connection to the provider: a stopped reply costs no more.
    drop(stream);
    let produced = !reply.trim().is_empty();
    if !produced {
        // Nothing came out (failed, stopped or empty): the request does not count.
        release(&state, &reservation).await;
    }
    let request_id = run.log(produced).await;
    let status = match (run.failure(), run.cancelled()) {
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
    if run.cancelled() {
        return;
    }
    let event = match (run.failure(), stored) {
        (Some(e), _) => ChatEvent::Error {
            message: if produced { format!("{e} The part of the reply above is kept.") } else { unavailable(e) },
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
    page.send(&event).await;
}

async fn release(state: &AppState, reservation: &Reservation) {
    if let Err(e) = quotas::release(&state.db, reservation).await {
        tracing::error!(error = %e, "releasing a quota reservation failed");
    }
}

/// What the page says when the provider failed.
fn unavailable(e: &AiError) -> String {
    format!("{e} Nothing was counted.")
}
