//! What the account pages show, and the profile input rules (hints in the browser,
//! enforcement on the server).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const BIO_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    pub email: String,
    pub bio: String,
    pub verified: bool,
    /// False for accounts that sign in only by Google or emailed links.
    pub has_password: bool,
    pub referral_link: String,
    pub referred_members: i64,
    /// An address waiting for confirmation, if an email change is under way.
    pub pending_email: Option<String>,
}

/// One signed-in browser or device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: uuid::Uuid,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub current: bool,
}

impl DeviceSession {
    /// A short name for the browser, from its user agent.
    pub fn device(&self) -> String {
        let ua = self.user_agent.as_deref().unwrap_or_default();
        let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
            .iter()
            .find(|(needle, _)| ua.contains(needle))
            .map(|(_, name)| *name);
        let system = [
            ("Android", "Android"),
            ("iPhone", "iPhone"),
            ("iPad", "iPad"),
            ("Windows", "Windows"),
            ("Mac OS", "macOS"),
            ("Linux", "Linux"),
        ]
        .iter()
        .find(|(needle, _)| ua.contains(needle))
        .map(|(_, name)| *name);
        match (browser, system) {
            (Some(b), Some(s)) => format!("{b} on {s}"),
            (Some(b), None) => b.to_string(),
            (None, Some(s)) => s.to_string(),
            (None, None) if ua.is_empty() => "Unknown device".to_string(),
            (None, None) => ua.chars().take(40).collect(),
        }
    }
}

/// Up to two letters for the avatar: the first letters of the first and last words.
pub fn avatar_initials(name: &str) -> String {
    let words: Vec<&str> =
        name.split_whitespace().filter(|w| w.chars().next().is_some_and(char::is_alphanumeric)).collect();
    let first = |w: &str| w.chars().next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    match words.as_slice() {
        [] => "?".to_string(),
        [only] => first(only),
        [head, .., last] => format!("{}{}", first(head), first(last)),
    }
}

/// A bio: trimmed, at most 500 characters, line breaks allowed, other control characters not.
pub fn parse_bio(raw: &str) -> Result<String, &'static str> {
    let bio = raw.trim();
    if bio.chars().count() > BIO_MAX {
        return Err("Your bio is too long (500 characters at most).");
    }
    if bio.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err("Your bio contains characters we cannot show.");
    }
    Ok(bio.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_come_from_the_first_and_last_words() {
        assert_eq!(avatar_initials("Ada Lovelace"), "AL");
        assert_eq!(avatar_initials("ada king lovelace"), "AL");
        assert_eq!(avatar_initials("Ada"), "A");
        assert_eq!(avatar_initials("  "), "?");
        assert_eq!(avatar_initials("élodie <b>"), "É");
    }

    #[test]
    fn bios_are_bounded_and_keep_line_breaks() {
        assert_eq!(parse_bio("  Maker.\r\nSeller.  ").unwrap(), "Maker.\nSeller.");
        assert_eq!(parse_bio("").unwrap(), "");
        assert!(parse_bio(&"x".repeat(501)).is_err());
        assert!(parse_bio(&"é".repeat(500)).is_ok(), "characters, not bytes");
        assert!(parse_bio("a\u{0000}b").is_err());
    }

    #[test]
    fn devices_are_named_from_the_user_agent() {
        let mut s = DeviceSession {
            id: uuid::Uuid::nil(),
            signed_in_at: Utc::now(),
            last_seen_at: Utc::now(),
            ip: None,
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36".into()),
            current: true,
        };
        assert_eq!(s.device(), "Chrome on Linux");
        s.user_agent = None;
        assert_eq!(s.device(), "Unknown device");
    }
}
