//! Billing's shared types: what the pricing, success, billing and referral pages show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::features::quotas::Plan;

/// Stripe's subscription statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Incomplete,
    IncompleteExpired,
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Paused,
}

impl SubscriptionStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "past_due" => Self::PastDue,
            "canceled" => Self::Canceled,
            "unpaid" => Self::Unpaid,
            "paused" => Self::Paused,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Paused => "paused",
        }
    }

    /// Stripe never brings a subscription back from these.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::IncompleteExpired)
    }
}

/// How a plan is paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    Free,
    OneOff,
    Monthly,
}

impl Billing {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "free" => Self::Free,
            "one_off" => Self::OneOff,
            "monthly" => Self::Monthly,
            _ => return None,
        })
    }
}

/// One plan on `/pricing`, from the `plans` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCard {
    pub plan: Plan,
    pub name: String,
    pub billing: Billing,
    pub amount_cents: i64,
    pub currency: String,
    pub pass_days: Option<u32>,
    pub summary: String,
    pub features: Vec<String>,
    pub ai_requests_per_hour: u32,
    /// Per day and per month; `None` is unlimited.
    pub generations: Option<(u32, u32)>,
    /// Payments are set up and this plan has its Stripe price.
    pub purchasable: bool,
}

/// Who is looking at `/pricing`, as far as its buttons go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Viewer {
    Visitor,
    Unconfirmed,
    Member,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub plans: Vec<PlanCard>,
    pub viewer: Viewer,
    /// The plan in force now (Free for members without one; Anonymous for visitors).
    pub current: Plan,
    /// Whether Stripe is configured at all.
    pub payments_ready: bool,
    /// The end of the member's pass, when they hold one.
    pub pass_ends_at: Option<DateTime<Utc>>,
    /// The plan of a running subscription: buying another is done in the portal.
    pub subscribed: Option<Plan>,
}

/// What the success page learns while it waits for the webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckoutProgress {
    /// Stripe has not told us yet.
    Waiting,
    /// The plan is granted; `until` for a pass.
    Granted { plan: Plan, until: Option<DateTime<Utc>> },
    /// Paid by a method that settles later (a bank debit): granted when it does.
    Processing,
}

/// One invoice on `/account/billing`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct InvoiceRow {
    pub number: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    pub created: DateTime<Utc>,
    pub hosted_url: Option<String>,
}

/// `/account/billing`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub plan: Plan,
    /// "Active", "Payment failed — access until 3 December", "Ends on 1 January", "30-day pass", …
    pub status: String,
    pub subscription: Option<SubscriptionSummary>,
    pub pass_ends_at: Option<DateTime<Utc>>,
    pub grant_ends_at: Option<DateTime<Utc>>,
    pub invoices: Vec<InvoiceRow>,
    /// Why the invoice list could not be fetched from Stripe (the page says so).
    pub invoices_note: Option<String>,
    /// The member has a Stripe customer, so the portal can open.
    pub has_portal: bool,
    pub payments_ready: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionSummary {
    pub plan: Plan,
    pub status: SubscriptionStatus,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    /// The amount of the next invoice (the plan's price), when it will renew.
    pub next_invoice_cents: Option<i64>,
    pub currency: String,
    /// When a failed payment's grace ends (past_due).
    pub grace_ends_at: Option<DateTime<Utc>>,
}

/// One member the viewer referred.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ReferralRow {
    pub name: String,
    pub signed_up_at: DateTime<Utc>,
    pub commission_cents: Option<i64>,
    pub currency: String,
}

/// `/account/referrals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referrals {
    pub link: String,
    pub referrals: Vec<ReferralRow>,
    pub paid_count: u32,
    pub commission_total_cents: i64,
    pub commission_bps: u32,
}

/// One stored Stripe event, as the admin's webhook log lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct WebhookRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub outcome: Option<String>,
    pub error: Option<String>,
    pub attempts: i32,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookPage {
    pub events: Vec<WebhookRow>,
    pub total: i64,
    pub page: u32,
    /// The event types seen, for the type filter.
    pub kinds: Vec<String>,
    pub failed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookDetail {
    pub event: WebhookRow,
    /// The payload as Stripe sent it, pretty-printed.
    pub payload: String,
}
