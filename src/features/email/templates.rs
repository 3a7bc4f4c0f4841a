//! Email templates: one data type per email (what the caller must supply), rendered with
//! askama (checked at compile time; HTML escaped, text not) into subject, HTML and text.
//! Every link is absolute, built from `PUBLIC_URL` by [`Links`].

use askama::Template;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use url::Url;

use crate::money::format_minor;

/// Builds absolute links to the app for emails.
pub struct Links {
    base: Url,
}

impl Links {
    pub fn new(public_url: &Url) -> Self {
        Self { base: public_url.clone() }
    }

    pub fn home(&self) -> String {
        self.page("/")
    }

    pub fn host(&self) -> String {
        self.base.host_str().unwrap_or_default().to_string()
    }

    /// The absolute URL of an app path ("/orders/42").
    pub fn page(&self, path: impl AsRef<str>) -> String {
        self.base.join(path.as_ref()).map(String::from).unwrap_or_else(|_| self.base.to_string())
    }

    pub fn with_token(&self, path: impl AsRef<str>, token: impl AsRef<str>) -> String {
        let mut url = self.base.join(path.as_ref()).unwrap_or_else(|_| self.base.clone());
        url.query_pairs_mut().append_pair("token", token.as_ref());
        url.into()
    }
}

/// The rendered message, stored in the outbox at enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown email template `{0}`")]
    Unknown(String),
    #[error("template `{template}` has missing or invalid data: {reason}")]
    Data { template: &'static str, reason: String },
    #[error("template `{template}` failed to render: {reason}")]
    Render { template: &'static str, reason: String },
}

/// One kind of email: its data, subject and the askama templates that render it.
pub trait Email: Serialize + DeserializeOwned {
    const TEMPLATE: &'static str;
    fn subject(&self) -> String;
    fn render_bodies(&self, links: &Links) -> Result<(String, String), askama::Error>;

    fn render(&self, links: &Links) -> Result<Rendered, TemplateError> {
        let (html, text) = self
            .render_bodies(links)
            .map_err(|e| TemplateError::Render { template: Self::TEMPLATE, reason: e.to_string() })?;
        Ok(Rendered { subject: self.subject(), html, text })
    }
}

/// Declares the HTML and text askama templates of an email data type.
macro_rules! bodies {
    ($data:ty, $html:ident = $html_path:tt, $text:ident = $text_path:tt) => {
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            d: &'a $data,
            links: &'a Links,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            d: &'a $data,
            links: &'a Links,
        }

        impl $data {
            fn bodies(&self, links: &Links) -> Result<(String, String), askama::Error> {
                Ok(($html { d: self, links }.render()?, $text { d: self, links }.render()?))
            }
        }
    };
}

/// Implements [`Email`] for a data type with its template name and subject.
macro_rules! email {
    ($data:ty, $name:literal, |$s:ident| $subject:expr) => {
        impl Email for $data {
            const TEMPLATE: &'static str = $name;
            fn subject(&self) -> String {
                let $s = self;
                $subject
            }
            fn render_bodies(&self, links: &Links) -> Result<(String, String), askama::Error> {
                self.bodies(links)
            }
        }
    };
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Welcome {
    pub name: String,
}
bodies!(Welcome, WelcomeHtml = "welcome.html", WelcomeText = "welcome.txt");
email!(Welcome, "welcome", |_d| "Welcome to Threadr".to_string());

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    pub name: String,
    pub token: String,
    /// Where the member was going when they signed up (a path on this site, e.g. "/pricing").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
impl VerifyEmail {
    fn link(&self, links: &Links) -> String {
        let mut url = links.with_token("/verify-email", &self.token);
        if let Some(next) = &self.next {
            url = format!("{url}&next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
        }
        url
    }
}
bodies!(VerifyEmail, VerifyHtml = "verify_email.html", VerifyText = "verify_email.txt");
email!(VerifyEmail, "verify_email", |_d| "Confirm your email address".to_string());

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    pub name: String,
    pub token: String,
}
bodies!(PasswordReset, ResetHtml = "password_reset.html", ResetText = "password_reset.txt");
email!(PasswordReset, "password_reset", |_d| "Reset your Threadr password".to_string());

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MagicLink {
    pub token: String,
}
bodies!(MagicLink, MagicHtml = "magic_link.html", MagicText = "magic_link.txt");
email!(MagicLink, "magic_link", |_d| "Your Threadr sign-in link".to_string());

/// Sent to a new address to confirm an email change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfirmNewEmail {
    pub name: String,
    pub token: String,
}
bodies!(ConfirmNewEmail, NewEmailHtml = "confirm_new_email.html", NewEmailText = "confirm_new_email.txt");
email!(ConfirmNewEmail, "confirm_new_email", |_d| "Confirm your new email address".to_string());

