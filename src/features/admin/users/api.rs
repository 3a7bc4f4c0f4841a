//! The admin's server functions for accounts. Each is guarded by `require_admin`, and each
//! action writes one audit row (in the accounts and quotas features that carry it out).

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{UserDetail, UserList};
use crate::error::AppError;

/// Accounts whose email or name contains `q`, newest first, a page at a time.
#[server(prefix = "/api", endpoint = "admin/users")]
pub async fn admin_users(q: String, filter: String, page: Option<u32>) -> Result<UserList, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let q = q.trim();
    if q.chars().count() > 200 {
        return Err(AppError::invalid("Search for at most 200 characters."));
    }
    let page = page.unwrap_or(1).clamp(1, 10_000);
    Ok(super::db::search(&state.db, q, super::model::UserFilter::parse(&filter), page).await?)
}

#[server(prefix = "/api", endpoint = "admin/user")]
pub async fn admin_user(id: Uuid) -> Result<UserDetail, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let now = state.clock.now();
    super::db::detail(&state.db, id, admin.id, now).await?.ok_or(AppError::NotFound)
}

/// Suspends an account: its sessions end at once and it cannot sign in until restored.
#[server(prefix = "/api", endpoint = "admin/users/ban")]
pub async fn admin_ban_user(id: Uuid, reason: String) -> Result<String, AppError> {
    use crate::features::accounts::{admin_actions, session};
    let admin = session::require_admin().await?;
    let reason = admin_actions::parse_ban_reason(&reason).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    let user = admin_actions::ban(&mut tx, Some(admin.user()), id, &reason, &session::origin().await)
        .await
        .map_err(ssr::refusal)?;
    tx.commit().await?;
    Ok(format!("{} is suspended; their sessions have ended.", user.email))
}

#[server(prefix = "/api", endpoint = "admin/users/unban")]
pub async fn admin_unban_user(id: Uuid) -> Result<String, AppError> {
    use crate::features::accounts::{admin_actions, session};
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    let user =
        admin_actions::unban(&mut tx, Some(admin.user()), id, &session::origin().await).await.map_err(ssr::refusal)?;
    tx.commit().await?;
    Ok(format!("{} can sign in again.", user.email))
}

/// `role`: "member" or "admin".
#[server(prefix = "/api", endpoint = "admin/users/role")]
pub async fn admin_set_role(id: Uuid, role: String) -> Result<String, AppError> {
    use crate::features::accounts::{Role, admin_actions, session};
    let admin = session::require_admin().await?;
    let role = match role.as_str() {
        "member" => Role::Member,
        "admin" => Role::Admin,
        _ => return Err(AppError::invalid("Choose the role: member or admin.")),
    };
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    let user = admin_actions::set_role(&mut tx, Some(admin.user()), id, role, &session::origin().await)
        .await
        .map_err(ssr::refusal)?;
    tx.commit().await?;
    let now = if role == Role::Admin { "an admin" } else { "a member" };
    Ok(format!("{} is now {now}; their sessions have ended.", user.email))
}

/// Grants `plan` until the end of the day `until` (YYYY-MM-DD, UTC).
#[server(prefix = "/api", endpoint = "admin/users/grant")]
pub async fn admin_grant_premium(id: Uuid, plan: String, until: String) -> Result<String, AppError> {
    use crate::features::{accounts::session, quotas};
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let now = state.clock.now();
    let ends_at = ssr::end_of_day(&until, now)?;
    let plan = quotas::Plan::parse(&plan)
        .ok_or_else(|| AppError::invalid("Choose a plan: 30-day pass, Starter, Pro or Business."))?;
    let mut tx = state.db.begin().await?;
    let line =
        quotas::admin_cli::grant_until(&mut tx, Some(admin.user()), id, plan, now, ends_at, &session::origin().await)
            .await
            .map_err(ssr::grant_refusal)?;
    tx.commit().await?;
    Ok(line)
}

#[server(prefix = "/api", endpoint = "admin/users/revoke")]
pub async fn admin_revoke_premium(id: Uuid) -> Result<String, AppError> {
    use crate::features::{accounts::session, quotas};
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    let line =
        quotas::admin_cli::revoke_for(&mut tx, Some(admin.user()), id, state.clock.now(), &session::origin().await)
            .await
            .map_err(ssr::grant_refusal)?;
    tx.commit().await?;
    Ok(line)
}

/// Clears the member's sign-in attempt limits (by email and by their recent IP addresses).
#[server(prefix = "/api", endpoint = "admin/users/reset-limits")]
pub async fn admin_reset_limits(id: Uuid) -> Result<String, AppError> {
    use crate::features::accounts::{admin_actions, session};
    let admin = session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    let (email, ips) = super::db::email_and_recent_ips(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    let forgotten =
        admin_actions::reset_attempt_limits(&mut tx, Some(admin.user()), Some(&email), &ips, &origin).await?;
    tx.commit().await?;
    for ip in ips {
        state.rate_limiter.reset(&crate::server::http::rate_limit::Key::ip(ip)).await;
    }
    state.rate_limiter.reset(&crate::server::http::rate_limit::Key::User(id)).await;
    Ok(format!("Limits cleared for {email} ({forgotten} recorded sign-in attempts forgotten)."))
}

#[cfg(feature = "ssr")]
mod ssr {
    use chrono::{DateTime, NaiveDate, Utc};

    use crate::error::AppError;
    use crate::features::{accounts::admin_actions::AdminActionError, quotas::admin_cli::GrantError};

    pub fn refusal(e: AdminActionError) -> AppError {
        match e {
            AdminActionError::Refused(message) => AppError::invalid(message),
            AdminActionError::NotFound => AppError::NotFound,
            AdminActionError::Database(e) => e.into(),
        }
    }

    pub fn grant_refusal(e: GrantError) -> AppError {
        match e {
            GrantError::Invalid(message) => AppError::invalid(message),
            GrantError::Database(e) => e.into(),
        }
    }

    /// The end of the UTC day `raw` (YYYY-MM-DD), which must be after `now` and within 10 years.
    pub fn end_of_day(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
        let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| AppError::invalid("Give the end date as a date (YYYY-MM-DD)."))?;
        let ends =
            day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).ok_or_else(|| AppError::invalid("Invalid date."))?;
        if ends <= now {
            return Err(AppError::invalid("The end date must be today or later."));
        }
        if ends > now + chrono::Duration::days(3660) {
            return Err(AppError::invalid("The end date can be at most 10 years from now."));
        }
        Ok(ends)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn grant_end_dates_are_whole_future_days() {
            let now = "2026-11-29T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
            assert_eq!(end_of_day("2026-11-29", now).unwrap().to_rfc3339(), "2026-11-29T23:59:59+00:00");
            assert!(end_of_day("2026-11-28", now).is_err());
            assert!(end_of_day("29/11/2026", now).is_err());
            assert!(end_of_day("2040-01-01", now).is_err());
        }
    }
}
