//! The assistant (`/assistant`): members' conversations with the configured AI, replies
//! streamed and rendered as safe Markdown, each message one AI request under the hourly
//! limit, long conversations trimmed to a context budget.

mod api;
pub mod markdown;
pub mod model;
mod pages;

#[cfg(feature = "ssr")]
mod chat;
#[cfg(feature = "ssr")]
mod db;
#[cfg(feature = "ssr")]
pub mod prompt;
#[cfg(feature = "ssr")]
pub mod trim;

pub use api::{
    AssistantSend, DeleteConversation, GetConversation, ListConversations, RenameConversation, assistant_send,
    delete_conversation, get_conversation, list_conversations, rename_conversation,
};
pub use pages::AssistantPage;

/// The offline provider's reply: no AI is configured, here is what works without one.
#[cfg(feature = "ssr")]
pub fn write_offline(task: &crate::features::ai::ChatTask) -> Vec<String> {
    prompt::write_offline(task)
}
