//! Server functions of the addresses page; each starts with the member guard.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{Address, AddressInput};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "accounts/addresses")]
pub async fn my_addresses() -> Result<Vec<Address>, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    Ok(super::db::list(&crate::server::state::app_state()?.db, &me).await?)
}

/// Adds (no `id`) or edits an address; `make_default` makes it the default.
#[server(prefix = "/api", endpoint = "accounts/save-address")]
pub async fn save_address(
    id: Option<Uuid>,
    address: AddressInput,
    #[server(default)] make_default: Option<String>,
) -> Result<Uuid, AppError> {
    use super::db::{self, Saved};
    let me = crate::features::accounts::session::require_user().await?;
    let address = address.validate().map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    match db::save(&state.db, &me, id, &address, make_default.is_some()).await? {
        Saved::Done(id) => Ok(id),
        Saved::NotFound => Err(AppError::NotFound),
        Saved::TooMany => Err(AppError::invalid(format!(
            "You can keep {} addresses at most. Delete one you no longer use first.",
            super::model::ADDRESSES_MAX
        ))),
    }
}

#[server(prefix = "/api", endpoint = "accounts/default-address")]
pub async fn set_default_address(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    if super::db::set_default(&crate::server::state::app_state()?.db, &me, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[server(prefix = "/api", endpoint = "accounts/delete-address")]
pub async fn delete_address(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    if super::db::delete(&crate::server::state::app_state()?.db, &me, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
