//! Types the mailbox page and the server share.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "email_status", rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Dead,
}

impl EmailStatus {
    pub const ALL: [EmailStatus; 5] = [Self::Pending, Self::Sending, Self::Sent, Self::Failed, Self::Dead];

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }
}

/// One row of the mailbox list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MailSummary {
    pub id: uuid::Uuid,
    pub recipient: String,
    pub subject: String,
    pub template: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A message with its rendered bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailDetail {
    pub summary: MailSummary,
    pub text_body: String,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// Absolute links found in the message, so a developer can follow them.
    pub links: Vec<String>,
    /// Files sent with the message, in order.
    pub attachments: Vec<AttachmentInfo>,
}

/// A file attached to a message, without its content (downloaded separately).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AttachmentInfo {
    pub position: i32,
    pub filename: String,
    pub content_type: String,
    /// In bytes.
    pub size: i64,
}

/// Queue health for dashboards and alerts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutboxStats {
    pub pending: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub dead: i64,
    /// Age of the oldest message waiting to be sent (pending or failed), in seconds.
    pub oldest_waiting_secs: Option<f64>,
}
