//! What the moderation screens list and act on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const MODERATION_PAGE_SIZE: u32 = 50;
/// At most this many items change in one bulk action ("all matching" included).
pub const BULK_MAX: i64 = 5_000;
pub const REASON_MAX: usize = 500;

/// What an admin does to the selected listings or reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationAction {
    /// Off sale (listings) or out of sight (reviews); the seller may fix a listing and put it
    /// back on sale.
    Hide,
    /// Off sale for good: the seller cannot put it back (listings only).
    Remove,
    /// Back as it was: a listing on sale again, a review shown again.
    Restore,
}

impl ModerationAction {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "hide" => Some(Self::Hide),
            "remove" => Some(Self::Remove),
            "restore" => Some(Self::Restore),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Remove => "remove",
            Self::Restore => "restore",
        }
    }

    /// "hidden", "removed", "restored".
    pub fn past(self) -> &'static str {
        match self {
            Self::Hide => "hidden",
            Self::Remove => "removed",
            Self::Restore => "restored",
        }
    }
}

/// A moderation reason: trimmed, required for hiding and removing, at most [`REASON_MAX`].
pub fn parse_reason(action: ModerationAction, raw: &str) -> Result<String, &'static str> {
    let reason = raw.trim();
    if reason.chars().count() > REASON_MAX {
        return Err("The reason can be at most 500 characters.");
    }
    if reason.is_empty() && action != ModerationAction::Restore {
        return Err("Give a reason: the seller is told it.");
    }
    Ok(reason.to_string())
}

/// The listing filter, as in the page's address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductFilter {
    /// A part of the title.
    #[serde(default)]
    pub q: String,
    /// draft, active, hidden or removed; empty for all.
    #[serde(default)]
    pub status: String,
    /// A category slug (a top-level one includes its children).
    #[serde(default)]
    pub category: String,
    /// A seller's shop handle.
    #[serde(default)]
    pub seller: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ModProduct {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub seller_handle: String,
    pub status: String,
    pub price_cents: i64,
    pub currency: String,
    pub removed_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModProducts {
    pub products: Vec<ModProduct>,
    pub total: i64,
    pub page: u32,
}

/// The review filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewFilter {
    /// A part of the review's text.
    #[serde(default)]
    pub q: String,
    /// "reported" (open reports), "hidden", "shown", or empty for all.
    #[serde(default)]
    pub show: String,
    /// 1–5, or empty.
    #[serde(default)]
    pub rating: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ModReview {
    pub id: Uuid,
    pub rating: i16,
    pub body: String,
    pub product_title: Option<String>,
    pub author: String,
    pub seller_handle: String,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub open_reports: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModReviews {
    pub reviews: Vec<ModReview>,
    pub total: i64,
    pub page: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_and_removing_need_a_reason_restoring_does_not() {
        assert!(parse_reason(ModerationAction::Hide, " ").is_err());
        assert!(parse_reason(ModerationAction::Remove, "").is_err());
        assert_eq!(parse_reason(ModerationAction::Restore, " ").unwrap(), "");
        assert_eq!(parse_reason(ModerationAction::Hide, " counterfeit ").unwrap(), "counterfeit");
        assert!(parse_reason(ModerationAction::Hide, &"x".repeat(501)).is_err());
        assert_eq!(ModerationAction::parse("remove"), Some(ModerationAction::Remove));
        assert_eq!(ModerationAction::parse("delete"), None);
    }
}
