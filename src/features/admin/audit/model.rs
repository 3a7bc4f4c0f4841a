//! The audit log as the admin reads it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Rows per page of the audit log.
pub const AUDIT_PAGE_SIZE: u32 = 100;
/// Rows in one CSV export at most (a narrower filter gets the rest).
pub const AUDIT_CSV_MAX: i64 = 100_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub event: String,
    /// Who acted (an admin for admin actions, the member for security events).
    pub actor: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// The event's details as JSON text.
    pub detail: String,
}

/// The audit filters, as in the page's address: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// A part of the actor's email.
    #[serde(default)]
    pub actor: String,
    /// The event name, exactly ("user_banned") or its start ("sign_in" also finds "sign_in_failed").
    #[serde(default)]
    pub action: String,
    /// The target, exactly ("user:<id>") or a part of it.
    #[serde(default)]
    pub target: String,
    /// From this day (YYYY-MM-DD, UTC), inclusive.
    #[serde(default)]
    pub from: String,
    /// To this day (YYYY-MM-DD, UTC), inclusive.
    #[serde(default)]
    pub to: String,
}

impl AuditFilter {
    /// The filter as query-string pairs (empty ones left out).
    pub fn query(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes what a query value must not hold raw.
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    pub total: i64,
    pub page: u32,
    /// The event names seen, for the action filter's suggestions.
    pub events: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_round_trips_through_the_address() {
        let f = AuditFilter {
            actor: "root@x.test".into(),
            action: "user_banned".into(),
            target: "a b&c".into(),
            ..Default::default()
        };
        assert_eq!(f.query(), "actor=root@x.test&action=user_banned&target=a%20b%26c");
        assert_eq!(AuditFilter::default().query(), "");
    }
}
