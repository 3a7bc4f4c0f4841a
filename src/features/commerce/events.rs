//! What Stripe's marketplace events do, inside billing's webhook transaction (verified,
//! stored once, processed under the event row's lock): a paid checkout becomes a sale, an
//! expired or failed one releases its hold, refunds and reversals made elsewhere are noted.
//! Each handler is idempotent and order-independent: `payment_intent.succeeded` and
//! `checkout.session.completed` both complete a purchase, whichever comes first.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::checkout::close_in;
use super::notices;
use super::orders::{Actor, log};
use super::stock;
use crate::features::email::Mailer;

/// The event was acted on, or deliberately left alone (with why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Done(String),
    Ignored(String),
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("malformed event: {0}")]
    Malformed(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("email: {0}")]
    Email(#[from] crate::features::email::outbox::EnqueueError),
}

/// The marketplace purchase an event's object belongs to (checkout sessions and payment
/// intents carry it in their metadata).
pub fn purchase_of(object: &Value) -> Option<Uuid> {
    object.pointer("/metadata/purchase_id").and_then(Value::as_str).and_then(|id| id.parse().ok())
}

/// Whether an event is the marketplace's to handle.
pub fn handles(kind: &str, object: &Value) -> bool {
    match kind {
        "checkout.session.completed"
        | "checkout.session.async_payment_succeeded"
        | "checkout.session.async_payment_failed"
        | "checkout.session.expired"
        | "payment_intent.succeeded"
        | "payment_intent.payment_failed" => purchase_of(object).is_some(),
        "charge.refunded" | "transfer.reversed" => true,
        _ => false,
    }
}

pub async fn apply(
    tx: &mut PgConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
    kind: &str,
    object: &Value,
) -> Result<Applied, EventError> {
    let str_of = |name: &str| object[name].as_str().map(str::to_string);
    match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let purchase = purchase_of(object).ok_or_else(|| EventError::Malformed("no purchase_id".into()))?;
            if object["payment_status"].as_str() != Some("paid") {
                return Ok(Applied::Done("checkout complete; its payment is still processing".into()));
            }
            paid(tx, mailer, now, purchase, str_of("payment_intent").as_deref(), None).await
        }
        "payment_intent.succeeded" => {
            let purchase = purchase_of(object).ok_or_else(|| EventError::Malformed("no purchase_id".into()))?;
            paid(tx, mailer, now, purchase, str_of("id").as_deref(), str_of("latest_charge").as_deref()).await
        }
        "checkout.session.expired" => {
            let purchase = purchase_of(object).ok_or_else(|| EventError::Malformed("no purchase_id".into()))?;
            let closed =
                close_in(tx, purchase, "expired", "The checkout expired; the items were released.", now).await?;
            Ok(if closed {
                Applied::Done("checkout expired; its hold released".into())
            } else {
                Applied::Ignored("the purchase was no longer open".into())
            })
        }
        "checkout.session.async_payment_failed" | "payment_intent.payment_failed" => {
            let purchase = purchase_of(object).ok_or_else(|| EventError::Malformed("no purchase_id".into()))?;
            let closed = close_in(
                tx,
                purchase,
                "failed",
                "The payment failed; nothing was charged and the items were released.",
                now,
            )
            .await?;
            Ok(if closed {
                Applied::Done("payment failed; its hold released".into())
            } else {
                Applied::Ignored("the purchase was no longer open".into())
            })
        }
        "charge.refunded" => charge_refunded(tx, now, object).await,
        "transfer.reversed" => transfer_reversed(tx, now, object).await,
        other => Ok(Applied::Ignored(format!("{other} is not a marketplace event"))),
    }
}

#[derive(sqlx::FromRow)]
struct PurchaseRow {
    status: String,
    buyer_id: Uuid,
}

/// A purchase's payment succeeded: its items leave stock and its orders are paid, or — when the
/// stock went to someone else after its hold expired — the whole payment is refunded at once
/// and buyer and sellers are told.
async fn paid(
    tx: &mut PgConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
    purchase: Uuid,
    payment_intent: Option<&str>,
    charge: Option<&str>,
) -> Result<Applied, EventError> {
    let Some(row) = sqlx::query_as::<_, PurchaseRow>(
        "SELECT status::text AS status, buyer_id FROM purchases WHERE id = $1 FOR UPDATE",
    )
    .bind(purchase)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(Applied::Ignored(format!("purchase {purchase} is not known here")));
    };
    // Whichever event came first recorded the payment; the other may still bring the charge.
    sqlx::query(
        "UPDATE purchases SET payment_intent_id = COALESCE(payment_intent_id, $2), charge_id = COALESCE(charge_id, $3)
          WHERE id = $1",
    )
    .bind(purchase)
    .bind(payment_intent)
    .bind(charge)
    .execute(&mut *tx)
    .await?;
    if row.status == "paid" || row.status == "refunded" {
        return Ok(Applied::Ignored(format!("purchase {purchase} was already {}", row.status)));
    }
    let items: Vec<(Uuid, i32)> =
        sqlx::query_as("SELECT product_id, quantity FROM purchase_items WHERE purchase_id = $1 ORDER BY product_id")
            .bind(purchase)
            .fetch_all(&mut *tx)
            .await?;
    let short = stock::sell(tx, purchase, &items, now).await?;
    if !short.is_empty() {
        return sold_out(tx, mailer, now, purchase, &short).await;
    }
    sqlx::query(
        "UPDATE purchases SET status = 'paid', paid_at = $2, closed_reason = NULL, closed_at = NULL WHERE id = $1",
    )
    .bind(purchase)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let orders: Vec<Uuid> =
        sqlx::query_scalar("UPDATE orders SET status = 'paid', paid_at = $2 WHERE purchase_id = $1 RETURNING id")
            .bind(purchase)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
    let was = if row.status == "open" { "" } else { " (after its checkout had closed; the stock was still there)" };
    for order in &orders {
        log(tx, *order, now, Actor::Stripe, "paid", &format!("Payment received{was}.")).await?;
    }
    // What was bought leaves the buyer's cart.
    sqlx::query("DELETE FROM cart_items WHERE user_id = $1 AND product_id IN (SELECT product_id FROM purchase_items WHERE purchase_id = $2)")
        .bind(row.buyer_id)
        .bind(purchase)
        .execute(&mut *tx)
        .await?;
    for order in &orders {
        notices::order_placed(tx, mailer, *order).await?;
    }
    // The transfer worker sends each seller's share once this commits.
    sqlx::query("SELECT pg_notify($1, '')").bind(super::settle::CHANNEL).execute(&mut *tx).await?;
    Ok(Applied::Done(format!("purchase {purchase} paid: {} orders", orders.len())))
}

