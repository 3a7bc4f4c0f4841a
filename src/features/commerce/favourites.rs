//! Favourites: a member's saved products (`/favourites`), a heart on every card and product
//! page, and the count on the product (kept by a trigger).

use uuid::Uuid;

use crate::error::AppError;
use crate::features::catalogue::model::ProductCard;
use crate::server::state::AppState;

/// Saves or unsaves a product. Returns whether it is saved now and its count.
pub async fn toggle(state: &AppState, user: Uuid, product: Uuid) -> Result<(bool, i32), AppError> {
    let mut tx = state.db.begin().await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM products WHERE id = $1 AND status = 'active')")
        .bind(product)
        .fetch_one(&mut *tx)
        .await?;
    let removed = sqlx::query("DELETE FROM favourites WHERE user_id = $1 AND product_id = $2")
        .bind(user)
        .bind(product)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if !removed {
        // Only what is on sale can be saved (unsaving always works).
        if !exists {
            return Err(AppError::NotFound);
        }
        sqlx::query(
            "INSERT INTO favourites (user_id, product_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user)
        .bind(product)
        .bind(state.clock.now())
        .execute(&mut *tx)
        .await?;
    }
    let count: i32 = sqlx::query_scalar("SELECT favourite_count FROM products WHERE id = $1")
        .bind(product)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0);
    tx.commit().await?;
    super::panel_cache::panel_changed(state, product).await;
    Ok((!removed, count))
}

/// The ids of the member's favourites (hearts read it once per page).
pub async fn ids(state: &AppState, user: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(sqlx::query_scalar("SELECT product_id FROM favourites WHERE user_id = $1")
        .bind(user)
        .fetch_all(&state.db)
        .await?)
}

/// `/favourites`: the saved products still listed, newest saved first.
pub async fn cards(state: &AppState, user: Uuid) -> Result<Vec<ProductCard>, AppError> {
    let sql = format!(
        "{} JOIN favourites f ON f.product_id = p.id WHERE f.user_id = $1 AND p.status = 'active'
          ORDER BY f.created_at DESC LIMIT 200",
        crate::features::catalogue::cards::CARD_SELECT
    );
    let rows: Vec<crate::features::catalogue::cards::CardRow> =
        sqlx::query_as(&sql).bind(user).fetch_all(&state.db).await?;
    Ok(rows.into_iter().map(ProductCard::from).collect())
}
