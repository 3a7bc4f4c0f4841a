//! The history's server functions: the list, and delete/undo for any kind.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::HistoryPage;
#[cfg(feature = "ssr")]
use super::model::{HistoryKind, QUERY_MAX_CHARS, parse_filter};
use crate::error::AppError;

/// The member's saved items, newest first: `kind` is `all` or one kind, `query` searches
/// titles and text.
#[server(prefix = "/api", endpoint = "history/list")]
pub async fn list_history(kind: String, query: String, page: u32) -> Result<HistoryPage, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let kind = parse_filter(&kind).map_err(AppError::invalid)?;
    if query.chars().count() > QUERY_MAX_CHARS {
        return Err(AppError::invalid(format!("Search for at most {QUERY_MAX_CHARS} characters.")));
    }
    let state = crate::server::state::app_state()?;
    Ok(super::db::list(&state.db, me.id, kind, &query, page).await?)
}

/// Deletes a saved item; [`restore_saved`] undoes it for a short while.
#[server(prefix = "/api", endpoint = "history/delete")]
pub async fn delete_saved(kind: String, id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let kind: HistoryKind = kind.parse().map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let done = match kind {
        HistoryKind::Thread => crate::features::threads::delete_saved(&state.db, &me, id).await?,
        HistoryKind::Letter => crate::features::letters::delete_saved(&state, &me, id).await?,
        HistoryKind::Description | HistoryKind::Transcript => {
            crate::features::tools::set_deleted(&state.db, me.id, kind == HistoryKind::Transcript, id, true).await?
        }
    };
    if done { Ok(()) } else { Err(AppError::NotFound) }
}

#[server(prefix = "/api", endpoint = "history/restore")]
pub async fn restore_saved(kind: String, id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let kind: HistoryKind = kind.parse().map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let done = match kind {
        HistoryKind::Thread => crate::features::threads::restore_saved(&state.db, &me, id).await?,
        HistoryKind::Letter => crate::features::letters::restore_saved(&state, &me, id).await?,
        HistoryKind::Description | HistoryKind::Transcript => {
            crate::features::tools::set_deleted(&state.db, me.id, kind == HistoryKind::Transcript, id, false).await?
        }
    };
    if done {
        Ok(())
    } else {
        Err(AppError::invalid(format!("That {} can no longer be restored.", kind.label().to_lowercase())))
    }
}
