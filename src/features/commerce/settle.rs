//! Money moves at Stripe after our records commit: each paid order's transfer to its seller,
//! each refund (and the reversal of the seller's share), and the full refund of a payment that
//! arrived after its stock was sold. Every call carries an idempotency key derived from our
//! ids and runs under the row's lock (`SKIP LOCKED`: instances share the work, never double
//! it); a failure is recorded and retried on the next round, at most `MAX_ATTEMPTS` times.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::checkout::transfer_group;
use crate::features::billing::{NewTransfer, StripeApi, StripeError};
use crate::server::state::AppState;

/// `pg_notify` channel: something is ready to settle.
pub const CHANNEL: &str = "commerce_settle";
pub const MAX_ATTEMPTS: i32 = 10;

/// What one round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Settled {
    pub transfers: usize,
    pub refunds: usize,
    pub failures: usize,
}

pub async fn settle_once(state: &AppState) -> Result<Settled, sqlx::Error> {
    let mut done = Settled::default();
    let Some(stripe) = state.stripe.as_deref() else { return Ok(done) };
    let now = state.clock.now();
    // Each row is tried once per round: a failure waits for the next round.
    let mut tried = Vec::new();
    while let Some(ok) = transfer_next(state, stripe, now, &mut tried).await? {
        if ok { done.transfers += 1 } else { done.failures += 1 }
    }
    while let Some(ok) = purchase_refund_next(state, stripe, now, &mut tried).await? {
        if ok { done.refunds += 1 } else { done.failures += 1 }
    }
    while let Some(ok) = refund_next(state, stripe, now, &mut tried).await? {
        if ok { done.refunds += 1 } else { done.failures += 1 }
    }
    Ok(done)
}

#[derive(sqlx::FromRow)]
struct DueTransfer {
    id: Uuid,
    purchase_id: Uuid,
    amount: i64,
    currency: String,
    account: Option<String>,
    payment_intent_id: Option<String>,
    charge_id: Option<String>,
}

fn failed(e: &StripeError) -> String {
    tracing::warn!(error = %e, "a marketplace Stripe call failed; it is retried");
    e.to_string()
}

