//! The assistant as the page and the server share it: conversations, messages, the streamed
//! reply's events, and the rules for what a person may send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A message to the assistant (characters): about 2,000 tokens, so one message never fills
/// the context budget on its own.
pub const MESSAGE_MAX_CHARS: usize = 8_000;
/// A conversation's title (characters).
pub const TITLE_MAX_CHARS: usize = 100;
/// Conversations the sidebar lists (the most recently used).
pub const LIST_LIMIT: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    User,
    Assistant,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "assistant" => Some(Self::Assistant),
            _ => None,
        }
    }
}

/// How a reply ended. A person's own message is always `Complete`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    #[default]
    Complete,
    /// The person pressed Stop; what had arrived is kept.
    Stopped,
    /// The provider failed part-way; what had arrived is kept.
    Failed,
}

impl MessageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Stopped => "stopped",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "stopped" => Self::Stopped,
            "failed" => Self::Failed,
            _ => Self::Complete,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub title: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: Uuid,
    pub role: Speaker,
    pub content: String,
    pub status: MessageStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    pub id: Uuid,
    pub title: String,
    pub messages: Vec<ChatMessage>,
}

/// One line of the streamed reply (JSON, tagged by `type`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// First: where the message was stored (a new conversation gets its id and title here).
    Started { conversation_id: Uuid, title: String },
    /// The next piece of the reply.
    Text { text: String },
    /// The reply is complete and stored.
    Done { message_id: Uuid },
    /// The provider failed; `kept` says whether a partial reply was stored.
    Error { message: String, kept: bool },
}

/// A message as typed: trimmed, not empty, not too long.
pub fn parse_message(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    match text.chars().count() {
        0 => Err("Write a message first.".into()),
        n if n > MESSAGE_MAX_CHARS => {
            Err(format!("The message is {n} characters; the limit is {MESSAGE_MAX_CHARS}. Shorten it and send again."))
        }
        _ => Ok(text.to_string()),
    }
}

/// A title the member typed: spaces collapsed, 1–100 characters.
pub fn parse_title(raw: &str) -> Result<String, String> {
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match title.chars().count() {
        0 => Err("The title cannot be empty.".into()),
        n if n > TITLE_MAX_CHARS => Err(format!("The title is {n} characters; the limit is {TITLE_MAX_CHARS}.")),
        _ => Ok(title),
    }
}

/// A new conversation's title: the first words of its first message (at most 60 characters).
pub fn title_from(message: &str) -> String {
    let mut title = String::new();
    for word in message.split_whitespace() {
        if title.chars().count() + word.chars().count() + 1 > 60 {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    if title.is_empty() {
        title = message.trim().chars().take(60).collect();
    }
    if title.trim().is_empty() { "New conversation".to_string() } else { title }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_trimmed_and_limited() {
        assert_eq!(parse_message("  Hi  ").unwrap(), "Hi");
        assert_eq!(parse_message(" \n ").unwrap_err(), "Write a message first.");
        let long = "a".repeat(MESSAGE_MAX_CHARS + 1);
        assert!(parse_message(&long).unwrap_err().contains("8001 characters"));
        assert!(parse_message(&"a".repeat(MESSAGE_MAX_CHARS)).is_ok());
    }

    #[test]
    fn titles() {
        assert_eq!(parse_title("  My   plan ").unwrap(), "My plan");
        assert!(parse_title("   ").is_err());
        assert!(parse_title(&"x".repeat(101)).is_err());
        assert_eq!(title_from("Help me write a refund letter please"), "Help me write a refund letter please");
        assert!(title_from(&"word ".repeat(40)).chars().count() <= 60);
        assert_eq!(title_from(&"x".repeat(80)).chars().count(), 60);
    }

    #[test]
    fn events_are_tagged_json_lines() {
        let e = ChatEvent::Text { text: "Hi".into() };
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"type":"text","text":"Hi"}"#);
        let back: ChatEvent = serde_json::from_str(r#"{"type":"error","message":"x","kept":true}"#).unwrap();
        assert_eq!(back, ChatEvent::Error { message: "x".into(), kept: true });
    }
}
