//! Alert episodes as the admin pages show them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    pub id: Uuid,
    pub rule: String,
    /// The rule's sentence with the threshold the episode was opened under.
    pub title: String,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub opened_value: f64,
    pub worst_value: f64,
    pub last_value: f64,
    pub detail: String,
    pub last_seen_at: DateTime<Utc>,
}

/// A rule and the threshold it runs with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleLine {
    pub key: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsNow {
    pub open: Vec<Episode>,
    pub evaluated_at: Option<DateTime<Utc>>,
    pub rules: Vec<RuleLine>,
}

pub const HISTORY_PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub episodes: Vec<Episode>,
    pub total: i64,
    pub page: u32,
}