/// A security change on an account (password changed, email changed, account deleted),
/// sent so its owner notices a change they did not make.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountNotice {
    pub name: String,
    pub what: String,
}
bodies!(AccountNotice, NoticeHtml = "account_notice.html", NoticeText = "account_notice.txt");
email!(AccountNotice, "account_notice", |d| format!("Threadr security notice: {}", d.what));

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    pub name: String,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    pub paid_at: DateTime<Utc>,
    /// Stripe's hosted invoice, when the payment had one.
    #[serde(default)]
    pub invoice_url: Option<String>,
}
impl Receipt {
    fn amount(&self) -> String {
        format_minor(self.amount_cents, &self.currency)
    }
    fn paid_on(&self) -> String {
        self.paid_at.format("%-d %B %Y").to_string()
    }
}
bodies!(Receipt, ReceiptHtml = "receipt.html", ReceiptText = "receipt.txt");
email!(Receipt, "receipt", |d| format!("Your Threadr receipt: {}", d.amount()));

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PaymentFailed {
    pub name: String,
    pub plan: String,
    pub amount_cents: i64,
    pub currency: String,
    /// Paid access lasts until then unless the payment goes through.
    #[serde(default)]
    pub grace_ends_at: Option<DateTime<Utc>>,
}
impl PaymentFailed {
    fn amount(&self) -> String {
        format_minor(self.amount_cents, &self.currency)
    }
    fn keep_until(&self) -> String {
        match self.grace_ends_at {
            Some(at) => format!("by {}", at.format("%-d %B %Y, %H:%M UTC")),
            None => "within 3 days".to_string(),
        }
    }
}

/// A subscription set to end at its period's end, or ended.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionCancelled {
    pub name: String,
    pub plan: String,
    pub ends_at: DateTime<Utc>,
    /// True once it has ended; false while it runs to its end date.
    pub ended: bool,
}
impl SubscriptionCancelled {
    fn end_date(&self) -> String {
        self.ends_at.format("%-d %B %Y").to_string()
    }
}
bodies!(
    SubscriptionCancelled,
    CancelledHtml = "subscription_cancelled.html",
    CancelledText = "subscription_cancelled.txt"
);
email!(SubscriptionCancelled, "subscription_cancelled", |d| if d.ended {
    format!("Your Threadr {} plan has ended", d.plan)
} else {
    format!("Your Threadr {} plan ends on {}", d.plan, d.end_date())
});

