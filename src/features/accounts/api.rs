use leptos::prelude::*;

use super::model::CurrentUser;
use crate::error::AppError;

/// The wording for every sign-up outcome: the same whether or not the email is registered.
pub const SIGN_UP_DONE: &str = "Check your inbox: we sent a link to confirm your email address.";
pub const SIGN_IN_FAILED: &str = "That email and password do not match an account.";
pub const LINK_INVALID: &str = "This link is invalid, was already used or has expired. Request a new one.";
pub const RESET_SENT: &str = "If an account uses that address, we sent it a link to choose a new password.";
pub const MAGIC_LINK_SENT: &str = "If an account uses that address, we sent it a sign-in link.";

#[cfg(feature = "ssr")]
pub(super) use ssr::{WINDOW, limit};

#[cfg(feature = "ssr")]
mod ssr {
    use std::time::Duration;

    use super::super::{audit, limits, model::EmailAddress};
    use crate::error::AppError;
    use crate::server::state::AppState;

    pub const WINDOW: Duration = Duration::from_secs(15 * 60);

    /// The "email me a link" flows (reset, sign-in link): limited like sign-in, and only an
    /// existing account gets a token and an email; the caller answers the same either way.
    pub async fn email_link<E: crate::features::email::templates::Email>(
        raw_email: &str,
        scope: &str,
        kind: super::super::tokens::TokenKind,
        event: &str,
        mail: impl FnOnce(&super::super::model::CurrentUser, String) -> E,
    ) -> Result<(), AppError> {
        use super::super::{db, session, tokens};
        let email = EmailAddress::parse(raw_email).map_err(AppError::invalid)?;
        let state = crate::server::state::app_state()?;
        let origin = session::origin().await;
        limit(&state, scope, &email, &origin).await?;
        if let Some(user) = db::user_by_email(&state.db, email.as_str()).await? {
            let mut tx = state.db.begin().await?;
            let token = tokens::issue(&mut tx, kind, user.id).await?;
            let key = format!("{scope}:{}:{}", user.id, chrono::Utc::now().timestamp_micros());
            state.mailer.enqueue(&mut tx, &user.email, &mail(&user, token), &key).await?;
            audit::record(&mut *tx, event, Some(user.id), Some(&user.email), &origin, serde_json::json!({})).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Counts a sign-in-like attempt against the account and the IP; 429 past the limit.
    pub(in crate::features::accounts) async fn limit(
        state: &AppState,
        scope: &str,
        email: &EmailAddress,
        origin: &audit::Origin,
    ) -> Result<(), AppError> {
        let auth = &state.config.auth;
        let mut keys = vec![(format!("account:{}", email.as_str().to_lowercase()), auth.attempts_per_account)];
        if let Some(ip) = origin.ip {
            keys.push((format!("ip:{ip}"), auth.attempts_per_ip));
        }
        match limits::attempt(&state.db, scope, &keys, WINDOW).await? {
            Ok(()) => Ok(()),
            Err(retry_after_secs) => {
                crate::server::observe::note_rate_limited("auth_attempts");
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
pub async fn sign_up(
    email: String,
    password: String,
    display_name: String,
    #[server(default)] next: Option<String>,
) -> Result<String, AppError> {
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

    let referred_by = match leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| super::referral::from_headers(&parts.headers, chrono::Utc::now()))
    {
        Some(code) => super::referral::referrer(&state.db, &code).await?,
        None => None,
    };
    let mut tx = state.db.begin().await?;
    match db::insert_user(&mut tx, email.as_str(), &hash, &name, referred_by).await? {
        Some(user) => {
            let token = tokens::issue(&mut tx, tokens::TokenKind::VerifyEmail, user).await?;
            let next = next.as_deref().and_then(super::model::safe_next);
            let mail = VerifyEmail { name: name.clone(), token, next };
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

/// Emails a password-reset link (1 hour) if the address has an account; answers the same
/// either way. Limited like sign-in.
#[server(prefix = "/api", endpoint = "accounts/forgot-password")]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    use super::tokens::TokenKind;
    use crate::features::email::templates::PasswordReset;
    ssr::email_link(&email, "reset", TokenKind::PasswordReset, "password_reset_requested", |user, token| {
        PasswordReset { name: user.display_name.clone(), token }
    })
    .await?;
    Ok(RESET_SENT.to_string())
}

/// Sets a new password from an emailed reset link; signs out every other session and signs
/// this one in.
#[server(prefix = "/api", endpoint = "accounts/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<CurrentUser, AppError> {
    use super::{audit, db, password as passwords, session, tokens};

    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    // Check the new password before using the link up, so a refused password costs no link.
    let Some(user_id) = tokens::peek(&state.db, tokens::TokenKind::PasswordReset, token.trim()).await? else {
        return Err(AppError::invalid(LINK_INVALID));
    };
    let user = db::current_user(&state.db, user_id).await?.ok_or(AppError::invalid(LINK_INVALID))?;
    passwords::check_new_password(&password, &user.email).map_err(AppError::invalid)?;
    let hash = passwords::hash(password).await.map_err(|e| crate::server::error::internal("reset hash", e))?;
    if tokens::redeem(&state.db, tokens::TokenKind::PasswordReset, token.trim()).await? != Some(user_id) {
        return Err(AppError::invalid(LINK_INVALID));
    }
    let mut tx = state.db.begin().await?;
    db::set_password(&mut tx, user_id, &hash).await?;
    db::bump_session_epoch(&mut tx, user_id).await?;
    // The link proved the address is theirs.
    db::mark_verified(&mut tx, user_id).await?;
    audit::record(&mut *tx, "password_reset", Some(user_id), Some(&user.email), &origin, serde_json::json!({})).await?;
    tx.commit().await?;
    session::start(&session::session().await?, user_id).await?;
    Ok(CurrentUser { verified: true, ..user })
}

/// Emails a sign-in link (15 minutes, single use) if the address has an account.
#[server(prefix = "/api", endpoint = "accounts/magic-link")]
pub async fn request_magic_link(email: String) -> Result<String, AppError> {
    use super::tokens::TokenKind;
    use crate::features::email::templates::MagicLink;
    ssr::email_link(&email, "magic_link", TokenKind::MagicLink, "magic_link_requested", |_, token| MagicLink { token })
        .await?;
    Ok(MAGIC_LINK_SENT.to_string())
}

/// Signs in with an emailed sign-in link.
#[server(prefix = "/api", endpoint = "accounts/use-magic-link")]
pub async fn use_magic_link(token: String) -> Result<CurrentUser, AppError> {
    use super::{audit, db, session, tokens};

    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    let Some(user_id) = tokens::redeem(&state.db, tokens::TokenKind::MagicLink, token.trim()).await? else {
        return Err(AppError::invalid(LINK_INVALID));
    };
    let mut tx = state.db.begin().await?;
    db::mark_verified(&mut tx, user_id).await?;
    audit::record(&mut *tx, "sign_in", Some(user_id), None, &origin, serde_json::json!({ "method": "magic_link" }))
        .await?;
    tx.commit().await?;
    let user = db::current_user(&state.db, user_id).await?.ok_or(AppError::invalid(LINK_INVALID))?;
    session::start(&session::session().await?, user_id).await?;
    Ok(user)
}

/// Ends every session of the signed-in user, this one included.
#[server(prefix = "/api", endpoint = "accounts/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use super::{audit, db, session};
    let user = session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let mut tx = state.db.begin().await?;
    db::bump_session_epoch(&mut tx, user.id).await?;
    audit::record(
        &mut *tx,
        "sessions_revoked",
        Some(user.id),
        Some(&user.email),
        &session::origin().await,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    session::end(&session::session().await?).await
}
