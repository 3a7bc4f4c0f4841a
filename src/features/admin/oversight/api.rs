//! Reported messages (dismiss, or delete the message), orders (search, refund through the
//! commerce feature) and referral commissions.

use leptos::prelude::*;

use super::model::{OrderList, Referrals, ReportedMessage};
use crate::error::AppError;

/// Reported messages, open ones first (`all` includes resolved ones).
#[server(prefix = "/api", endpoint = "admin/reports")]
pub async fn admin_reports(#[server(default)] all: bool) -> Result<Vec<ReportedMessage>, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(sqlx::query_as(
        "SELECT m.id AS message_id, CASE WHEN m.deleted_at IS NULL THEN m.body
                     ELSE coalesce((SELECT v.body FROM message_versions v WHERE v.message_id = m.id ORDER BY v.id DESC LIMIT 1), '') END AS body,
                m.deleted_at IS NOT NULL AS deleted, m.sender_id, s.email::text AS sender_email,
                r.email::text AS reporter_email, mr.reason, mr.created_at AS reported_at, mr.resolved_at IS NOT NULL AS resolved
           FROM message_reports mr JOIN messages m ON m.id = mr.message_id
           JOIN users s ON s.id = m.sender_id JOIN users r ON r.id = mr.reporter_id
          WHERE $1 OR mr.resolved_at IS NULL
          ORDER BY mr.resolved_at IS NOT NULL, mr.created_at DESC LIMIT 200",
    )
    .bind(all)
    .fetch_all(&state.db)
    .await?)
}

/// Closes a message's reports: `action` "dismiss" leaves the message, "delete" deletes it
/// (members see "message deleted"; its text stays in its versions for moderation).
#[server(prefix = "/api", endpoint = "admin/reports/resolve")]
pub async fn admin_resolve_report(message: i64, action: String) -> Result<String, AppError> {
    use crate::features::accounts::{audit, session};
    let admin = session::require_admin().await?;
    let delete = match action.as_str() {
        "dismiss" => false,
        "delete" => true,
        _ => return Err(AppError::invalid("Choose dismiss or delete.")),
    };
    let state = crate::server::state::app_state()?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let closed =
        sqlx::query("UPDATE message_reports SET resolved_at = $2 WHERE message_id = $1 AND resolved_at IS NULL")
            .bind(message)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if closed == 0 {
        return Err(AppError::NotFound);
    }
    if delete {
        crate::features::messaging::moderator_delete(&mut tx, message, now).await?;
    }
    let event = if delete { "message_deleted_by_admin" } else { "message_report_dismissed" };
    audit::admin_action(
        &mut *tx,
        event,
        Some(admin.user()),
        &format!("message:{message}"),
        &session::origin().await,
        serde_json::json!({ "reports": closed }),
    )
    .await?;
    tx.commit().await?;
    Ok(if delete {
        "The message is deleted and its reports closed.".into()
    } else {
        "The reports are dismissed.".into()
    })
}

/// Orders whose number, buyer email or seller handle contains `q`; `status` one order status or empty.
#[server(prefix = "/api", endpoint = "admin/orders")]
pub async fn admin_orders(
    #[server(default)] q: String,
    #[server(default)] status: String,
    page: Option<u32>,
) -> Result<OrderList, AppError> {
    use super::model::OVERSIGHT_PAGE_SIZE;
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let q: String = q.trim().chars().take(200).collect();
    let pattern = crate::features::admin::users::like_pattern(&q);
    let page = page.unwrap_or(1).clamp(1, 100_000);
    let condition = "($1 = '' OR o.number ILIKE $2 OR b.email::text ILIKE $2 OR s.handle::text ILIKE $2)
                     AND ($3 = '' OR o.status::text = $3)";
    let from = "FROM orders o JOIN users b ON b.id = o.buyer_id JOIN sellers s ON s.user_id = o.seller_id";
    let total: i64 = sqlx::query_scalar(&format!("SELECT count(*) {from} WHERE {condition}"))
        .bind(&q)
        .bind(&pattern)
        .bind(status.trim())
        .fetch_one(&state.db)
        .await?;
    let orders = sqlx::query_as(&format!(
        "SELECT o.number, o.status::text AS status, b.email::text AS buyer_email, s.handle::text AS seller_handle, o.currency,
                o.subtotal_cents, o.fee_cents, o.refunded_cents, o.created_at
         {from} WHERE {condition} ORDER BY o.created_at DESC LIMIT $4 OFFSET $5"
    ))
    .bind(&q)
    .bind(&pattern)
    .bind(status.trim())
    .bind(OVERSIGHT_PAGE_SIZE)
    .bind(i64::from(page - 1) * OVERSIGHT_PAGE_SIZE)
    .fetch_all(&state.db)
    .await?;
    Ok(OrderList { orders, total, page })
}

/// The latest commissions and the referrers who earned most.
#[server(prefix = "/api", endpoint = "admin/referrals")]
pub async fn admin_referrals() -> Result<Referrals, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let recent = sqlx::query_as(
        "SELECT r.email::text AS referrer_email, d.email::text AS referred_email, e.currency, e.amount_cents,
                e.commission_cents, e.paid_at
           FROM referral_earnings e JOIN users r ON r.id = e.referrer_id JOIN users d ON d.id = e.referred_user_id
          ORDER BY e.paid_at DESC LIMIT 100",
    )
    .fetch_all(&state.db)
    .await?;
    let top = sqlx::query_as(
        "SELECT r.email::text AS referrer_email, count(*) AS referrals, e.currency, sum(e.commission_cents)::bigint AS commission_cents
           FROM referral_earnings e JOIN users r ON r.id = e.referrer_id
          GROUP BY r.email, e.currency ORDER BY sum(e.commission_cents) DESC LIMIT 20",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Referrals { recent, top })
}