/// A referred member paid for the first time: the referrer's commission.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReferralEarned {
    pub name: String,
    pub referred_name: String,
    pub amount_cents: i64,
    pub commission_cents: i64,
    pub currency: String,
}
impl ReferralEarned {
    fn amount(&self) -> String {
        format_minor(self.amount_cents, &self.currency)
    }
    fn commission(&self) -> String {
        format_minor(self.commission_cents, &self.currency)
    }
}
bodies!(ReferralEarned, ReferralHtml = "referral_earned.html", ReferralText = "referral_earned.txt");
email!(ReferralEarned, "referral_earned", |d| format!("You earned {} from a referral", d.commission()));
bodies!(PaymentFailed, FailedHtml = "payment_failed.html", FailedText = "payment_failed.txt");
email!(PaymentFailed, "payment_failed", |_d| "Action needed: your payment did not go through".to_string());

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    pub title: String,
    pub quantity: u32,
    pub unit_price_cents: i64,
}
impl OrderItem {
    fn line_total(&self, currency: &str) -> String {
        format_minor(self.unit_price_cents.saturating_mul(i64::from(self.quantity)), currency)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderPlaced {
    pub name: String,
    pub order_number: String,
    pub currency: String,
    pub total_cents: i64,
    pub items: Vec<OrderItem>,
}
impl OrderPlaced {
    fn total(&self) -> String {
        format_minor(self.total_cents, &self.currency)
    }
    fn order_path(&self) -> String {
        format!("/orders/{}", self.order_number)
    }
}
bodies!(OrderPlaced, PlacedHtml = "order_placed.html", PlacedText = "order_placed.txt");
email!(OrderPlaced, "order_placed", |d| format!("Order {} confirmed", d.order_number));

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderShipped {
    pub name: String,
    pub order_number: String,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
}
impl OrderShipped {
    fn order_path(&self) -> String {
        format!("/orders/{}", self.order_number)
    }
}
bodies!(OrderShipped, ShippedHtml = "order_shipped.html", ShippedText = "order_shipped.txt");
email!(OrderShipped, "order_shipped", |d| format!("Order {} has shipped", d.order_number));

/// To a seller: a buyer paid for an order of theirs; ship it to the address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderReceived {
    pub name: String,
    pub order_number: String,
    pub currency: String,
    pub subtotal_cents: i64,
    /// What the seller receives after the platform's fee.
    pub payout_cents: i64,
    pub items: Vec<OrderItem>,
    pub ship_to: Vec<String>,
}
impl OrderReceived {
    fn subtotal(&self) -> String {
        format_minor(self.subtotal_cents, &self.currency)
    }
    fn payout(&self) -> String {
        format_minor(self.payout_cents, &self.currency)
    }
    fn order_path(&self) -> String {
        format!("/sell/orders/{}", self.order_number)
    }
}
bodies!(OrderReceived, ReceivedHtml = "order_received.html", ReceivedText = "order_received.txt");
email!(OrderReceived, "order_received", |d| format!("New order {}: please ship it", d.order_number));

/// An order was delivered: to the buyer (with a nudge to review) and to the seller.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderDelivered {
    pub name: String,
    pub order_number: String,
    pub for_seller: bool,
    /// Confirmed by the buyer, or automatically after 14 days.
    pub automatic: bool,
}
impl OrderDelivered {
    fn order_path(&self) -> String {
        if self.for_seller {
            format!("/sell/orders/{}", self.order_number)
        } else {
            format!("/orders/{}", self.order_number)
        }
    }
}
bodies!(OrderDelivered, DeliveredHtml = "order_delivered.html", DeliveredText = "order_delivered.txt");
email!(OrderDelivered, "order_delivered", |d| format!("Order {} was delivered", d.order_number));

/// Money went back to the buyer (to the buyer; the seller gets the same facts).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderRefunded {
    pub name: String,
    pub order_number: String,
    pub currency: String,
    pub amount_cents: i64,
    /// The whole order was refunded.
    pub full: bool,
    pub reason: String,
    pub for_seller: bool,
}
impl OrderRefunded {
    fn amount(&self) -> String {
        format_minor(self.amount_cents, &self.currency)
    }
    fn order_path(&self) -> String {
        if self.for_seller {
            format!("/sell/orders/{}", self.order_number)
        } else {
            format!("/orders/{}", self.order_number)
        }
    }
}
bodies!(OrderRefunded, RefundedHtml = "order_refunded.html", RefundedText = "order_refunded.txt");
email!(OrderRefunded, "order_refunded", |d| format!("Order {}: {} refunded", d.order_number, d.amount()));

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub name: String,
    pub sender_name: String,
    pub preview: String,
    pub conversation_id: String,
}
impl NewMessage {
    fn conversation_path(&self) -> String {
        format!("/messages/{}", self.conversation_id)
    }
}
bodies!(NewMessage, MessageHtml = "new_message.html", MessageText = "new_message.txt");
email!(NewMessage, "new_message", |d| format!("New message from {}", d.sender_name));

