//! Threads as the page and the server share them: the generation request and its streamed
//! events, and a saved thread.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    offline::{MAX_POSTS, Tone},
    packer::Numbering,
    xlength::{MAX_WEIGHTED_LENGTH, x_length},
};
use crate::features::quotas::UsageSummary;

/// Pasted text may be this long (characters).
pub const SOURCE_MAX_CHARS: usize = 50_000;
/// A thread's title (characters).
pub const TITLE_MAX_CHARS: usize = 120;
/// Posts in a saved thread (an editor can add past the generator's 25).
pub const SAVED_POSTS_MAX: usize = 100;

/// What to make a thread from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Text(String),
    Url(String),
}

/// The thread page's request, parsed: the only way to build one is [`ThreadRequest::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadRequest {
    pub source: Source,
    pub tone: Tone,
    /// `None`: as many as the text needs (at most 25).
    pub posts: Option<u8>,
    pub numbering: Numbering,
}

impl ThreadRequest {
    /// Reads the form fields. The source is a URL when it is one line that starts with a
    /// scheme; only http and https are accepted.
    pub fn parse(source: &str, tone: &str, posts: &str, numbering: &str) -> Result<Self, String> {
        let trimmed = source.trim();
        if trimmed.is_empty() {
            return Err("Paste some text or a link to start.".into());
        }
        let chars = source.chars().count();
        if chars > SOURCE_MAX_CHARS {
            return Err(format!(
                "The text is {chars} characters; the limit is {SOURCE_MAX_CHARS}. Shorten it or paste a link instead."
            ));
        }
        let source = match looks_like_url(trimmed) {
            Some(scheme) if scheme == "http" || scheme == "https" => Source::Url(trimmed.to_string()),
            Some(scheme) => {
                return Err(format!("Only http and https links can be imported (this one starts with {scheme}:)."));
            }
            None => Source::Text(source.to_string()),
        };
        let tone = tone.parse::<Tone>().map_err(|_| "Choose a tone from the list.".to_string())?;
        let posts = match posts.trim() {
            "" | "auto" => None,
            n => match n.parse::<u8>() {
                Ok(n) if (2..=MAX_POSTS as u8).contains(&n) => Some(n),
                _ => return Err(format!("The number of posts is auto or from 2 to {MAX_POSTS}.")),
            },
        };
        let numbering =
            numbering.parse::<Numbering>().map_err(|_| "Choose a numbering style from the list.".to_string())?;
        Ok(Self { source, tone, posts, numbering })
    }
}

/// `Some(scheme)` when the text is a single token like `scheme:…` (a link, not prose).
fn looks_like_url(text: &str) -> Option<String> {
    if text.contains(char::is_whitespace) {
        return None;
    }
    let (scheme, rest) = text.split_once(':')?;
    let valid_scheme = !scheme.is_empty()
        && scheme.len() <= 32
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // "Note:this" is prose; a link has `//` after http(s), and other schemes are refused.
    let lower = scheme.to_ascii_lowercase();
    let is_web = (lower == "http" || lower == "https") && rest.starts_with("//");
    (valid_scheme && (is_web || !rest.is_empty())).then_some(lower)
}

/// One line of the generation stream (JSON, newline-terminated).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GenerationEvent {
    /// The imported page, when the source was a link.
    Source { url: String, title: Option<String> },
    /// A finished post; indexes start at 0 and arrive in order.
    Post { index: usize, text: String },
    /// The generation finished; members' threads are saved as `thread_id`.
    Done { thread_id: Option<Uuid>, usage: UsageSummary },
    /// The generation stopped; posts already sent stay valid.
    Error { message: String },
}

/// A saved thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDoc {
    pub id: Uuid,
    pub title: String,
    pub title_custom: bool,
    pub posts: Vec<String>,
    pub numbering: Numbering,
    pub source_url: Option<String>,
    /// Bumped by every save; a save carrying an older version is refused (another tab).
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Posts as the member saves them: each within 280 weighted characters once numbered, at
/// least one, at most [`SAVED_POSTS_MAX`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidPosts(Vec<String>);

