//! The assistant's pages: `/assistant` (a new conversation) and `/assistant/:id`.

mod assistant_page;
mod chat_panel;
mod composer;
mod conversation_list;
mod message_view;
mod stream;

pub use assistant_page::AssistantPage;