/// Tells a seller an admin hid, removed or restored some of their listings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ListingsModerated {
    pub name: String,
    /// "hidden", "removed" or "restored".
    pub action: String,
    pub reason: String,
    /// The listings' titles (the first 20).
    pub titles: Vec<String>,
    /// How many more beyond `titles`.
    pub more: i64,
}
impl ListingsModerated {
    fn count(&self) -> i64 {
        self.titles.len() as i64 + self.more
    }

    fn noun(&self) -> &'static str {
        if self.count() == 1 { "listing" } else { "listings" }
    }

    fn headline(&self) -> String {
        let what = match self.action.as_str() {
            "restored" => "back on sale",
            "removed" => "removed",
            _ => "taken off sale",
        };
        format!("{} {} {what}", self.count(), self.noun())
    }

    fn explanation(&self) -> String {
        match self.action.as_str() {
            "restored" => format!("Threadr's moderators put these {} back on sale:", self.noun()),
            "removed" => format!(
                "Threadr's moderators removed these {} from the marketplace for good; they cannot be put back on sale:",
                self.noun()
            ),
            _ => format!(
                "Threadr's moderators took these {} off sale. Fix what the reason names, then put them back on sale from your listings:",
                self.noun()
            ),
        }
    }
}
bodies!(ListingsModerated, ModeratedHtml = "listings_moderated.html", ModeratedText = "listings_moderated.txt");
email!(ListingsModerated, "listings_moderated", |d| format!("Threadr: {}", d.headline()));

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Notice,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub title: String,
    pub detail: String,
    pub severity: Severity,
}
impl Alert {
    fn severity_label(&self) -> &'static str {
        match self.severity {
            Severity::Notice => "Notice",
            Severity::Warning => "Warning",
            Severity::Critical => "Critical",
        }
    }
}
bodies!(Alert, AlertHtml = "alert.html", AlertText = "alert.txt");
email!(Alert, "alert", |d| format!("[Threadr {}] {}", d.severity_label(), d.title));

/// What happened to a member's letter.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LetterUpdateKind {
    Ready,
    Returned,
    Approved,
    Sent,
}

/// Tells a member their letter moved on (written, returned with a comment, approved, sent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LetterUpdate {
    pub name: String,
    pub title: String,
    pub letter_id: String,
    pub kind: LetterUpdateKind,
    /// The reviewer's comment (returned letters).
    pub comment: Option<String>,
    /// "by email to x@example.com" or "by post on 1 December 2026" (sent letters).
    pub sent_how: Option<String>,
}
impl LetterUpdate {
    fn letter_path(&self) -> String {
        format!("/letters/{}", self.letter_id)
    }
    fn headline(&self) -> &'static str {
        match self.kind {
            LetterUpdateKind::Ready => "Your letter is ready",
            LetterUpdateKind::Returned => "Your letter needs changes",
            LetterUpdateKind::Approved => "Your letter was approved",
            LetterUpdateKind::Sent => "Your letter was sent",
        }
    }
    fn explanation(&self) -> String {
        match self.kind {
            LetterUpdateKind::Ready => {
                "your letter has been written. Read it, edit anything you like and submit it for review.".to_string()
            }
            LetterUpdateKind::Returned => {
                "a reviewer returned your letter with a comment. Make the changes and submit it again.".to_string()
            }
            LetterUpdateKind::Approved => "a reviewer approved your letter. It will be sent shortly.".to_string(),
            LetterUpdateKind::Sent => format!("your letter was sent {}.", self.sent_how.as_deref().unwrap_or("")),
        }
    }
}
bodies!(LetterUpdate, LetterUpdateHtml = "letter_update.html", LetterUpdateText = "letter_update.txt");
email!(LetterUpdate, "letter_update", |d| format!("{}: {}", d.headline(), d.title));

