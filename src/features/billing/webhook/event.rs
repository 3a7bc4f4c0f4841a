//! The parts of Stripe's event objects billing acts on, read from the JSON by name. The full
//! payload is stored as it came; reading only what we use keeps an event readable across
//! Stripe API versions (the subscription's period moved onto its items in 2025; an invoice's
//! subscription moved under `parent.subscription_details`).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::super::model::SubscriptionStatus;

/// The envelope: which event, what kind, when Stripe made it, and its object.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: String,
    pub kind: String,
    /// Stripe's `created`, in seconds.
    pub created: i64,
    pub object: Value,
    /// The whole event as Stripe sent it (stored for the admin area to show and replay).
    pub raw: Value,
}

impl Event {
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        Self::from_value(serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?)
    }

    /// An event already read as JSON (a stored one, replayed).
    pub fn from_value(v: Value) -> Result<Self, String> {
        if v.get("object").and_then(Value::as_str) != Some("event") {
            return Err("the body is not a Stripe event".into());
        }
        let id = text(&v, "id").filter(|id| id.starts_with("evt_") && id.len() <= 255).ok_or("the event has no id")?;
        let kind = text(&v, "type").ok_or("the event has no type")?;
        let created = v.get("created").and_then(Value::as_i64).ok_or("the event has no created time")?;
        let object = v.pointer("/data/object").cloned().ok_or("the event has no data.object")?;
        Ok(Self { id, kind, created, object, raw: v })
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        at(self.created)
    }
}

/// A subscription as one Stripe object (an event's, or one fetched) describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionSnapshot {
    pub id: String,
    pub customer: String,
    pub price_id: String,
    pub status: SubscriptionStatus,
    pub current_period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub ended_at: Option<DateTime<Utc>>,
}

impl SubscriptionSnapshot {
    pub fn from_object(o: &Value) -> Result<Self, String> {
        let item = o.pointer("/items/data/0");
        let status = text(o, "status").ok_or("the subscription has no status")?;
        Ok(Self {
            id: text(o, "id").ok_or("the subscription has no id")?,
            customer: id_of(o.get("customer")).ok_or("the subscription has no customer")?,
            price_id: item.and_then(|i| id_of(i.get("price"))).ok_or("the subscription has no price")?,
            status: SubscriptionStatus::parse(&status).ok_or(format!("unknown subscription status {status:?}"))?,
            current_period_end: item
                .and_then(|i| i.get("current_period_end"))
                .or_else(|| o.get("current_period_end"))
                .and_then(Value::as_i64)
                .map(at),
            cancel_at_period_end: o.get("cancel_at_period_end").and_then(Value::as_bool).unwrap_or(false),
            ended_at: o.get("ended_at").and_then(Value::as_i64).map(at),
        })
    }
}

/// A Checkout session, at completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutObject {
    pub id: String,
    pub mode: String,
    pub customer: Option<String>,
    pub client_reference_id: Option<String>,
    pub subscription: Option<String>,
    /// `paid`, `unpaid` (an async payment still pending) or `no_payment_required`.
    pub payment_status: String,
    pub amount_total: i64,
    pub currency: String,
}

impl CheckoutObject {
    pub fn from_object(o: &Value) -> Result<Self, String> {
        Ok(Self {
            id: text(o, "id").ok_or("the checkout session has no id")?,
            mode: text(o, "mode").ok_or("the checkout session has no mode")?,
            customer: id_of(o.get("customer")),
            client_reference_id: text(o, "client_reference_id"),
            subscription: id_of(o.get("subscription")),
            payment_status: text(o, "payment_status").ok_or("the checkout session has no payment_status")?,
            amount_total: o.get("amount_total").and_then(Value::as_i64).unwrap_or(0),
            currency: text(o, "currency").unwrap_or_else(|| "usd".into()),
        })
    }
}

