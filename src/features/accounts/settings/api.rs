//! Server functions of the account pages. Each starts with the member guard.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{DeviceSession, Profile};
use crate::error::AppError;

pub const EMAIL_CHANGE_SENT: &str =
    "Check the new address: we sent it a link. Your account keeps its current address until you use it.";
pub const WRONG_PASSWORD: &str = "Your current password is not right.";

#[cfg(feature = "ssr")]
mod ssr {
    use super::WRONG_PASSWORD;
    use crate::error::AppError;
    use crate::features::accounts::{
        audit::Origin, model::EmailAddress, password, session::Member, settings::db as settings_db,
    };
    use crate::server::state::AppState;

    /// Asks for the current password again before a security change (limited like sign-in,
    /// so a stolen session cannot guess it). Accounts without a password skip this.
    pub async fn reauthenticate(state: &AppState, me: &Member, given: String, origin: &Origin) -> Result<(), AppError> {
        let Some(stored) = settings_db::password_hash(&state.db, me).await? else { return Ok(()) };
        let email = EmailAddress::parse(&me.email).map_err(AppError::invalid)?;
        crate::features::accounts::api::limit(state, "reauth", &email, origin).await?;
        if password::verify(given, Some(stored)).await { Ok(()) } else { Err(AppError::invalid(WRONG_PASSWORD)) }
    }

    /// Emails the account owner that something about their account changed.
    pub async fn notify(
        state: &AppState,
        conn: &mut sqlx::PgConnection,
        to: &str,
        name: &str,
        what: &str,
        key: String,
    ) -> Result<(), AppError> {
        use crate::features::email::templates::AccountNotice;
        let notice = AccountNotice { name: name.to_string(), what: what.to_string() };
        state.mailer.enqueue(conn, to, &notice, &key).await?;
        Ok(())
    }
}

/// The signed-in member's profile.
#[server(prefix = "/api", endpoint = "accounts/profile")]
pub async fn my_profile() -> Result<Profile, AppError> {
    use crate::features::accounts::{session, settings::db};
    let me = session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let row = db::profile(&state.db, &me).await?;
    let links = crate::features::email::templates::Links::new(&state.config.public_url);
    Ok(Profile {
        display_name: me.display_name.clone(),
        email: me.email.clone(),
        bio: row.bio,
        verified: me.verified,
        has_password: row.has_password,
        referral_link: links.page(format!("/?ref={}", row.referral_code)),
        referred_members: row.referred_members,
        pending_email: row.pending_email,
    })
}

#[server(prefix = "/api", endpoint = "accounts/update-profile")]
pub async fn update_profile(display_name: String, bio: String) -> Result<String, AppError> {
    use crate::features::accounts::{model::parse_display_name, session, settings::db, settings::model::parse_bio};
    let me = session::require_user().await?;
    let name = parse_display_name(&display_name).map_err(AppError::invalid)?;
    let bio = parse_bio(&bio).map_err(AppError::invalid)?;
    db::update_profile(&crate::server::state::app_state()?.db, &me, &name, &bio).await?;
    Ok("Your profile is saved.".to_string())
}

/// Changes the password (the current one first); every other device is signed out.
#[server(prefix = "/api", endpoint = "accounts/change-password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<String, AppError> {
    use crate::features::accounts::{audit, db, password, session};
    let me = session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    password::check_new_password(&new_password, &me.email).map_err(AppError::invalid)?;
    ssr::reauthenticate(&state, &me, current_password, &origin).await?;
    let hash = password::hash(new_password).await.map_err(|e| crate::server::error::internal("password hash", e))?;
    let mut tx = state.db.begin().await?;
    db::set_password(&mut tx, me.id, &hash).await?;
    db::bump_session_epoch(&mut tx, me.id).await?;
    audit::record(&mut *tx, "password_changed", Some(me.id), Some(&me.email), &origin, serde_json::json!({})).await?;
    let key = format!("password-changed:{}:{}", me.id, chrono::Utc::now().timestamp_micros());
    ssr::notify(&state, &mut tx, &me.email, &me.display_name, "your password was changed", key).await?;
    tx.commit().await?;
    session::start(&session::session().await?, me.id).await?;
    Ok("Your password is changed. Other devices were signed out.".to_string())
}