/// The letter itself, to its recipient (the printable PDF is attached when sending).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LetterDelivery {
    pub sender_name: String,
    /// The "Re:" line.
    pub subject_line: String,
    /// "28 November 2026".
    pub date: String,
    /// The letter's plain text.
    pub body: String,
}
impl LetterDelivery {
    fn paragraphs(&self) -> Vec<String> {
        self.body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
    }
}
bodies!(LetterDelivery, LetterDeliveryHtml = "letter_delivery.html", LetterDeliveryText = "letter_delivery.txt");
email!(LetterDelivery, "letter_delivery", |d| format!("{} (from {})", d.subject_line, d.sender_name));

/// Every template name, for validation and the admin UI.
pub const TEMPLATES: &[&str] = &[
    Welcome::TEMPLATE,
    VerifyEmail::TEMPLATE,
    PasswordReset::TEMPLATE,
    MagicLink::TEMPLATE,
    ConfirmNewEmail::TEMPLATE,
    AccountNotice::TEMPLATE,
    Receipt::TEMPLATE,
    PaymentFailed::TEMPLATE,
    SubscriptionCancelled::TEMPLATE,
    ReferralEarned::TEMPLATE,
    OrderPlaced::TEMPLATE,
    OrderShipped::TEMPLATE,
    OrderReceived::TEMPLATE,
    OrderDelivered::TEMPLATE,
    OrderRefunded::TEMPLATE,
    NewMessage::TEMPLATE,
    ListingsModerated::TEMPLATE,
    Alert::TEMPLATE,
    LetterUpdate::TEMPLATE,
    LetterDelivery::TEMPLATE,
];

fn render_as<E: Email>(data: &serde_json::Value, links: &Links) -> Result<Rendered, TemplateError> {
    let email: E = serde_json::from_value(data.clone())
        .map_err(|e| TemplateError::Data { template: E::TEMPLATE, reason: e.to_string() })?;
    email.render(links)
}