/// An invoice, paid or failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceObject {
    pub id: String,
    pub customer: String,
    pub subscription: Option<String>,
    pub amount_paid: i64,
    pub amount_due: i64,
    pub currency: String,
    pub hosted_invoice_url: Option<String>,
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl InvoiceObject {
    pub fn from_object(o: &Value) -> Result<Self, String> {
        let subscription = o
            .pointer("/parent/subscription_details/subscription")
            .or_else(|| o.get("subscription"))
            .and_then(|s| id_of(Some(s)));
        // The subscription line's period is the one paid for; the invoice's own period_* is
        // the previous period for a renewal.
        let line = o.pointer("/lines/data/0/period");
        let period = line
            .and_then(|p| Some((at(p.get("start")?.as_i64()?), at(p.get("end")?.as_i64()?))))
            .or_else(|| Some((at(o.get("period_start")?.as_i64()?), at(o.get("period_end")?.as_i64()?))));
        Ok(Self {
            id: text(o, "id").ok_or("the invoice has no id")?,
            customer: id_of(o.get("customer")).ok_or("the invoice has no customer")?,
            subscription,
            amount_paid: o.get("amount_paid").and_then(Value::as_i64).unwrap_or(0),
            amount_due: o.get("amount_due").and_then(Value::as_i64).unwrap_or(0),
            currency: text(o, "currency").unwrap_or_else(|| "usd".into()),
            hosted_invoice_url: text(o, "hosted_invoice_url"),
            period,
        })
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

/// An id, whether Stripe sent it as a string or expanded the object.
fn id_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

pub fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_subscription_reads_its_period_from_the_item_or_the_older_top_level() {
        let new_shape = json!({"id":"sub_1","customer":"cus_1","status":"active","cancel_at_period_end":false,
            "items":{"data":[{"price":{"id":"price_pro"},"current_period_end":1_800_000_000}]}});
        let s = SubscriptionSnapshot::from_object(&new_shape).expect("reads");
        assert_eq!(
            (s.price_id.as_str(), s.status, s.current_period_end),
            ("price_pro", SubscriptionStatus::Active, Some(at(1_800_000_000)))
        );
        let old_shape = json!({"id":"sub_1","customer":{"id":"cus_1"},"status":"past_due","current_period_end":5,
            "items":{"data":[{"price":{"id":"price_pro"}}]}});
        let s = SubscriptionSnapshot::from_object(&old_shape).expect("reads");
        assert_eq!((s.customer.as_str(), s.current_period_end), ("cus_1", Some(at(5))));
        let unknown =
            json!({"id":"sub_1","customer":"cus_1","status":"exploded","items":{"data":[{"price":{"id":"p"}}]}});
        assert!(SubscriptionSnapshot::from_object(&unknown).unwrap_err().contains("exploded"));
    }

    #[test]
    fn an_invoice_finds_its_subscription_in_either_place() {
        let new_shape = json!({"id":"in_1","customer":"cus_1","amount_paid":999,"currency":"usd",
            "parent":{"subscription_details":{"subscription":"sub_1"}},"lines":{"data":[{"period":{"start":10,"end":20}}]}});
        let i = InvoiceObject::from_object(&new_shape).expect("reads");
        assert_eq!((i.subscription.as_deref(), i.period), (Some("sub_1"), Some((at(10), at(20)))));
        let old_shape = json!({"id":"in_1","customer":"cus_1","subscription":"sub_2","period_start":1,"period_end":2});
        assert_eq!(InvoiceObject::from_object(&old_shape).expect("reads").subscription.as_deref(), Some("sub_2"));
    }

    #[test]
    fn envelopes_that_are_not_events_are_refused() {
        assert!(Event::parse(b"not json").is_err());
        assert!(Event::parse(br#"{"object":"customer","id":"cus_1"}"#).is_err());
        assert!(Event::parse(br#"{"object":"event","id":"evt_1","type":"x","created":1}"#).is_err());
        let ok = Event::parse(br#"{"object":"event","id":"evt_1","type":"x","created":1,"data":{"object":{}}}"#);
        assert_eq!(ok.map(|e| (e.id, e.kind, e.created)).ok(), Some(("evt_1".into(), "x".into(), 1)));
    }
}
