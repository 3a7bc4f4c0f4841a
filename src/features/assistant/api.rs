//! Server functions of the assistant. Members only: conversations are kept in their account,
//! and each message is one AI request under the hourly limit of their plan.

use leptos::prelude::*;
use leptos::server_fn::codec::{StreamingText, TextStream};
use uuid::Uuid;

use super::model::{Conversation, ConversationSummary};
use crate::error::AppError;

/// Sends a message (in `conversation`, or in a new one when it is `None`), or with
/// `retry` asks the conversation's last question again. The reply streams one JSON
/// [`ChatEvent`](super::model::ChatEvent) per line. Over the hourly AI limit the answer is 429
/// with `Retry-After` and a message saying when the limit resets.
#[server(prefix = "/api", endpoint = "assistant/send", output = StreamingText)]
pub async fn assistant_send(
    conversation: Option<Uuid>,
    message: String,
    retry: bool,
) -> Result<TextStream<AppError>, AppError> {
    use super::chat::{self, Ask};
    let me = crate::features::accounts::session::require_user().await?;
    let ask = match (retry, conversation) {
        (true, Some(conversation)) => Ask::Retry { conversation },
        (true, None) => return Err(AppError::invalid("Choose the conversation to ask again.")),
        (false, conversation) => {
            Ask::Message { conversation, text: super::model::parse_message(&message).map_err(AppError::invalid)? }
        }
    };
    let state = crate::server::state::app_state()?;
    chat::start(state, me, ask).await
}

#[server(prefix = "/api", endpoint = "assistant/conversations")]
pub async fn list_conversations() -> Result<Vec<ConversationSummary>, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::db::list(&state.db, &me).await?)
}

#[server(prefix = "/api", endpoint = "assistant/conversation")]
pub async fn get_conversation(id: Uuid) -> Result<Conversation, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::db::get(&state.db, &me, id).await?.ok_or(AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "assistant/rename")]
pub async fn rename_conversation(id: Uuid, title: String) -> Result<ConversationSummary, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let title = super::model::parse_title(&title).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::db::rename(&state.db, &me, id, &title).await?.ok_or(AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "assistant/delete")]
pub async fn delete_conversation(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    if super::db::delete(&state.db, &me, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}
