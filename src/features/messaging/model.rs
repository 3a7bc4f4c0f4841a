//! Messaging's types, shared by the server and the browser. A message's text is parsed once
//! into [`MessageText`]: trimmed, not empty, at most [`MAX_CHARS`] characters, plain text.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest message, in characters.
pub const MAX_CHARS: usize = 4_000;
/// How long a message can still be edited.
pub const EDIT_MINUTES: i64 = 15;
/// Messages one member may send per minute.
pub const PER_MINUTE: i64 = 30;

/// A message's text as it is stored: trimmed, 1 to [`MAX_CHARS`] characters. It is shown as
/// text (never as HTML); only http(s) addresses become links.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let text = raw.trim();
        if text.is_empty() {
            return Err("Write something first: a message cannot be empty.");
        }
        if text.chars().count() > MAX_CHARS {
            return Err("A message can be 4,000 characters at most. Split it in two.");
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A piece of a message as shown: text, or an http(s) address shown as a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Link(String),
}

/// Splits a message into text and links. Only `http://` and `https://` addresses are links;
/// `javascript:` and anything else stay text.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let mut out = Vec::new();
    for span in finder.spans(text) {
        let s = span.as_str();
        let is_web = span.kind().is_some() && {
            let lower = s.to_ascii_lowercase();
            lower.starts_with("http://") || lower.starts_with("https://")
        };
        let piece = if is_web { Piece::Link(s.to_string()) } else { Piece::Text(s.to_string()) };
        match (out.last_mut(), piece) {
            (Some(Piece::Text(prev)), Piece::Text(more)) => prev.push_str(&more),
            (_, piece) => out.push(piece),
        }
    }
    out
}

/// What a conversation is about: the card at its top.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The product's title or "Order TH-100001".
    pub title: String,
    /// Where the card links (`/products/{slug}` or the order's page), if it still exists.
    pub href: Option<String>,
    /// The product's thumbnail, if any.
    pub image: Option<String>,
}

/// One row of `/messages`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: Uuid,
    pub other_name: String,
    pub subject: String,
    pub last_text: Option<String>,
    pub last_at: Option<chrono::DateTime<chrono::Utc>>,
    pub unread: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: i64,
    pub conversation: Uuid,
    pub mine: bool,
    pub sender_name: String,
    /// Empty when deleted.
    pub body: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub edited: bool,
    pub deleted: bool,
    /// Whether the sender may still edit it (theirs, not deleted, within 15 minutes).
    pub editable: bool,
}

/// `/messages/{id}`: the card, the other person, the newest messages and read state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    pub id: Uuid,
    /// The member reading it.
    pub me: Uuid,
    pub subject: Subject,
    pub other_name: String,
    /// The other person blocked me, or I blocked them: nothing can be sent.
    pub blocked_by_me: bool,
    pub blocked_by_them: bool,
    /// Oldest first.
    pub messages: Vec<MessageView>,
    /// Older messages exist before the first one shown.
    pub more_before: bool,
    /// The highest message id the other person has read.
    pub their_read_through: i64,
    /// The newest event id when this was read: the live stream resumes after it.
    pub last_event: i64,
}

/// Where a member's live stream starts, and their unread count then.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStart {
    pub unread: i64,
    pub last_event: i64,
}

/// What the live stream sends a member's pages (one server-sent event each).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A message was sent, edited or deleted: its state now.
    Message { event: i64, message: MessageView },
    /// `reader` read everything up to `through` in `conversation`.
    Read { event: i64, conversation: Uuid, reader: Uuid, through: i64 },
    /// The other person is typing (not stored; not resumed).
    Typing { conversation: Uuid, user: Uuid },
}

impl LiveEvent {
    /// The stored event's id (typing has none).
    pub fn id(&self) -> Option<i64> {
        match self {
            LiveEvent::Message { event, .. } | LiveEvent::Read { event, .. } => Some(*event),
            LiveEvent::Typing { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(MessageText::parse("  hello \n").unwrap().as_str(), "hello");
        assert!(MessageText::parse("").is_err());
        assert!(MessageText::parse(" \n\t ").is_err());
        assert!(MessageText::parse(&"é".repeat(4_000)).is_ok());
        assert!(MessageText::parse(&"é".repeat(4_001)).is_err());
    }

    #[test]
    fn only_web_addresses_are_links() {
        assert_eq!(
            pieces("see https://example.com/a?b=1 and javascript:alert(1) <script>x</script>"),
            vec![
                Piece::Text("see ".into()),
                Piece::Link("https://example.com/a?b=1".into()),
                Piece::Text(" and javascript:alert(1) <script>x</script>".into()),
            ]
        );
        assert_eq!(pieces("ftp://files.example.com/x"), vec![Piece::Text("ftp://files.example.com/x".into())]);
        assert_eq!(pieces("HTTP://EXAMPLE.COM"), vec![Piece::Link("HTTP://EXAMPLE.COM".into())]);
        assert_eq!(pieces("plain"), vec![Piece::Text("plain".into())]);
    }
}
