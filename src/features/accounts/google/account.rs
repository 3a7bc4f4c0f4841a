//! The account a verified Google identity signs in to: the one linked to its subject; else a
//! verified account with its email, which gets linked; never an unverified one (whoever
//! registered that address first may not own it); else a new verified member.

use serde_json::json;
use uuid::Uuid;

use super::{Refusal, db, provider::Identity};
use crate::features::accounts::{
    audit::{self, Origin},
    model::{EmailAddress, NAME_MAX, parse_display_name},
    sign_in_methods::google_error,
};
use crate::features::email::templates::Welcome;
use crate::server::state::AppState;

/// The user to sign in, and their email.
pub async fn resolve(state: &AppState, identity: &Identity, origin: &Origin) -> Result<(Uuid, String), Refusal> {
    let email = EmailAddress::parse(&identity.email)
        .map_err(|_| Refusal::failed("email_unusable", "unusable email").about(None, &identity.email))?;
    let email = email.as_str();
    if let Some(user) = db::user_by_subject(&state.db, &identity.subject).await? {
        return Ok((user, email.to_string()));
    }
    match db::user_by_email(&state.db, email).await? {
        Some(user) if !user.verified => Err(Refusal {
            code: google_error::UNVERIFIED_ACCOUNT,
            ..Refusal::failed("unverified_account", "account email not confirmed")
        }
        .about(Some(user.id), email)),
        Some(user) if user.google_sub.is_some() => {
            Err(Refusal::failed("linked_to_other_google_account", "another Google account").about(Some(user.id), email))
        }
        Some(user) => {
            let mut tx = state.db.begin().await?;
            if !db::link(&mut tx, user.id, &identity.subject).await? {
                return Err(Refusal::failed("link_conflict", "link raced").about(Some(user.id), email));
            }
            audit::record(&mut *tx, "google_linked", Some(user.id), Some(email), origin, json!({})).await?;
            tx.commit().await?;
            Ok((user.id, email.to_string()))
        }
        None => create(state, identity, email, origin).await.map(|id| (id, email.to_string())),
    }
}

async fn create(state: &AppState, identity: &Identity, email: &str, origin: &Origin) -> Result<Uuid, Refusal> {
    let name = display_name(identity.name.as_deref(), email);
    let mut tx = state.db.begin().await?;
    let Some(user) = db::insert_user(&mut tx, email, &name, &identity.subject).await? else {
        return Err(Refusal::failed("account_conflict", "email or subject taken meanwhile").about(None, email));
    };
    let welcome = Welcome { name };
    state.mailer.enqueue(&mut tx, email, &welcome, &format!("welcome:{user}")).await.map_err(Refusal::internal)?;
    audit::record(&mut *tx, "sign_up", Some(user), Some(email), origin, json!({ "method": "google" })).await?;
    tx.commit().await?;
    Ok(user)
}

/// The `name` claim (trimmed, at most 80 characters), else the email's local part.
fn display_name(claim: Option<&str>, email: &str) -> String {
    let from_claim = claim.map(|n| n.trim().chars().take(NAME_MAX).collect::<String>());
    let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
    from_claim
        .and_then(|n| parse_display_name(&n).ok())
        .or_else(|| parse_display_name(local).ok())
        .unwrap_or_else(|| "Threadr member".to_string())
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn names_come_from_the_claim_or_the_email() {
        assert_eq!(display_name(Some("  Ada Lovelace "), "ada@example.com"), "Ada Lovelace");
        assert_eq!(display_name(Some("   "), "ada@example.com"), "ada");
        assert_eq!(display_name(None, "grace.hopper@example.com"), "grace.hopper");
        assert_eq!(display_name(Some("bad\u{7}name"), "ada@example.com"), "ada");
        assert_eq!(display_name(Some(&"x".repeat(200)), "ada@example.com").chars().count(), 80);
    }
}
