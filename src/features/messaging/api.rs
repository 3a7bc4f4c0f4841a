//! Messaging's server functions; each starts with the member guard, and each names the member
//! in its query, so another member's conversation or message is 404.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{ConversationSummary, ConversationView, LiveStart, MessageView};
use crate::error::AppError;

/// Opens (or reopens) the conversation about a product with its seller, or about an order
/// with its other party. Returns its id.
#[server(prefix = "/api", endpoint = "messages/start")]
pub async fn start_conversation(
    #[server(default)] product: Option<Uuid>,
    #[server(default)] order: Option<String>,
) -> Result<Uuid, AppError> {
    use super::conversations::{About, start};
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let about = match (product, order) {
        (Some(product), None) => About::Product(product),
        (None, Some(order)) => About::Order(order),
        _ => return Err(AppError::invalid("Say which product or which order the conversation is about.")),
    };
    let id = start(&state, member.user().id, about).await?;
    // A form posted without JavaScript lands on the conversation.
    leptos_axum::redirect(&format!("/messages/{id}"));
    Ok(id)
}

#[server(prefix = "/api", endpoint = "messages/list")]
pub async fn get_conversations() -> Result<Vec<ConversationSummary>, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::conversations::list(&state.db, member.user().id).await
}

/// A conversation with its newest messages, or the ones before `before`.
#[server(prefix = "/api", endpoint = "messages/conversation")]
pub async fn get_conversation(id: Uuid, #[server(default)] before: Option<i64>) -> Result<ConversationView, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::conversations::view(&state, member.user().id, id, before).await
}

#[server(prefix = "/api", endpoint = "messages/send")]
pub async fn send_message(conversation: Uuid, text: String) -> Result<MessageView, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let text = super::model::MessageText::parse(&text).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::conversations::send(&state, member.user().id, conversation, &text).await
}

#[server(prefix = "/api", endpoint = "messages/edit")]
pub async fn edit_message(id: i64, text: String) -> Result<MessageView, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let text = super::model::MessageText::parse(&text).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::conversations::edit(&state, member.user().id, id, &text).await
}

#[server(prefix = "/api", endpoint = "messages/delete")]
pub async fn delete_message(id: i64) -> Result<MessageView, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::conversations::delete(&state, member.user().id, id).await
}

/// Everything up to message `through` of the conversation is read.
#[server(prefix = "/api", endpoint = "messages/read")]
pub async fn mark_read(conversation: Uuid, through: i64) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::conversations::mark_read(&state, member.user().id, conversation, through).await
}

/// The member is typing in the conversation (the other side shows it for a few seconds).
#[server(prefix = "/api", endpoint = "messages/typing")]
pub async fn typing(conversation: Uuid) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let me = member.user().id;
    let seat = super::conversations::seat(&state.db, me, conversation).await?;
    Ok(super::live::typing(&state.db, conversation, [me, seat.other], me).await?)
}

/// For a member's pages: how many messages they have not read, and the newest event id (their
/// live stream starts after it). `None` for visitors.
#[server(prefix = "/api", endpoint = "messages/live-start")]
pub async fn get_live_start() -> Result<Option<LiveStart>, AppError> {
    let state = crate::server::state::app_state()?;
    let Some(member) = crate::features::accounts::session::current_member().await? else { return Ok(None) };
    let me = member.user().id;
    Ok(Some(LiveStart {
        unread: super::conversations::unread_total(&state.db, me).await?,
        last_event: super::conversations::last_event(&state.db).await?,
    }))
}

/// Blocks (`blocked`) or unblocks the other member of the conversation.
#[server(prefix = "/api", endpoint = "messages/block")]
pub async fn set_blocked(conversation: Uuid, blocked: bool) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::blocks::set(&state, member.user().id, conversation, blocked).await
}

#[server(prefix = "/api", endpoint = "messages/report")]
pub async fn report_message(message: i64, reason: String) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::blocks::report(&state, member.user().id, message, &reason).await
}

/// Whether the member gets an email about messages left unread for 10 minutes.
#[server(prefix = "/api", endpoint = "messages/email-notices")]
pub async fn get_message_emails() -> Result<bool, AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::notices::enabled(&state, member.user().id).await?)
}

#[server(prefix = "/api", endpoint = "messages/set-email-notices")]
pub async fn set_message_emails(on: bool) -> Result<(), AppError> {
    let member = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::notices::set_enabled(&state, member.user().id, on).await?)
}