/// Starts an email change: a link goes to the new address. The answer is the same whether
/// or not another account uses that address.
#[server(prefix = "/api", endpoint = "accounts/change-email")]
pub async fn change_email(new_email: String, current_password: String) -> Result<String, AppError> {
    use crate::features::accounts::{audit, model::EmailAddress, session, settings::db, tokens};
    use crate::features::email::templates::ConfirmNewEmail;
    let me = session::require_user().await?;
    let email = EmailAddress::parse(&new_email).map_err(AppError::invalid)?;
    if email.as_str().eq_ignore_ascii_case(&me.email) {
        return Err(AppError::invalid("That is already your email address."));
    }
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    ssr::reauthenticate(&state, &me, current_password, &origin).await?;
    if db::email_taken(&state.db, email.as_str()).await? {
        audit::record(&state.db, "email_change_refused", Some(me.id), Some(&me.email), &origin, serde_json::json!({}))
            .await?;
        return Ok(EMAIL_CHANGE_SENT.to_string());
    }
    let mut tx = state.db.begin().await?;
    let token = tokens::issue_email_change(&mut tx, me.id, email.as_str()).await?;
    let mail = ConfirmNewEmail { name: me.display_name.clone(), token };
    let key = format!("change-email:{}:{}", me.id, chrono::Utc::now().timestamp_micros());
    state.mailer.enqueue(&mut tx, email.as_str(), &mail, &key).await?;
    audit::record(
        &mut *tx,
        "email_change_requested",
        Some(me.id),
        Some(&me.email),
        &origin,
        serde_json::json!({ "new_email": email.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(EMAIL_CHANGE_SENT.to_string())
}

/// Finishes an email change from the link sent to the new address; the old address is told.
#[server(prefix = "/api", endpoint = "accounts/confirm-email-change")]
pub async fn confirm_email_change(token: String) -> Result<String, AppError> {
    use crate::features::accounts::{LINK_INVALID, audit, db as accounts_db, session, settings::db, tokens};
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    let mut tx = state.db.begin().await?;
    let Some((user_id, new_email)) = tokens::redeem_email_change(&mut tx, token.trim()).await? else {
        return Err(AppError::invalid(LINK_INVALID));
    };
    let before = accounts_db::current_user(&state.db, user_id).await?.ok_or(AppError::invalid(LINK_INVALID))?;
    if !db::set_email(&mut tx, user_id, &new_email).await? {
        // Rolled back: the link stays unused, the account keeps its address.
        return Err(AppError::invalid("Another account now uses that address, so we could not change yours."));
    }
    audit::record(
        &mut *tx,
        "email_changed",
        Some(user_id),
        Some(&new_email),
        &origin,
        serde_json::json!({ "old_email": before.email }),
    )
    .await?;
    let what = format!("the email address of your account was changed to {new_email}");
    let key = format!("email-changed:{user_id}:{}", chrono::Utc::now().timestamp_micros());
    ssr::notify(&state, &mut tx, &before.email, &before.display_name, &what, key).await?;
    tx.commit().await?;
    Ok(format!("Your account now uses {new_email}."))
}

/// The member's signed-in browsers and devices, this one marked.
#[server(prefix = "/api", endpoint = "accounts/sessions")]
pub async fn my_sessions() -> Result<Vec<DeviceSession>, AppError> {
    use crate::features::accounts::{session, settings::db};
    let me = session::require_user().await?;
    Ok(db::sessions(&crate::server::state::app_state()?.db, &me).await?)
}

/// Signs one of the member's other devices out.
#[server(prefix = "/api", endpoint = "accounts/end-session")]
pub async fn end_session(id: Uuid) -> Result<(), AppError> {
    use crate::features::accounts::{audit, session, settings::db};
    let me = session::require_user().await?;
    if id == me.session_row() {
        return Err(AppError::invalid("To end this session, use Sign out."));
    }
    let state = crate::server::state::app_state()?;
    if !db::end_session(&state.db, &me, id).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "session": id });
    audit::record(&state.db, "session_revoked", Some(me.id), Some(&me.email), &session::origin().await, detail).await?;
    Ok(())
}

/// Deletes the account: personal data erased, an anonymous row kept for orders and
/// payments. Needs the email typed again (and the password when the account has one).
#[server(prefix = "/api", endpoint = "accounts/delete-account")]
pub async fn delete_account(confirm_email: String, current_password: String) -> Result<(), AppError> {
    use crate::features::accounts::{audit, session, settings::db};
    let me = session::require_user().await?;
    if !confirm_email.trim().eq_ignore_ascii_case(&me.email) {
        return Err(AppError::invalid("Type your email address exactly as shown to confirm."));
    }
    let state = crate::server::state::app_state()?;
    let origin = session::origin().await;
    ssr::reauthenticate(&state, &me, current_password, &origin).await?;
    // Anonymising the account would leave Stripe charging a card nobody can manage.
    if let Some(running) = crate::features::billing::running_subscription(&state.db, me.id).await?
        && running.renews
    {
        return Err(AppError::invalid(format!(
            "Your {} subscription still renews. Cancel it under Billing first (you keep it until the period ends), then delete your account.",
            running.plan.label()
        )));
    }
    let mut tx = state.db.begin().await?;
    db::anonymise(&mut tx, &me).await?;
    audit::record(&mut *tx, "account_deleted", Some(me.id), None, &audit::Origin::default(), serde_json::json!({}))
        .await?;
    tx.commit().await?;
    session::end(&session::session().await?).await
}
