//! What the admin's user screens show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::features::accounts::Role;

/// Rows per page of the user search.
pub const USERS_PAGE_SIZE: u32 = 50;

/// Which accounts the user search lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UserFilter {
    #[default]
    All,
    Admins,
    Suspended,
    Unconfirmed,
}

impl UserFilter {
    pub const ALL: [(Self, &'static str); 4] = [
        (Self::All, "Everyone"),
        (Self::Admins, "Admins"),
        (Self::Suspended, "Suspended"),
        (Self::Unconfirmed, "Email not confirmed"),
    ];

    pub fn parse(raw: &str) -> Self {
        match raw {
            "admins" => Self::Admins,
            "suspended" => Self::Suspended,
            "unconfirmed" => Self::Unconfirmed,
            _ => Self::All,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "",
            Self::Admins => "admins",
            Self::Suspended => "suspended",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub verified: bool,
    pub banned_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserList {
    pub users: Vec<UserRow>,
    pub total: i64,
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionLine {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct GrantLine {
    pub plan: String,
    pub source: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OrderLine {
    pub number: String,
    pub status: String,
    pub currency: String,
    pub subtotal_cents: i64,
    pub created_at: DateTime<Utc>,
    /// "bought" or "sold".
    pub side: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LetterLine {
    pub id: Uuid,
    pub title: String,
    pub status: String,
    pub updated_at: DateTime<Utc>,
}

/// One account as the admin sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    pub banned_reason: Option<String>,
    /// The plan in force now ("Free", "Pro", …).
    pub plan: String,
    pub grants: Vec<GrantLine>,
    pub sessions: Vec<SessionLine>,
    pub orders: Vec<OrderLine>,
    pub letters: Vec<LetterLine>,
    pub audit: Vec<crate::features::admin::audit::AuditLine>,
    /// Whether this is the admin looking (they cannot suspend or demote themselves).
    pub is_me: bool,
    /// The grant form's default end day (30 days on), worked out on the server: the browser
    /// build has no clock of chrono's.
    pub default_until: String,
}
