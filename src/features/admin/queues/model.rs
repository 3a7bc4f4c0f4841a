//! What the queue screens list.

use serde::{Deserialize, Serialize};

pub use crate::features::billing::model::{WebhookDetail, WebhookPage};

pub const QUEUE_PAGE_SIZE: u32 = 50;

/// One line per replayed event, and how many failed again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplayReport {
    pub lines: Vec<String>,
    pub failed_again: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailQueue {
    pub items: Vec<crate::features::email::MailSummary>,
    pub total: i64,
    pub page: u32,
    pub stats: crate::features::email::OutboxStats,
    /// The providers this instance is configured with, in their configured order.
    pub providers: Vec<String>,
    /// The one an admin prefers (tried first), if any.
    pub preferred: Option<String>,
}