impl ValidPosts {
    pub fn parse(posts: Vec<String>, numbering: Numbering) -> Result<Self, String> {
        let posts: Vec<String> = posts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
        if posts.is_empty() {
            return Err("A thread needs at least one post with text.".into());
        }
        if posts.len() > SAVED_POSTS_MAX {
            return Err(format!("A thread can have at most {SAVED_POSTS_MAX} posts."));
        }
        let total = posts.len();
        for (i, post) in posts.iter().enumerate() {
            let length = x_length(&super::packer::numbered(post, i, total, numbering));
            if length.weighted_length > MAX_WEIGHTED_LENGTH {
                return Err(format!(
                    "Post {} is {} characters long; X allows {MAX_WEIGHTED_LENGTH}. Shorten or split it before saving.",
                    i + 1,
                    length.weighted_length
                ));
            }
            if !length.valid {
                return Err(format!("Post {} contains characters X does not accept.", i + 1));
            }
        }
        Ok(Self(posts))
    }

    pub fn into_inner(self) -> Vec<String> {
        self.0
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// The automatic title: the first words of the first post.
pub fn title_from(posts: &[String]) -> String {
    let first = posts.first().map(String::as_str).unwrap_or_default();
    let mut title = String::new();
    for word in first.split_whitespace() {
        if title.chars().count() + word.chars().count() + 1 > 60 {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    if title.is_empty() {
        title = first.chars().take(60).collect();
    }
    if title.trim().is_empty() { "Untitled thread".to_string() } else { title }
}

/// A title the member typed.
pub fn parse_title(raw: &str) -> Result<String, String> {
    let title = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    match title.chars().count() {
        0 => Err("The title cannot be empty.".into()),
        n if n > TITLE_MAX_CHARS => Err(format!("The title is {n} characters; the limit is {TITLE_MAX_CHARS}.")),
        _ => Ok(title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(source: &str) -> Result<ThreadRequest, String> {
        ThreadRequest::parse(source, "neutral", "auto", "1/7")
    }

    #[test]
    fn bad_sources_get_a_clear_message() {
        assert_eq!(req("   ").unwrap_err(), "Paste some text or a link to start.");
        let long = "a".repeat(SOURCE_MAX_CHARS + 1);
        assert!(req(&long).unwrap_err().contains("50001 characters; the limit is 50000"));
        assert!(req(&"a".repeat(SOURCE_MAX_CHARS)).is_ok());
        assert!(req("javascript:alert(1)").unwrap_err().contains("Only http and https"));
        assert!(req("ftp://example.com/file.txt").unwrap_err().contains("ftp:"));
        assert!(req("file:///etc/passwd").unwrap_err().contains("file:"));
    }

    #[test]
    fn links_and_prose_are_told_apart() {
        assert_eq!(req("https://example.com/a").unwrap().source, Source::Url("https://example.com/a".into()));
        assert_eq!(req(" HTTP://example.com ").unwrap().source, Source::Url("HTTP://example.com".into()));
        assert!(matches!(req("Note: this is prose.").unwrap().source, Source::Text(_)));
        assert!(matches!(req("Read https://example.com today").unwrap().source, Source::Text(_)));
    }

    #[test]
    fn options_are_checked() {
        assert_eq!(ThreadRequest::parse("x", "neutral", "7", "1.").unwrap().posts, Some(7));
        assert!(ThreadRequest::parse("x", "neutral", "1", "1.").is_err());
        assert!(ThreadRequest::parse("x", "neutral", "26", "1.").is_err());
        assert!(ThreadRequest::parse("x", "shouty", "auto", "1.").is_err());
        assert!(ThreadRequest::parse("x", "neutral", "auto", "i.").is_err());
    }

    #[test]
    fn saved_posts_are_within_the_limit() {
        let ok = ValidPosts::parse(vec![" hello ".into(), "".into(), "world".into()], Numbering::Fraction).unwrap();
        assert_eq!(ok.as_slice(), ["hello", "world"]);
        let err = ValidPosts::parse(vec!["short".into(), "x".repeat(281)], Numbering::None).unwrap_err();
        assert!(err.starts_with("Post 2 is 281 characters long"), "{err}");
        // Numbering counts: 277 characters plus "1/2 " is 281.
        assert!(ValidPosts::parse(vec!["x".repeat(277), "y".into()], Numbering::Fraction).is_err());
        assert!(ValidPosts::parse(vec![], Numbering::None).is_err());
    }

    #[test]
    fn titles() {
        assert_eq!(
            title_from(&["Rust makes systems programming friendly and fast for everyone who tries it".into()]),
            "Rust makes systems programming friendly and fast for"
        );
        assert_eq!(title_from(&[]), "Untitled thread");
        assert_eq!(parse_title("  My   thread ").unwrap(), "My thread");
        assert!(parse_title(" ").is_err());
    }
}
