//! Moderation's server functions: the filtered lists and the bulk actions. A bulk action names
//! the selected ids, or asks for "all matching" the filter (at most `BULK_MAX` at once).

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{ModProducts, ModReviews, ProductFilter, ReviewFilter};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "admin/products")]
pub async fn admin_products(
    #[server(default)] filter: ProductFilter,
    page: Option<u32>,
) -> Result<ModProducts, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::db::products(&state.db, &filter, page.unwrap_or(1).clamp(1, 100_000)).await?)
}

/// Hides, removes or restores listings; returns what happened, for the admin.
#[server(prefix = "/api", endpoint = "admin/products/moderate")]
pub async fn admin_moderate_products(
    action: String,
    #[server(default)] reason: String,
    #[server(default)] ids: Vec<Uuid>,
    #[server(default)] all_matching: bool,
    #[server(default)] filter: ProductFilter,
) -> Result<String, AppError> {
    use super::model::{ModerationAction, parse_reason};
    use crate::features::accounts::session;
    let admin = session::require_admin().await?;
    let action =
        ModerationAction::parse(&action).ok_or_else(|| AppError::invalid("Choose hide, remove or restore."))?;
    let reason = parse_reason(action, &reason).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let ids = ssr::selection(ids, all_matching, || super::db::matching_products(&state.db, &filter)).await?;
    let changed =
        super::db::moderate_products(&state, admin.user(), &session::origin().await, action, &reason, &ids).await?;
    let unchanged = ids.len() as u64 - changed;
    let noun = |n: u64| if n == 1 { "listing" } else { "listings" };
    let mut said = format!("{changed} {} {}; the sellers are told by email.", noun(changed), action.past());
    if unchanged > 0 {
        said.push_str(&format!(" {unchanged} {} already so, left alone.", noun(unchanged)));
    }
    Ok(said)
}

#[server(prefix = "/api", endpoint = "admin/reviews")]
pub async fn admin_reviews(#[server(default)] filter: ReviewFilter, page: Option<u32>) -> Result<ModReviews, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::db::reviews(&state.db, &filter, page.unwrap_or(1).clamp(1, 100_000)).await?)
}

/// Hides reviews (their open reports resolved, ratings recounted) or shows them again.
#[server(prefix = "/api", endpoint = "admin/reviews/moderate")]
pub async fn admin_moderate_reviews(
    action: String,
    #[server(default)] reason: String,
    #[server(default)] ids: Vec<Uuid>,
    #[server(default)] all_matching: bool,
    #[server(default)] filter: ReviewFilter,
) -> Result<String, AppError> {
    use super::model::{ModerationAction, parse_reason};
    use crate::features::accounts::{audit, session};
    let admin = session::require_admin().await?;
    let action = match ModerationAction::parse(&action) {
        Some(ModerationAction::Remove) => return Err(AppError::invalid("Reviews are hidden, not removed.")),
        Some(action) => action,
        None => return Err(AppError::invalid("Choose hide or restore.")),
    };
    let reason = parse_reason(action, &reason).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let ids = ssr::selection(ids, all_matching, || super::db::matching_reviews(&state.db, &filter)).await?;
    let origin = session::origin().await;
    let hidden = action == ModerationAction::Hide;
    let event = if hidden { "review_hidden" } else { "review_shown" };
    for id in &ids {
        crate::features::commerce::reviews::set_hidden(&state, *id, hidden, &reason).await?;
        let detail = serde_json::json!({ "reason": reason, "by": "admin" });
        audit::admin_action(&state.db, event, Some(admin.user()), &format!("review:{id}"), &origin, detail).await?;
    }
    let n = ids.len();
    Ok(format!("{n} {} {}.", if n == 1 { "review" } else { "reviews" }, if hidden { "hidden" } else { "shown again" }))
}

#[cfg(feature = "ssr")]
mod ssr {
    use uuid::Uuid;

    use crate::error::AppError;
    use crate::features::admin::moderation::model::BULK_MAX;

    /// The ids to act on: those selected, or every match of the filter. Refuses an empty
    /// selection and one over `BULK_MAX`.
    pub async fn selection<F, Fut>(ids: Vec<Uuid>, all_matching: bool, matching: F) -> Result<Vec<Uuid>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<Uuid>, sqlx::Error>>,
    {
        let mut ids = if all_matching { matching().await? } else { ids };
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Err(AppError::invalid("Select at least one item, or all that match the filter."));
        }
        if ids.len() as i64 > BULK_MAX {
            return Err(AppError::invalid(format!("At most {BULK_MAX} items at once: narrow the filter and repeat.")));
        }
        Ok(ids)
    }
}
