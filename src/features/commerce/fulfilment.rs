//! After payment: the seller marks an order shipped (carrier and tracking number), the buyer
//! confirms delivery (or it is confirmed automatically 14 days after shipping), and the seller
//! or an admin refunds it in part or in full.

use uuid::Uuid;

use super::money::{RefundError, refund_parts};
use super::notices;
use super::orders::{Actor, deliver_overdue, log};
use super::settle;
use super::stock;
use crate::error::AppError;
use crate::money::format_minor;
use crate::server::state::AppState;

/// Carrier and tracking number as the seller typed them, trimmed; the tracking number is
/// needed (a buyer without one cannot follow the parcel), the carrier too.
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
}

impl Shipment {
    pub fn parse(carrier: &str, tracking_number: &str) -> Result<Self, AppError> {
        let carrier = carrier.trim();
        let tracking = tracking_number.trim();
        if carrier.is_empty() || carrier.chars().count() > 60 {
            return Err(AppError::invalid("Enter the carrier (at most 60 characters), for example Royal Mail or UPS."));
        }
        if tracking.is_empty() || tracking.chars().count() > 60 || tracking.chars().any(char::is_control) {
            return Err(AppError::invalid("Enter the tracking number the carrier gave you (at most 60 characters)."));
        }
        Ok(Self { carrier: carrier.to_string(), tracking_number: tracking.to_string() })
    }
}

/// The seller's order by number, locked; another seller's is not found.
async fn seller_order(
    tx: &mut sqlx::PgConnection,
    seller: Option<Uuid>,
    number: &str,
) -> Result<(Uuid, String), AppError> {
    sqlx::query_as(
        "SELECT id, status::text FROM orders WHERE number = $1 AND ($2::uuid IS NULL OR seller_id = $2) FOR UPDATE",
    )
    .bind(number)
    .bind(seller)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn ship(state: &AppState, seller: Uuid, number: &str, shipment: Shipment) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (order, status) = seller_order(&mut tx, Some(seller), number).await?;
    if status != "paid" && status != "partially_refunded" {
        return Err(AppError::invalid(match status.as_str() {
            "shipped" | "delivered" => "This order is already marked shipped.".to_string(),
            "pending" => "This order is not paid yet: wait for the payment before shipping.".to_string(),
            other => format!("This order is {} and cannot be shipped.", other.replace('_', " ")),
        }));
    }
    sqlx::query(
        "UPDATE orders SET status = 'shipped', carrier = $2, tracking_number = $3, shipped_at = $4 WHERE id = $1",
    )
    .bind(order)
    .bind(&shipment.carrier)
    .bind(&shipment.tracking_number)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let note = format!("Shipped with {}, tracking number {}.", shipment.carrier, shipment.tracking_number);
    log(&mut tx, order, now, Actor::Seller(seller), "shipped", &note).await?;
    notices::order_shipped(&mut tx, &state.mailer, order).await.map_err(email_failed)?;
    tx.commit().await?;
    Ok(())
}

/// The buyer says the parcel arrived.
pub async fn confirm_delivery(state: &AppState, buyer: Uuid, number: &str) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let found: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, status::text FROM orders WHERE number = $1 AND buyer_id = $2 FOR UPDATE")
            .bind(number)
            .bind(buyer)
            .fetch_optional(&mut *tx)
            .await?;
    let (order, status) = found.ok_or(AppError::NotFound)?;
    match status.as_str() {
        "shipped" => {}
        "delivered" => return Err(AppError::invalid("You already confirmed that this order arrived.")),
        _ => return Err(AppError::invalid("Only a shipped order can be confirmed as delivered.")),
    }
    sqlx::query("UPDATE orders SET status = 'delivered', delivered_at = $2 WHERE id = $1")
        .bind(order)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    log(&mut tx, order, now, Actor::Buyer(buyer), "delivered", "The buyer confirmed it arrived.").await?;
    notices::order_delivered(&mut tx, &state.mailer, order, false).await.map_err(email_failed)?;
    tx.commit().await?;
    Ok(())
}

/// Orders shipped 14 days ago become delivered, each once, with their emails.
pub async fn deliver_overdue_orders(state: &AppState) -> Result<usize, AppError> {
    let mut tx = state.db.begin().await?;
    let delivered = deliver_overdue(&mut tx, state.clock.now()).await?;
    for order in &delivered {
        notices::order_delivered(&mut tx, &state.mailer, *order, true).await.map_err(email_failed)?;
    }
    tx.commit().await?;
    Ok(delivered.len())
}

fn email_failed(e: crate::features::email::outbox::EnqueueError) -> AppError {
    crate::server::error::internal("order email", e)
}

/// A refund as asked for: an amount in cents, whether the items go back on sale, and why.
pub struct RefundRequest {
    pub amount_cents: i64,
    pub restock: bool,
    pub reason: String,
}

