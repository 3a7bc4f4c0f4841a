use leptos::prelude::*;

use super::model::CurrentUser;
use crate::error::AppError;

/// The wording for every sign-up outcome: the same whether or not the email is registered.
pub const SIGN_UP_DONE: &str = "Check your inbox: we sent a link to confirm your email address.";
pub const SIGN_IN_FAILED: &str = "That email and password do not match an account.";
pub const LINK_INVALID: &str = "This link is invalid, was already used or has expired. Request a new one.";

#[cfg(feature = "ssr")]
mod ssr {
    use std::time::Duration;

    use super::super::{audit, limits, model::EmailAddress};
    use crate::error::AppError;
    use crate::server::state::AppState;

    pub const WINDOW: Duration = Duration::from_secs(15 * 60);

    /// Counts a sign-in-like attempt against the account and the IP; 429 past the limit.
    pub async fn limit(
        state: &AppState,
        scope: &str,
        email: &EmailAddress,
        origin: &audit::Origin,
    ) -> Result<(), AppError> {
        let auth = state.config.auth;
        let mut keys = vec![(format!("account:{}", email.as_str().to_lowercase()), auth.attempts_per_account)];
        if let Some(ip) = origin.ip {
            keys.push((format!("ip:{ip}"), auth.attempts_per_ip));
        }
        match limits::attempt(&state.db, scope, &keys, WINDOW).await? {
            Ok(()) => Ok(()),
            Err(retry_after_secs) => {
                audit::record(
                    &state.db,
                    "rate_limited",
                    None,
                    Some(email.as_str()),
                    origin,
                    serde_json::json!({ "scope": scope }),
                )
                .await?;
                Err(AppError::RateLimited { retry_after_secs })
            }
        }
    }
}

/// Creates an account and emails a confirmation link. Answers the same for a registered email.
#[server(prefix = "/api", endpoint = "accounts/sign-up")]
pub async fn sign_up(email: String, password: String, display_name: String) -> Result<String, AppError> {
    use super::{
        audit, db,
        model::{EmailAddress, parse_display_name},
        password, session, tokens,
    };
    use crate::features::email::templates::VerifyEmail;

    let email = EmailAddress::parse(&email).map_err(AppError::invalid)?;
    let name = parse_display_name(&display_name).map_err(AppError::invalid)?;
    password::check_new_password(&password, email.as_str()).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    // Hash before looking the email up: both outcomes take the same time.
    let hash = password::hash(password).await.map_err(|e| crate::server::error::internal("sign-up hash", e))?;

    let mut tx = state.db.begin().await?;
    match db::insert_user(&mut tx, email.as_str(), &hash, &name).await? {
        Some(user) => {
            let token = tokens::issue(&mut tx, tokens::TokenKind::VerifyEmail, user).await?;
            let mail = VerifyEmail { name: name.clone(), token };
            state
                .mailer
                .enqueue(
                    &mut tx,
                    email.as_str(),
                    &mail,
                    &format!("verify:{user}:{}", chrono::Utc::now().timestamp_micros()),
                )
                .await?;
            audit::record(&mut *tx, "sign_up", Some(user), Some(email.as_str()), &origin, serde_json::json!({}))
                .await?;
        }
        None => {
            audit::record(
                &mut *tx,
                "sign_up_existing_email",
                None,
                Some(email.as_str()),
                &origin,
                serde_json::json!({}),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(SIGN_UP_DONE.to_string())
}

/// Confirms an email address from the emailed link and signs its owner in.
#[server(prefix = "/api", endpoint = "accounts/confirm-email")]
pub async fn confirm_email(token: String) -> Result<CurrentUser, AppError> {
    use super::{audit, db, session, tokens};
    use crate::features::email::templates::Welcome;

    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    let Some(user_id) = tokens::redeem(&state.db, tokens::TokenKind::VerifyEmail, token.trim()).await? else {
        return Err(AppError::invalid(LINK_INVALID));
    };
    let mut tx = state.db.begin().await?;
    let first_time = db::mark_verified(&mut tx, user_id).await?;
    let user = db::current_user(&state.db, user_id).await?.ok_or(AppError::invalid(LINK_INVALID))?;
    if first_time {
        let welcome = Welcome { name: user.display_name.clone() };
        state.mailer.enqueue(&mut tx, &user.email, &welcome, &format!("welcome:{user_id}")).await?;
        audit::record(&mut *tx, "email_verified", Some(user_id), Some(&user.email), &origin, serde_json::json!({}))
            .await?;
    }
    tx.commit().await?;
    session::start(&session::session().await?, user_id).await?;
    Ok(CurrentUser { verified: true, ..user })
}

/// Signs in with email and password. The same message for an unknown email and a wrong
/// password; at most AUTH_ATTEMPTS_PER_ACCOUNT / _PER_IP attempts per 15 minutes.
#[server(prefix = "/api", endpoint = "accounts/sign-in")]
pub async fn sign_in(email: String, password: String) -> Result<CurrentUser, AppError> {
    use super::{audit, db, model::EmailAddress, password, session};

    let email = EmailAddress::parse(&email).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    ssr::limit(&state, "sign_in", &email, &origin).await?;

    let found = db::credentials(&state.db, email.as_str()).await?;
    let (user_id, stored) = match found {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let valid = password::verify(password, stored).await;
    let user = match (valid, user_id) {
        (true, Some(id)) => db::current_user(&state.db, id).await?,
        _ => None,
    };
    let Some(user) = user else {
        audit::record(&state.db, "sign_in_failed", user_id, Some(email.as_str()), &origin, serde_json::json!({}))
            .await?;
        return Err(AppError::invalid(SIGN_IN_FAILED));
    };
    session::start(&session::session().await?, user.id).await?;
    audit::record(
        &state.db,
        "sign_in",
        Some(user.id),
        Some(&user.email),
        &origin,
        serde_json::json!({ "method": "password" }),
    )
    .await?;
    Ok(user)
}

#[server(prefix = "/api", endpoint = "accounts/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::{audit, session};
    let state = crate::server::state::app_state()?;
    if let Some(user) = session::current_user().await? {
        audit::record(
            &state.db,
            "sign_out",
            Some(user.id),
            Some(&user.email),
            &session::origin().await,
            serde_json::json!({}),
        )
        .await?;
    }
    session::end(&session::session().await?).await
}

/// Who is signed in (None for visitors).
#[server(prefix = "/api", endpoint = "accounts/me")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    super::session::current_user().await
}