/// Sends the next due transfer. `None` when none is due; `Some(false)` when it failed.
async fn transfer_next(
    state: &AppState,
    stripe: &dyn StripeApi,
    now: DateTime<Utc>,
    tried: &mut Vec<Uuid>,
) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let due: Option<DueTransfer> = sqlx::query_as(
        "SELECT o.id, o.purchase_id, o.subtotal_cents - o.fee_cents AS amount, o.currency,
                s.stripe_account_id AS account, p.payment_intent_id, p.charge_id
           FROM orders o JOIN purchases p ON p.id = o.purchase_id JOIN sellers s ON s.user_id = o.seller_id
          WHERE o.transfer_id IS NULL AND o.status IN ('paid', 'shipped', 'delivered', 'partially_refunded')
            AND o.subtotal_cents > o.fee_cents AND o.transfer_attempts < $1 AND p.payment_intent_id IS NOT NULL
            AND o.id <> ALL($2)
          ORDER BY o.paid_at LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
    )
    .bind(MAX_ATTEMPTS)
    .bind(&*tried)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(due) = due else { return Ok(None) };
    tried.push(due.id);
    let outcome = transfer(stripe, &due, &mut tx).await;
    let ok = outcome.is_ok();
    match outcome {
        Ok(transfer) => {
            sqlx::query("UPDATE orders SET transfer_id = $2, transferred_at = $3, transfer_error = NULL WHERE id = $1")
                .bind(due.id)
                .bind(&transfer)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Err(error) => {
            sqlx::query(
                "UPDATE orders SET transfer_attempts = transfer_attempts + 1, transfer_error = $2 WHERE id = $1",
            )
            .bind(due.id)
            .bind(&error)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(ok))
}

async fn transfer(stripe: &dyn StripeApi, due: &DueTransfer, tx: &mut sqlx::PgConnection) -> Result<String, String> {
    let account = due.account.as_deref().ok_or("the seller has no Stripe account")?;
    let charge = match &due.charge_id {
        Some(charge) => charge.clone(),
        None => {
            let intent = due.payment_intent_id.as_deref().ok_or("the payment is not known yet")?;
            let charge = stripe
                .payment_charge(intent)
                .await
                .map_err(|e| failed(&e))?
                .ok_or("Stripe reports no charge for the payment yet")?;
            sqlx::query("UPDATE purchases SET charge_id = $2 WHERE id = $1")
                .bind(due.purchase_id)
                .bind(&charge)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
            charge
        }
    };
    stripe
        .create_transfer(&NewTransfer {
            key: format!("threadr-transfer-{}", due.id),
            amount_cents: due.amount,
            currency: &due.currency,
            destination: account,
            transfer_group: &transfer_group(due.purchase_id),
            source_charge: &charge,
            order_id: due.id,
        })
        .await
        .map_err(|e| failed(&e))
}

/// Refunds the next payment that arrived after its stock was sold, in full.
async fn purchase_refund_next(
    state: &AppState,
    stripe: &dyn StripeApi,
    now: DateTime<Utc>,
    tried: &mut Vec<Uuid>,
) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let due: Option<(Uuid, String, i64)> = sqlx::query_as(
        "SELECT id, payment_intent_id, total_cents FROM purchases
          WHERE refund_status = 'pending' AND payment_intent_id IS NOT NULL AND refund_attempts < $1
            AND id <> ALL($2)
          ORDER BY closed_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(MAX_ATTEMPTS)
    .bind(&*tried)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((purchase, intent, total)) = due else { return Ok(None) };
    tried.push(purchase);
    let outcome = stripe.refund_payment(&intent, total, purchase, &format!("threadr-refund-purchase-{purchase}")).await;
    let ok = outcome.is_ok();
    match outcome {
        Ok(refund) => {
            sqlx::query(
                "UPDATE purchases SET refund_status = 'done', refund_id = $2, refund_error = NULL, closed_at = COALESCE(closed_at, $3)
                  WHERE id = $1",
            )
            .bind(purchase)
            .bind(&refund)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Err(e) => {
            sqlx::query(
                "UPDATE purchases SET refund_attempts = refund_attempts + 1, refund_error = $2,
                        refund_status = CASE WHEN refund_attempts + 1 >= $3 THEN 'failed' ELSE refund_status END
                  WHERE id = $1",
            )
            .bind(purchase)
            .bind(failed(&e))
            .bind(MAX_ATTEMPTS)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Some(ok))
}

/// What a refund's Stripe calls need (callers add WHERE and the lock).
const DUE_REFUND: &str =
    "SELECT r.id, r.amount_cents, r.reversal_cents, r.stripe_refund_id, p.payment_intent_id, o.transfer_id
       FROM refunds r JOIN orders o ON o.id = r.order_id JOIN purchases p ON p.id = o.purchase_id";

#[derive(sqlx::FromRow)]
struct DueRefund {
    id: Uuid,
    amount_cents: i64,
    reversal_cents: i64,
    stripe_refund_id: Option<String>,
    payment_intent_id: String,
    transfer_id: Option<String>,
}

/// Makes the next pending refund at Stripe: the buyer's money back, then the seller's share
/// reversed. Each step is kept as soon as it is done.
async fn refund_next(
    state: &AppState,
    stripe: &dyn StripeApi,
    now: DateTime<Utc>,
    tried: &mut Vec<Uuid>,
) -> Result<Option<bool>, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let due: Option<DueRefund> = sqlx::query_as(&format!(
        "{DUE_REFUND}
          WHERE r.status = 'pending' AND r.attempts < $1 AND p.payment_intent_id IS NOT NULL AND r.id <> ALL($2)
          ORDER BY r.created_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED"
    ))
    .bind(MAX_ATTEMPTS)
    .bind(&*tried)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(due) = due else { return Ok(None) };
    tried.push(due.id);
    let ok = refund_one(&mut tx, stripe, &due, now).await?;
    tx.commit().await?;
    Ok(Some(ok))
}

async fn refund_one(
    tx: &mut sqlx::PgConnection,
    stripe: &dyn StripeApi,
    due: &DueRefund,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    if due.stripe_refund_id.is_none() {
        let key = format!("threadr-refund-{}", due.id);
        let made =
            stripe.refund_payment(&due.payment_intent_id, due.amount_cents, due.id, &key).await.map_err(|e| failed(&e));
        if !keep(tx, due.id, "stripe_refund_id", made).await? {
            return Ok(false);
        }
    }
    if due.reversal_cents > 0 {
        let made = match due.transfer_id.as_deref() {
            Some(transfer) => {
                let key = format!("threadr-reversal-{}", due.id);
                stripe.reverse_transfer(transfer, due.reversal_cents, due.id, &key).await.map_err(|e| failed(&e))
            }
            None => Err("the seller's transfer is not made yet".to_string()),
        };
        if !keep(tx, due.id, "stripe_reversal_id", made).await? {
            return Ok(false);
        }
    }
    sqlx::query("UPDATE refunds SET status = 'done', done_at = $2, error = NULL WHERE id = $1")
        .bind(due.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(true)
}

/// Keeps the id of a Stripe step of refund `id` in `column` (true), or counts the failure and
/// keeps its message (false; the refund fails for good after `MAX_ATTEMPTS`).
async fn keep(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    column: &str,
    made: Result<String, String>,
) -> Result<bool, sqlx::Error> {
    match made {
        Ok(stripe_id) => {
            sqlx::query(&format!("UPDATE refunds SET {column} = $2 WHERE id = $1"))
                .bind(id)
                .bind(stripe_id)
                .execute(&mut *tx)
                .await?;
            Ok(true)
        }
        Err(e) => {
            sqlx::query(
                "UPDATE refunds SET attempts = attempts + 1, error = $2,
                        status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE status END
                  WHERE id = $1",
            )
            .bind(id)
            .bind(e)
            .bind(MAX_ATTEMPTS)
            .execute(&mut *tx)
            .await?;
            Ok(false)
        }
    }
}

/// Settles one refund now (the refund button waits for it); the worker retries it if this fails.
pub async fn refund_now(state: &AppState, refund: Uuid) -> Result<bool, sqlx::Error> {
    let Some(stripe) = state.stripe.as_deref() else { return Ok(false) };
    let mut tx = state.db.begin().await?;
    let due: Option<DueRefund> = sqlx::query_as(&format!(
        "{DUE_REFUND} WHERE r.id = $1 AND r.status = 'pending' AND p.payment_intent_id IS NOT NULL
          FOR UPDATE OF r SKIP LOCKED"
    ))
    .bind(refund)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(due) = due else { return Ok(false) };
    let ok = refund_one(&mut tx, stripe, &due, state.clock.now()).await?;
    tx.commit().await?;
    Ok(ok)
}
