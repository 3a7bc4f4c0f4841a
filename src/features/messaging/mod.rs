//! Buyer–seller messaging: conversations about a product or an order, delivered live across
//! app instances (PostgreSQL `LISTEN/NOTIFY` with ids only, server-sent events to pages that
//! resume from the last event id they saw), editing within 15 minutes with earlier versions
//! kept, deleting, read state, typing, email notices of unread messages, blocking and reports.
//!
//! Pages: `/messages`, `/messages/{id}`; the header's badge; "Message the seller" on product
//! and order pages. Route: `GET /messages/events` (the live stream).

mod api;
pub mod model;
mod pages;

#[cfg(feature = "ssr")]
pub mod blocks;
#[cfg(feature = "ssr")]
pub mod conversations;
#[cfg(feature = "ssr")]
pub mod live;
#[cfg(feature = "ssr")]
pub mod notices;

pub use api::{
    DeleteMessage, EditMessage, GetConversation, GetConversations, GetLiveStart, GetMessageEmails, MarkRead,
    ReportMessage, SendMessage, SetBlocked, SetMessageEmails, StartConversation, Typing,
};
pub use pages::{ConversationPage, Link, Live, LiveMessages, MessageButton, MessagesBadge, MessagesPage, use_live};

#[cfg(feature = "ssr")]
pub use conversations::moderator_delete;
#[cfg(feature = "ssr")]
pub use live::Hub;

/// The live stream's route.
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new().route("/messages/events", axum::routing::get(live::events_route))
}

/// Messaging's background work: the unread-message emails each minute. (The LISTEN
/// connection starts with the first live page: see [`Hub`].)
#[cfg(feature = "ssr")]
pub fn spawn_background(state: crate::server::state::AppState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if state.db.is_closed() {
                return;
            }
            if let Err(e) = notices::send_due(&state).await {
                tracing::warn!(error = %e, "message notices not sent; trying again in a minute");
            }
        }
    })]
}
