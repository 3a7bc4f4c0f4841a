mod conversation;
mod list;
mod live;

pub use conversation::ConversationPage;
pub use list::{MessageButton, MessagesBadge, MessagesPage};
pub use live::{Link, Live, LiveMessages, use_live};
