//! History as the page and the server share it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use uuid::Uuid;

/// History rows per page.
pub const HISTORY_PAGE_SIZE: u32 = 20;
/// The longest search (characters).
pub const QUERY_MAX_CHARS: usize = 200;

/// What history lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Thread,
    Letter,
    Description,
    Transcript,
}

impl HistoryKind {
    pub const ALL: [Self; 4] = [Self::Thread, Self::Letter, Self::Description, Self::Transcript];

    /// The name in addresses, forms and SQL.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Thread => "thread",
            Self::Letter => "letter",
            Self::Description => "description",
            Self::Transcript => "transcript",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Thread => "Thread",
            Self::Letter => "Letter",
            Self::Description => "Product description",
            Self::Transcript => "Transcript",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Self::Thread => "Threads",
            Self::Letter => "Letters",
            Self::Description => "Product descriptions",
            Self::Transcript => "Transcripts",
        }
    }

    /// Where the item opens (a letter opens on its timeline).
    pub fn href(self, id: Uuid) -> String {
        match self {
            Self::Thread => format!("/threads/{id}"),
            Self::Letter => format!("/letters/{id}#timeline"),
            Self::Description => format!("/tools/descriptions/{id}"),
            Self::Transcript => format!("/tools/transcripts/{id}"),
        }
    }
}

impl fmt::Display for HistoryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for HistoryKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.slug() == s.trim())
            .ok_or_else(|| "Choose threads, letters, product descriptions or transcripts.".to_string())
    }
}

/// The kind filter: everything, or one kind (`""` or `"all"` means everything).
pub fn parse_filter(s: &str) -> Result<Option<HistoryKind>, String> {
    match s.trim() {
        "" | "all" => Ok(None),
        other => other.parse().map(Some),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub kind: HistoryKind,
    pub id: Uuid,
    pub title: String,
    /// A kind's own fact: a thread's post count, a letter's status, a transcript's length.
    pub detail: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub items: Vec<HistoryItem>,
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl HistoryPage {
    pub fn pages(&self) -> u32 {
        crate::ui::page_count(i64::try_from(self.total).unwrap_or(i64::MAX), self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_slugs() {
        for kind in HistoryKind::ALL {
            assert_eq!(kind.slug().parse::<HistoryKind>(), Ok(kind));
        }
        assert_eq!(parse_filter(""), Ok(None));
        assert_eq!(parse_filter("all"), Ok(None));
        assert_eq!(parse_filter("letter"), Ok(Some(HistoryKind::Letter)));
        assert!(parse_filter("letters; DROP TABLE").is_err());
    }

    #[test]
    fn a_letter_opens_on_its_timeline() {
        let id = Uuid::nil();
        assert_eq!(HistoryKind::Letter.href(id), format!("/letters/{id}#timeline"));
        assert_eq!(HistoryKind::Thread.href(id), format!("/threads/{id}"));
        assert_eq!(HistoryKind::Transcript.href(id), format!("/tools/transcripts/{id}"));
    }
}
