//! Reported messages, orders and referral commissions as the admin lists them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const OVERSIGHT_PAGE_SIZE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReportedMessage {
    pub message_id: i64,
    pub body: String,
    pub deleted: bool,
    pub sender_id: Uuid,
    pub sender_email: String,
    pub reporter_email: String,
    pub reason: String,
    pub reported_at: DateTime<Utc>,
    pub resolved: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OrderRow {
    pub number: String,
    pub status: String,
    pub buyer_email: String,
    pub seller_handle: String,
    pub currency: String,
    pub subtotal_cents: i64,
    pub fee_cents: i64,
    pub refunded_cents: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<OrderRow>,
    pub total: i64,
    pub page: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Commission {
    pub referrer_email: String,
    pub referred_email: String,
    pub currency: String,
    pub amount_cents: i64,
    pub commission_cents: i64,
    pub paid_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReferrerTotal {
    pub referrer_email: String,
    pub referrals: i64,
    pub currency: String,
    pub commission_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referrals {
    pub recent: Vec<Commission>,
    pub top: Vec<ReferrerTotal>,
}