/// Renders a template by name from JSON data (the form stored in the outbox).
pub fn render(template: &str, data: &serde_json::Value, links: &Links) -> Result<Rendered, TemplateError> {
    match template {
        Welcome::TEMPLATE => render_as::<Welcome>(data, links),
        VerifyEmail::TEMPLATE => render_as::<VerifyEmail>(data, links),
        PasswordReset::TEMPLATE => render_as::<PasswordReset>(data, links),
        MagicLink::TEMPLATE => render_as::<MagicLink>(data, links),
        ConfirmNewEmail::TEMPLATE => render_as::<ConfirmNewEmail>(data, links),
        AccountNotice::TEMPLATE => render_as::<AccountNotice>(data, links),
        Receipt::TEMPLATE => render_as::<Receipt>(data, links),
        PaymentFailed::TEMPLATE => render_as::<PaymentFailed>(data, links),
        SubscriptionCancelled::TEMPLATE => render_as::<SubscriptionCancelled>(data, links),
        ReferralEarned::TEMPLATE => render_as::<ReferralEarned>(data, links),
        OrderPlaced::TEMPLATE => render_as::<OrderPlaced>(data, links),
        OrderShipped::TEMPLATE => render_as::<OrderShipped>(data, links),
        OrderReceived::TEMPLATE => render_as::<OrderReceived>(data, links),
        OrderDelivered::TEMPLATE => render_as::<OrderDelivered>(data, links),
        OrderRefunded::TEMPLATE => render_as::<OrderRefunded>(data, links),
        NewMessage::TEMPLATE => render_as::<NewMessage>(data, links),
        ListingsModerated::TEMPLATE => render_as::<ListingsModerated>(data, links),
        Alert::TEMPLATE => render_as::<Alert>(data, links),
        LetterUpdate::TEMPLATE => render_as::<LetterUpdate>(data, links),
        LetterDelivery::TEMPLATE => render_as::<LetterDelivery>(data, links),
        other => Err(TemplateError::Unknown(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn links() -> Links {
        Links::new(&Url::parse("https://threadr.example").unwrap())
    }

    fn samples() -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("welcome", json!({ "name": "Ada" })),
            ("verify_email", json!({ "name": "Ada", "token": "tok/en+1" })),
            ("password_reset", json!({ "name": "Ada", "token": "reset-1" })),
            ("magic_link", json!({ "token": "magic-1" })),
            ("confirm_new_email", json!({ "name": "Ada", "token": "change-1" })),
            ("account_notice", json!({ "name": "Ada", "what": "your password was changed" })),
            (
                "receipt",
                json!({ "name": "Ada", "description": "Pro plan, 1 month", "amount_cents": 1999, "currency": "usd", "paid_at": "2026-11-27T10:00:00Z" }),
            ),
            (
                "payment_failed",
                json!({ "name": "Ada", "plan": "Pro", "amount_cents": 1999, "currency": "usd", "grace_ends_at": "2026-12-01T10:00:00Z" }),
            ),
            (
                "subscription_cancelled",
                json!({ "name": "Ada", "plan": "Pro", "ends_at": "2026-12-31T10:00:00Z", "ended": false }),
            ),
            (
                "referral_earned",
                json!({ "name": "Ada", "referred_name": "Bob", "amount_cents": 1999, "commission_cents": 399, "currency": "usd" }),
            ),
            (
                "order_placed",
                json!({ "name": "Ada", "order_number": "T-1001", "currency": "eur", "total_cents": 2500,
                "items": [{ "title": "Mug", "quantity": 2, "unit_price_cents": 1250 }] }),
            ),
            (
                "order_shipped",
                json!({ "name": "Ada", "order_number": "T-1001", "carrier": "DHL", "tracking_number": null }),
            ),
            (
                "order_received",
                json!({ "name": "Sal", "order_number": "TH-100001", "currency": "usd", "subtotal_cents": 2500, "payout_cents": 2375,
                "items": [{ "title": "Mug", "quantity": 2, "unit_price_cents": 1250 }], "ship_to": ["Ada Lovelace", "1 High Street", "London"] }),
            ),
            (
                "order_delivered",
                json!({ "name": "Ada", "order_number": "TH-100001", "for_seller": false, "automatic": true }),
            ),
            (
                "order_refunded",
                json!({ "name": "Ada", "order_number": "TH-100001", "currency": "usd", "amount_cents": 1250, "full": false,
                "reason": "One mug arrived broken.", "for_seller": false }),
            ),
            (
                "new_message",
                json!({ "name": "Ada", "sender_name": "Bob", "preview": "Is it still available?", "conversation_id": "c-9" }),
            ),
            (
                "listings_moderated",
                json!({ "name": "Sal", "action": "hidden", "reason": "Counterfeit brand goods", "titles": ["Oak desk"], "more": 2 }),
            ),
            (
                "alert",
                json!({ "title": "Payment failures above 5%", "detail": "12 of 180 in the last hour", "severity": "critical" }),
            ),
            (
                "letter_update",
                json!({ "name": "Ada", "title": "Demand for payment to Acme Ltd", "letter_id": "l-1", "kind": "returned",
                "comment": "Name the invoice number.", "sent_how": null }),
            ),
            (
                "letter_delivery",
                json!({ "sender_name": "Ada Lovelace", "subject_line": "Demand for payment - $1,234.50", "date": "28 November 2026",
                "body": "Dear Acme Ltd,\n\nPay invoice 42.\n\nSincerely,\nAda Lovelace" }),
            ),
        ]
    }

    #[test]
    fn every_template_renders_subject_html_and_text() {
        let names: Vec<&str> = samples().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, TEMPLATES, "a sample for every template");
        for (name, data) in samples() {
            let r = render(name, &data, &links()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!r.subject.is_empty(), "{name}");
            assert!(r.html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(r.html.contains(&r.subject.replace('&', "&amp;")) || name == "receipt", "{name}: title");
            assert!(!r.text.contains('<'), "{name}: text has no markup");
        }
    }

    #[test]
    fn every_link_is_absolute_with_the_public_url() {
        for (name, data) in samples() {
            let r = render(name, &data, &links()).unwrap();
            let hrefs: Vec<&str> = r.html.split("href=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
            assert!(!hrefs.is_empty(), "{name} has links");
            for href in hrefs {
                assert!(href.starts_with("https://threadr.example/"), "{name}: {href}");
            }
            for link in crate::features::email::links_in(&r.text) {
                assert!(link.starts_with("https://threadr.example/"), "{name}: {link}");
            }
        }
    }

    #[test]
    fn tokens_are_url_encoded_in_links() {
        let r = render("verify_email", &samples()[1].1, &links()).unwrap();
        assert!(r.text.contains("https://threadr.example/verify-email?token=tok%2Fen%2B1"), "{}", r.text);
    }

    #[test]
    fn a_return_path_rides_along_the_confirmation_link() {
        let r = render("verify_email", &json!({ "name": "Ada", "token": "t", "next": "/pricing" }), &links()).unwrap();
        assert!(r.text.contains("https://threadr.example/verify-email?token=t&next=%2Fpricing"), "{}", r.text);
    }

    #[test]
    fn user_supplied_values_are_escaped_in_html_and_kept_in_text() {
        let data = json!({ "name": "Ada", "sender_name": "<script>alert(1)</script>", "preview": "5 > 3 & \"quotes\"", "conversation_id": "c" });
        let r = render("new_message", &data, &links()).unwrap();
        assert!(!r.html.contains("<script>"), "markup from users is escaped");
        assert!(r.html.contains("script&#62;alert(1)") || r.html.contains("script&gt;alert(1)"), "{}", r.html);
        assert!(r.text.contains("5 > 3 & \"quotes\""), "plain text is not HTML-escaped");
    }

    fn sample(name: &str) -> serde_json::Value {
        samples().into_iter().find(|(n, _)| *n == name).map(|(_, data)| data).unwrap()
    }

    #[test]
    fn money_and_dates_are_formatted_for_people() {
        let r = render("receipt", &sample("receipt"), &links()).unwrap();
        assert_eq!(r.subject, "Your Threadr receipt: $19.99");
        assert!(r.text.contains("Paid on 27 November 2026"));
        let r = render("order_placed", &sample("order_placed"), &links()).unwrap();
        assert!(r.text.contains("2 x Mug: €25.00"), "{}", r.text);
        assert!(r.text.contains("https://threadr.example/orders/T-1001"));
    }

    #[test]
    fn missing_or_wrong_data_and_unknown_templates_are_refused() {
        let e = render("verify_email", &json!({ "name": "Ada" }), &links()).unwrap_err();
        assert!(e.to_string().contains("missing field `token`"), "{e}");
        let e = render("receipt", &json!({ "name": "A", "description": "d", "amount_cents": "lots", "currency": "usd", "paid_at": "2026-11-27T10:00:00Z" }), &links()).unwrap_err();
        assert!(matches!(e, TemplateError::Data { .. }));
        let e = render("welcome", &json!({ "name": "Ada", "nmae": "typo" }), &links()).unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        assert!(matches!(render("nope", &json!({}), &links()), Err(TemplateError::Unknown(_))));
    }
}
