//! The admin portal key (ADMIN_PORTAL_KEY): when set, an admin enters it once per session
//! before any admin page. Entering it rotates the session id (the session gained a privilege).

use leptos::prelude::*;

use crate::error::AppError;

pub const WRONG_PORTAL_KEY: &str = "That is not the admin portal key.";

/// Whether this admin session still has to enter the portal key.
#[server(prefix = "/api", endpoint = "admin/gate")]
pub async fn admin_gate() -> Result<bool, AppError> {
    let me = super::session::require_admin_before_step_up().await?;
    let state = crate::server::state::app_state()?;
    Ok(state.config.auth.admin_portal_key.is_some() && !me.stepped_up())
}

#[server(prefix = "/api", endpoint = "admin/step-up")]
pub async fn admin_step_up(key: String) -> Result<(), AppError> {
    use super::{audit, model::EmailAddress, session};
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;

    let me = session::require_admin_before_step_up().await?;
    let state = crate::server::state::app_state()?;
    let Some(expected) = state.config.auth.admin_portal_key.as_deref() else { return Ok(()) };
    let origin = session::origin().await;
    let email = EmailAddress::parse(&me.email).map_err(AppError::invalid)?;
    super::api::limit(&state, "step_up", &email, &origin).await?;
    // Digests have equal length, so the comparison time says nothing about the key.
    let matches: bool = Sha256::digest(key.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into();
    if !matches {
        audit::record(&state.db, "admin_step_up_failed", Some(me.id), Some(&me.email), &origin, serde_json::json!({}))
            .await?;
        return Err(AppError::invalid(WRONG_PORTAL_KEY));
    }
    session::step_up(&me).await?;
    audit::record(&state.db, "admin_step_up", Some(me.id), Some(&me.email), &origin, serde_json::json!({})).await?;
    Ok(())
}
