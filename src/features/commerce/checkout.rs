//! Starting a checkout: the member's cart items in one currency are held (under the products'
//! row locks, so the last unit goes to one buyer only), a purchase with one pending order per
//! seller is written, then one Stripe Checkout payment is opened for the whole of it. The
//! hold lasts `STOCK_HOLD_MINUTES`, and the Checkout session expires at the same moment.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::cart::Owner;
use super::money::split;
use super::stock;
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::billing::{Expired, NewPaymentCheckout, PaymentLine, StripeApi, customer_for, stripe_failed};
use crate::server::state::AppState;

pub const NOT_SET_UP: &str = "Payments are not set up on this Threadr yet, so nothing can be bought.";
pub const CONFIRM_EMAIL_FIRST: &str =
    "Confirm your email address before paying: we send your receipt and the sellers' updates there.";
pub const EMPTY: &str = "Your cart is empty: add something before checking out.";
pub const PRICES_CHANGED: &str =
    "A price or an available quantity changed while you were checking out. Check the new total and press Pay again.";

/// Success and cancel pages Stripe sends the buyer back to.
pub const SUCCESS_PATH: &str = "/checkout/success";
pub const CANCEL_PATH: &str = "/checkout";

/// Opens the payment for the cart's items in `currency`, sent to the member's address
/// `address`. `expected_total_cents` is the total the page showed: if it changed meanwhile the
/// member is asked to look again. Returns Stripe's hosted payment page.
pub async fn start(
    state: &AppState,
    member: &Member,
    address: Uuid,
    currency: &str,
    expected_total_cents: i64,
) -> Result<String, AppError> {
    let stripe = state.stripe.as_deref().ok_or_else(|| AppError::invalid(NOT_SET_UP))?;
    let user = member.user();
    if !user.verified {
        return Err(AppError::invalid(CONFIRM_EMAIL_FIRST));
    }
    let shipping = crate::features::accounts::member_addresses(&state.db, member)
        .await?
        .into_iter()
        .find(|a| a.id == address)
        .ok_or_else(|| AppError::invalid("Choose one of your addresses, or add one, to ship to."))?;
    let owner = Owner::Member(user.id);
    let saved: Vec<_> =
        owner.saved(&state.db).await?.into_iter().filter(|l| l.currency_seen.eq_ignore_ascii_case(currency)).collect();
    if saved.is_empty() {
        return Err(AppError::invalid(EMPTY));
    }
    // An earlier checkout of this member must not stay payable beside the new one.
    close_earlier(state, stripe, user.id).await?;

    let now = state.clock.now();
    let purchase = Uuid::new_v4();
    let expires_at = now + state.config.commerce.stock_hold;
    let mut tx = state.db.begin().await?;
    let ids: Vec<Uuid> = saved.iter().map(|l| l.product_id).collect();
    let locked = stock::lock(&mut tx, &ids, user.id, now).await?;
    let mut items = Vec::with_capacity(saved.len());
    for line in &saved {
        let Some(p) = locked.iter().find(|p| p.id == line.product_id) else { continue };
        if p.currency != line.currency_seen {
            return Err(AppError::invalid(format!(
                "The seller changed the currency of “{}”. Check your cart before paying.",
                p.title
            )));
        }
        if p.status != "active" || !p.seller_can_sell {
            return Err(AppError::invalid(format!(
                "“{}” is not for sale any more. Remove it from your cart to pay for the rest.",
                p.title
            )));
        }
        if p.available < line.quantity {
            // Told before paying: nothing is held or charged.
            return Err(AppError::invalid(match p.available {
                n if n <= 0 => format!(
                    "“{}” was just bought or is in another buyer's checkout. Remove it from your cart to pay for the rest.",
                    p.title
                ),
                n => format!("Only {n} of “{}” left. Lower the quantity in your cart.", p.title),
            }));
        }
        items.push((p, line.quantity));
    }
    if items.is_empty() {
        return Err(AppError::invalid(EMPTY));
    }
    let total: i64 = items.iter().map(|(p, q)| p.price_cents * i64::from(*q)).sum();
    if total != expected_total_cents {
        return Err(AppError::invalid(PRICES_CHANGED));
    }
    let shipping_json = serde_json::json!({
        "full_name": shipping.full_name, "line1": shipping.line1, "line2": shipping.line2, "city": shipping.city,
        "region": shipping.region, "postal_code": shipping.postal_code, "country": shipping.country,
        "phone": shipping.phone,
    });
    let fee = state.config.commerce.fee;
    sqlx::query(
        "INSERT INTO purchases (id, buyer_id, currency, total_cents, fee_bps, shipping, hold_expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(purchase)
    .bind(user.id)
    .bind(currency.to_ascii_uppercase())
    .bind(total)
    .bind(i32::from(fee.get()))
    .bind(&shipping_json)
    .bind(expires_at)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for (p, quantity) in &items {
        sqlx::query(
            "INSERT INTO purchase_items (purchase_id, product_id, seller_id, title, unit_price_cents, quantity)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(purchase)
        .bind(p.id)
        .bind(p.seller_id)
        .bind(&p.title)
        .bind(p.price_cents)
        .bind(quantity)
        .execute(&mut *tx)
        .await?;
    }
    write_orders(&mut tx, purchase, user.id, &items, fee, now).await?;
    tx.commit().await?;

    let customer = match customer_for(state, stripe, member).await {
        Ok(customer) => customer,
        Err(e) => {
            close(state, purchase, "failed", "Stripe could not start the payment").await?;
            return Err(e);
        }
    };
    let base = state.config.public_url.as_str().trim_end_matches('/');
    let lines = items
        .iter()
        .map(|(p, q)| PaymentLine { name: p.title.clone(), unit_amount_cents: p.price_cents, quantity: i64::from(*q) })
        .collect();
    let started = stripe
        .create_payment_checkout(&NewPaymentCheckout {
            key: format!("threadr-purchase-{purchase}"),
            purchase_id: purchase,
            buyer_id: user.id,
            customer: &customer,
            currency,
            lines,
            transfer_group: transfer_group(purchase),
            // Stripe checks `expires_at` against its own clock (at least 30 minutes ahead when
            // the session is made), so it is set from the wall clock with a little margin; the
            // sweeper expires the session as soon as our hold ends.
            expires_at: chrono::Utc::now() + state.config.commerce.stock_hold + chrono::Duration::minutes(2),
            success_url: format!("{base}{SUCCESS_PATH}?purchase={purchase}"),
            cancel_url: format!("{base}{CANCEL_PATH}?cancelled={purchase}"),
        })
        .await;
    match started {
        Ok(session) => {
            sqlx::query("UPDATE purchases SET stripe_session_id = $2, checkout_url = $3 WHERE id = $1")
                .bind(purchase)
                .bind(&session.id)
                .bind(&session.url)
                .execute(&state.db)
                .await?;
            Ok(session.url)
        }
        Err(e) => {
            close(state, purchase, "failed", "Stripe could not start the payment").await?;
            Err(stripe_failed("marketplace checkout", &e))
        }
    }
}

/// The Stripe transfer group of a purchase: its charge and every seller's transfer carry it.
pub fn transfer_group(purchase: Uuid) -> String {
    format!("purchase_{purchase}")
}

/// One pending order per seller, with the fee fixed now, its items and its first timeline row.
async fn write_orders(
    tx: &mut PgConnection,
    purchase: Uuid,
    buyer: Uuid,
    items: &[(&stock::Locked, i32)],
    fee: super::money::FeeBps,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut sellers: Vec<Uuid> = items.iter().map(|(p, _)| p.seller_id).collect();
    sellers.sort();
    sellers.dedup();
    for seller in sellers {
        let mine: Vec<_> = items.iter().filter(|(p, _)| p.seller_id == seller).collect();
        let subtotal: i64 = mine.iter().map(|(p, q)| p.price_cents * i64::from(*q)).sum();
        let order = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO orders (id, purchase_id, seller_id, buyer_id, currency, subtotal_cents, fee_cents, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(order)
        .bind(purchase)
        .bind(seller)
        .bind(buyer)
        .bind(&mine[0].0.currency)
        .bind(subtotal)
        .bind(split(subtotal, fee).fee_cents)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (p, quantity) in mine {
            sqlx::query(
                "INSERT INTO order_items (id, order_id, product_id, title, unit_price_cents, quantity)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::new_v4())
            .bind(order)
            .bind(p.id)
            .bind(&p.title)
            .bind(p.price_cents)
            .bind(quantity)
            .execute(&mut *tx)
            .await?;
        }
        super::orders::log(tx, order, now, super::orders::Actor::Buyer(buyer), "pending", "Checkout started.").await?;
    }
    Ok(())
}

/// Closes an open purchase without a sale (its holds end with it) and cancels its orders.
/// Returns false when it was no longer open.
pub async fn close_in(
    tx: &mut PgConnection,
    purchase: Uuid,
    status: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let closed = sqlx::query(
        "UPDATE purchases SET status = $2::purchase_status, closed_reason = $3, closed_at = $4
          WHERE id = $1 AND status = 'open'",
    )
    .bind(purchase)
    .bind(status)
    .bind(reason)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if closed {
        let orders: Vec<Uuid> =
            sqlx::query_scalar("UPDATE orders SET status = 'cancelled' WHERE purchase_id = $1 RETURNING id")
                .bind(purchase)
                .fetch_all(&mut *tx)
                .await?;
        for order in orders {
            super::orders::log(tx, order, now, super::orders::Actor::System, "cancelled", reason).await?;
        }
    }
    Ok(closed)
}

async fn close(state: &AppState, purchase: Uuid, status: &str, reason: &str) -> Result<bool, AppError> {
    let mut tx = state.db.begin().await?;
    let closed = close_in(&mut tx, purchase, status, reason, state.clock.now()).await?;
    tx.commit().await?;
    Ok(closed)
}

/// Ends the member's earlier open checkouts: each Stripe session is expired first, so it can
/// no longer be paid. One Stripe says was paid meanwhile stops the new checkout.
async fn close_earlier(state: &AppState, stripe: &dyn StripeApi, buyer: Uuid) -> Result<(), AppError> {
    let open: Vec<(Uuid, Option<String>)> =
        sqlx::query_as("SELECT id, stripe_session_id FROM purchases WHERE buyer_id = $1 AND status = 'open'")
            .bind(buyer)
            .fetch_all(&state.db)
            .await?;
    for (purchase, session) in open {
        if let Some(session) = session {
            match stripe.expire_checkout(&session, &format!("threadr-expire-{purchase}")).await {
                Ok(Expired::Expired) => {}
                Ok(Expired::NotOpen(status)) if status == "complete" => {
                    return Err(AppError::invalid(
                        "Your earlier checkout was just paid. See Your orders before buying again.",
                    ));
                }
                Ok(Expired::NotOpen(_)) => {}
                Err(e) => return Err(stripe_failed("expire an earlier checkout", &e)),
            }
        }
        close(state, purchase, "cancelled", "Replaced by a newer checkout.").await?;
    }
    Ok(())
}

/// Closes open purchases whose hold has expired (the sweeper, every minute): their Stripe
/// sessions are expired too, so a late payment cannot come through. Returns how many closed.
pub async fn expire_holds(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let due: Vec<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT id, stripe_session_id FROM purchases WHERE status = 'open' AND hold_expires_at <= $1 LIMIT 100",
    )
    .bind(now)
    .fetch_all(&state.db)
    .await?;
    let mut closed = 0;
    for (purchase, session) in due {
        if let (Some(stripe), Some(session)) = (state.stripe.as_deref(), session.as_deref()) {
            match stripe.expire_checkout(session, &format!("threadr-expire-{purchase}")).await {
                // Paid after all: the webhook completes it (or refunds it if the stock is gone).
                Ok(Expired::NotOpen(status)) if status == "complete" => continue,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, %purchase, "could not expire a checkout session; its hold ends anyway");
                }
            }
        }
        if close(state, purchase, "expired", "The checkout was not paid in time; the items were released.").await? {
            closed += 1;
        }
    }
    Ok(closed)
}