/// Paid, but the stock is gone: the buyer is refunded in full at once (the settle worker
/// makes the Stripe refund) and everyone involved is told.
async fn sold_out(
    tx: &mut PgConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
    purchase: Uuid,
    short: &[Uuid],
) -> Result<Applied, EventError> {
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM purchase_items WHERE purchase_id = $1 AND product_id = ANY($2) ORDER BY title",
    )
    .bind(purchase)
    .bind(short)
    .fetch_all(&mut *tx)
    .await?;
    let reason = format!(
        "{} sold out before this payment arrived, so the whole payment is refunded.",
        titles.iter().map(|t| format!("“{t}”")).collect::<Vec<_>>().join(", ")
    );
    sqlx::query(
        "UPDATE purchases SET status = 'refunded', closed_reason = $2, closed_at = $3, refund_status = 'pending'
          WHERE id = $1",
    )
    .bind(purchase)
    .bind(&reason)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let orders: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE orders SET status = 'refunded', refunded_cents = subtotal_cents, fee_refunded_cents = fee_cents
          WHERE purchase_id = $1 RETURNING id",
    )
    .bind(purchase)
    .fetch_all(&mut *tx)
    .await?;
    for order in &orders {
        log(tx, *order, now, Actor::System, "refunded", &reason).await?;
        notices::order_refunded(tx, mailer, *order, None, &reason).await?;
    }
    sqlx::query("SELECT pg_notify($1, '')").bind(super::settle::CHANNEL).execute(&mut *tx).await?;
    Ok(Applied::Done(format!("purchase {purchase} paid after its stock was sold: refunding it in full")))
}

/// A refund Stripe reports: ours are already recorded; one made in Stripe's dashboard is noted
/// on the orders so buyer and seller see it.
async fn charge_refunded(tx: &mut PgConnection, now: DateTime<Utc>, object: &Value) -> Result<Applied, EventError> {
    let Some(payment_intent) = object["payment_intent"].as_str() else {
        return Ok(Applied::Ignored("the charge has no payment intent".into()));
    };
    let refunded = object["amount_refunded"].as_i64().unwrap_or(0);
    let known: Option<(Uuid, i64, String)> = sqlx::query_as(
        "SELECT p.id, COALESCE((SELECT sum(o.refunded_cents) FROM orders o WHERE o.purchase_id = p.id), 0)::bigint,
                p.currency
           FROM purchases p WHERE p.payment_intent_id = $1 FOR UPDATE",
    )
    .bind(payment_intent)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((purchase, ours, currency)) = known else {
        return Ok(Applied::Ignored(format!("payment {payment_intent} is not a marketplace purchase")));
    };
    if refunded <= ours {
        return Ok(Applied::Done(format!("refunds of purchase {purchase} match ours ({ours} cents)")));
    }
    let note = format!(
        "Stripe reports {} refunded in total on this purchase, {} more than Threadr made; an operator refunded it in Stripe.",
        crate::money::format_minor(refunded, &currency),
        crate::money::format_minor(refunded - ours, &currency)
    );
    let orders: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, status::text FROM orders WHERE purchase_id = $1")
        .bind(purchase)
        .fetch_all(&mut *tx)
        .await?;
    for (order, status) in orders {
        log(tx, order, now, Actor::Stripe, &status, &note).await?;
    }
    Ok(Applied::Done(format!("purchase {purchase}: a refund made outside Threadr noted")))
}

/// A reversal Stripe reports: ours are recorded when made; another one is noted.
async fn transfer_reversed(tx: &mut PgConnection, now: DateTime<Utc>, object: &Value) -> Result<Applied, EventError> {
    let Some(transfer) = object["id"].as_str() else {
        return Err(EventError::Malformed("a transfer without an id".into()));
    };
    let reversed = object["amount_reversed"].as_i64().unwrap_or(0);
    let known: Option<(Uuid, i64, String, String)> = sqlx::query_as(
        "SELECT id, reversed_cents, currency, status::text FROM orders WHERE transfer_id = $1 FOR UPDATE",
    )
    .bind(transfer)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((order, ours, currency, status)) = known else {
        return Ok(Applied::Ignored(format!("transfer {transfer} is not a Threadr order's")));
    };
    if reversed <= ours {
        return Ok(Applied::Done(format!("reversals of order {order} match ours")));
    }
    let note = format!(
        "Stripe reports {} taken back from the seller's payout in total, {} more than Threadr's refunds.",
        crate::money::format_minor(reversed, &currency),
        crate::money::format_minor(reversed - ours, &currency)
    );
    log(tx, order, now, Actor::Stripe, &status, &note).await?;
    Ok(Applied::Done(format!("order {order}: a reversal made outside Threadr noted")))
}
