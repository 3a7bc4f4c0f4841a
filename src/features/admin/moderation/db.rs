//! Moderation's SQL: the filtered lists, and bulk changes in one transaction with one audit row
//! per item and one email per seller.

use sqlx::PgPool;
use uuid::Uuid;

use super::model::{
    BULK_MAX, MODERATION_PAGE_SIZE, ModProducts, ModReviews, ModerationAction, ProductFilter, ReviewFilter,
};
use crate::error::AppError;
use crate::features::accounts::{CurrentUser, audit};
use crate::features::admin::users::like_pattern;
use crate::features::email::templates::ListingsModerated;
use crate::server::state::AppState;

const PRODUCT_WHERE: &str = "FROM products p JOIN sellers s ON s.user_id = p.seller_id
    JOIN categories c ON c.id = p.category_id
   WHERE ($1 = '' OR p.title ILIKE $2)
     AND ($3 = '' OR p.status::text = $3)
     AND ($4 = '' OR c.slug = $4 OR c.parent_id = (SELECT id FROM categories WHERE slug = $4))
     AND ($5 = '' OR s.handle = $5::citext)";

type Query<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

fn bind_products<'q, O>(q: Query<'q, O>, f: &'q ProductFilter, pattern: &'q str) -> Query<'q, O> {
    q.bind(f.q.trim()).bind(pattern).bind(f.status.trim()).bind(f.category.trim()).bind(f.seller.trim())
}

pub async fn products(pool: &PgPool, f: &ProductFilter, page: u32) -> Result<ModProducts, sqlx::Error> {
    let pattern = like_pattern(f.q.trim());
    let count = format!("SELECT count(*) {PRODUCT_WHERE}");
    let (total,): (i64,) = bind_products(sqlx::query_as(&count), f, &pattern).fetch_one(pool).await?;
    let list = format!(
        "SELECT p.id, p.slug, p.title, s.handle::text AS seller_handle, p.status::text AS status, p.price_cents,
                p.currency, p.removed_reason, p.created_at
         {PRODUCT_WHERE} ORDER BY p.created_at DESC, p.id LIMIT $6 OFFSET $7"
    );
    let products = bind_products(sqlx::query_as(&list), f, &pattern)
        .bind(i64::from(MODERATION_PAGE_SIZE))
        .bind(i64::from(page - 1) * i64::from(MODERATION_PAGE_SIZE))
        .fetch_all(pool)
        .await?;
    Ok(ModProducts { products, total, page })
}