/// What a refund did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundDone {
    pub refund_id: Uuid,
    /// Stripe has made it (false: recorded, and Stripe is asked again shortly).
    pub settled: bool,
}

/// Refunds part or all of an order: the buyer's money back, the seller's transfer reversed in
/// proportion and the platform's fee given back in proportion (see `money`). `seller` is the
/// acting seller, or `None` for an admin (who may refund any order).
pub async fn refund(
    state: &AppState,
    actor: Actor,
    number: &str,
    request: RefundRequest,
) -> Result<RefundDone, AppError> {
    let reason = request.reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::invalid("Keep the reason under 500 characters."));
    }
    let seller = match actor {
        Actor::Seller(id) => Some(id),
        Actor::Admin(_) => None,
        _ => return Err(AppError::Forbidden),
    };
    let reason = match (reason.is_empty(), actor) {
        (false, _) => reason,
        (true, Actor::Admin(_)) => "Refunded by Threadr support.",
        (true, _) => "Refunded by the seller.",
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (order, status) = seller_order(&mut tx, seller, number).await?;
    if !matches!(status.as_str(), "paid" | "shipped" | "delivered" | "partially_refunded") {
        return Err(AppError::invalid(match status.as_str() {
            "refunded" => "This order is already refunded in full.".to_string(),
            other => format!("This order is {} and has nothing to refund.", other.replace('_', " ")),
        }));
    }
    let (subtotal, fee, refunded, currency, transfer): (i64, i64, i64, String, Option<String>) = sqlx::query_as(
        "SELECT subtotal_cents, fee_cents, refunded_cents, currency, transfer_id FROM orders WHERE id = $1",
    )
    .bind(order)
    .fetch_one(&mut *tx)
    .await?;
    if transfer.is_none() && subtotal > fee {
        return Err(AppError::invalid(
            "The seller's payout for this order is still on its way to Stripe. Try the refund again in a minute.",
        ));
    }
    let parts = refund_parts(subtotal, fee, refunded, request.amount_cents).map_err(|e| match e {
        RefundError::NotPositive => AppError::invalid("Enter an amount to refund of at least 0.01."),
        RefundError::MoreThanLeft { left_cents } => AppError::invalid(format!(
            "At most {} is left to refund on this order.",
            format_minor(left_cents, &currency)
        )),
    })?;
    let refund = Uuid::new_v4();
    let (kind, actor_id) = match actor {
        Actor::Seller(id) => ("seller", Some(id)),
        Actor::Admin(id) => ("admin", Some(id)),
        _ => ("system", None),
    };
    sqlx::query(
        "INSERT INTO refunds (id, order_id, amount_cents, fee_refund_cents, reversal_cents, reason, actor, actor_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(refund)
    .bind(order)
    .bind(parts.amount_cents)
    .bind(parts.fee_refund_cents)
    .bind(parts.reversal_cents)
    .bind(reason)
    .bind(kind)
    .bind(actor_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let full = refunded + parts.amount_cents == subtotal;
    // A partial refund before shipping marks the order partly refunded (it still ships); once
    // shipped or delivered, the order keeps its place on the way to the buyer (and to a
    // review) and the refunded amount shows beside it.
    let next = match (full, status.as_str()) {
        (true, _) => "refunded",
        (false, "shipped" | "delivered") => status.as_str(),
        (false, _) => "partially_refunded",
    };
    sqlx::query(
        "UPDATE orders SET refunded_cents = refunded_cents + $2, fee_refunded_cents = fee_refunded_cents + $3,
                reversed_cents = reversed_cents + $4, status = $5::order_status
          WHERE id = $1",
    )
    .bind(order)
    .bind(parts.amount_cents)
    .bind(parts.fee_refund_cents)
    .bind(parts.reversal_cents)
    .bind(next)
    .execute(&mut *tx)
    .await?;
    let mut note = format!("Refunded {}: {reason}", format_minor(parts.amount_cents, &currency));
    if request.restock {
        let items: Vec<(Uuid, Option<Uuid>, i32)> = sqlx::query_as(
            "SELECT id, product_id, quantity - restocked FROM order_items WHERE order_id = $1 AND quantity > restocked",
        )
        .bind(order)
        .fetch_all(&mut *tx)
        .await?;
        for (item, product, quantity) in items {
            if let Some(product) = product {
                stock::restock(&mut tx, product, quantity).await?;
            }
            sqlx::query("UPDATE order_items SET restocked = quantity WHERE id = $1")
                .bind(item)
                .execute(&mut *tx)
                .await?;
        }
        note.push_str(" The items are back in stock.");
    }
    log(&mut tx, order, now, actor, next, &note).await?;
    notices::order_refunded(&mut tx, &state.mailer, order, Some((refund, parts.amount_cents)), reason)
        .await
        .map_err(email_failed)?;
    tx.commit().await?;
    let settled = settle::refund_now(state, refund).await?;
    Ok(RefundDone { refund_id: refund, settled })
}