/// The ids of the listings matching `f` (at most `BULK_MAX` + 1, so "too many" can be told).
pub async fn matching_products(pool: &PgPool, f: &ProductFilter) -> Result<Vec<Uuid>, sqlx::Error> {
    let pattern = like_pattern(f.q.trim());
    let sql = format!("SELECT p.id {PRODUCT_WHERE} ORDER BY p.created_at DESC LIMIT $6");
    let rows: Vec<(Uuid,)> =
        bind_products(sqlx::query_as(&sql), f, &pattern).bind(BULK_MAX + 1).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Applies `action` to the listings `ids`; returns how many changed. Hiding leaves removed
/// listings alone; restoring only brings back what moderators took off sale (a seller's own
/// pause stays). Each seller gets one email listing their changed listings.
pub async fn moderate_products(
    state: &AppState,
    admin: &CurrentUser,
    origin: &audit::Origin,
    action: ModerationAction,
    reason: &str,
    ids: &[Uuid],
) -> Result<u64, AppError> {
    let mut tx = state.db.begin().await?;
    let changed: Vec<(Uuid, String, Uuid, String, String, String)> = sqlx::query_as(
        "WITH target AS (
             SELECT p.id FROM products p
              WHERE p.id = ANY($1)
                AND CASE $2 WHEN 'hide' THEN p.status IN ('draft', 'active')
                                              OR (p.status = 'hidden' AND p.removed_reason IS NULL)
                            WHEN 'remove' THEN p.status <> 'removed'
                            ELSE p.status IN ('hidden', 'removed') AND p.removed_reason IS NOT NULL END
              ORDER BY p.id FOR UPDATE
         ), updated AS (
             UPDATE products p
                SET status = CASE $2 WHEN 'hide' THEN 'hidden'::product_status
                                     WHEN 'remove' THEN 'removed'::product_status
                                     ELSE 'active'::product_status END,
                    removed_reason = CASE WHEN $2 = 'restore' THEN NULL ELSE $3 END,
                    published_at = CASE WHEN $2 = 'restore' THEN coalesce(p.published_at, now()) ELSE p.published_at END
               FROM target WHERE p.id = target.id
             RETURNING p.id, p.title, p.seller_id
         )
         SELECT u.id, u.title, u.seller_id, usr.email::text, usr.display_name, s.handle::text
           FROM updated u JOIN users usr ON usr.id = u.seller_id JOIN sellers s ON s.user_id = u.seller_id
          ORDER BY u.seller_id, u.title",
    )
    .bind(ids)
    .bind(action.as_str())
    .bind(reason)
    .fetch_all(&mut *tx)
    .await?;
    let event = format!("product_{}", action.past());
    sqlx::query(
        "INSERT INTO audit_log (event, user_id, email, ip, user_agent, target, detail)
         SELECT $1, $2, $3, $4::inet, $5, 'product:' || id::text, jsonb_build_object('reason', $6::text, 'by', 'admin')
           FROM unnest($7::uuid[]) AS id",
    )
    .bind(&event)
    .bind(admin.id)
    .bind(&admin.email)
    .bind(origin.ip.map(|ip| ip.to_string()))
    .bind(origin.user_agent.as_deref().map(|ua| ua.chars().take(300).collect::<String>()))
    .bind(reason)
    .bind(changed.iter().map(|c| c.0).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let batch = Uuid::new_v4();
    let mut by_seller: Vec<(Uuid, String, String, Vec<String>)> = Vec::new();
    for (_, title, seller, email, name, _) in &changed {
        match by_seller.last_mut() {
            Some(last) if last.0 == *seller => last.3.push(title.clone()),
            _ => by_seller.push((*seller, email.clone(), name.clone(), vec![title.clone()])),
        }
    }
    for (seller, email, name, titles) in by_seller {
        let more = titles.len().saturating_sub(20) as i64;
        let notice = ListingsModerated {
            name,
            action: action.past().to_string(),
            reason: reason.to_string(),
            titles: titles.into_iter().take(20).collect(),
            more,
        };
        state.mailer.enqueue(&mut tx, &email, &notice, &format!("moderation:{batch}:{seller}")).await?;
    }
    tx.commit().await?;
    for (id, ..) in &changed {
        state.pages.forget(*id);
        state.panels.forget(*id).await;
    }
    Ok(changed.len() as u64)
}

const REVIEW_WHERE: &str = "FROM reviews r JOIN users a ON a.id = r.buyer_id JOIN sellers s ON s.user_id = r.seller_id
    LEFT JOIN products p ON p.id = r.product_id
   WHERE ($1 = '' OR r.body ILIKE $2)
     AND CASE $3 WHEN 'reported' THEN EXISTS (SELECT 1 FROM review_reports rr WHERE rr.review_id = r.id AND rr.resolved_at IS NULL)
                 WHEN 'hidden' THEN r.hidden_at IS NOT NULL
                 WHEN 'shown' THEN r.hidden_at IS NULL
                 ELSE true END
     AND ($4 = '' OR r.rating::text = $4)";

fn bind_reviews<'q, O>(q: Query<'q, O>, f: &'q ReviewFilter, pattern: &'q str) -> Query<'q, O> {
    q.bind(f.q.trim()).bind(pattern).bind(f.show.trim()).bind(f.rating.trim())
}

pub async fn reviews(pool: &PgPool, f: &ReviewFilter, page: u32) -> Result<ModReviews, sqlx::Error> {
    let pattern = like_pattern(f.q.trim());
    let count = format!("SELECT count(*) {REVIEW_WHERE}");
    let (total,): (i64,) = bind_reviews(sqlx::query_as(&count), f, &pattern).fetch_one(pool).await?;
    let list = format!(
        "SELECT r.id, r.rating, r.body, p.title AS product_title, a.display_name AS author, s.handle::text AS seller_handle,
                r.hidden_at IS NOT NULL AS hidden, r.hidden_reason,
                (SELECT count(*) FROM review_reports rr WHERE rr.review_id = r.id AND rr.resolved_at IS NULL) AS open_reports,
                r.created_at
         {REVIEW_WHERE} ORDER BY r.created_at DESC, r.id LIMIT $5 OFFSET $6"
    );
    let reviews = bind_reviews(sqlx::query_as(&list), f, &pattern)
        .bind(i64::from(MODERATION_PAGE_SIZE))
        .bind(i64::from(page - 1) * i64::from(MODERATION_PAGE_SIZE))
        .fetch_all(pool)
        .await?;
    Ok(ModReviews { reviews, total, page })
}

pub async fn matching_reviews(pool: &PgPool, f: &ReviewFilter) -> Result<Vec<Uuid>, sqlx::Error> {
    let pattern = like_pattern(f.q.trim());
    let sql = format!("SELECT r.id {REVIEW_WHERE} ORDER BY r.created_at DESC LIMIT $5");
    let rows: Vec<(Uuid,)> = bind_reviews(sqlx::query_as(&sql), f, &pattern).bind(BULK_MAX + 1).fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
