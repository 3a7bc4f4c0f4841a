//! Becoming a seller: a shop name, a Stripe Connect Express account made once per member
//! (idempotency key from their id), onboarding links, and the account's state as Stripe last
//! described it (`account.updated`, or a fresh read when the member returns from Stripe).
//! Selling is on when the account can take charges and its details are submitted.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{SellerState, parse_handle, slugify};
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::features::billing::checkout::stripe_failed;
use crate::features::billing::{ConnectAccount, NewConnectAccount, StripeApi};
use crate::server::state::AppState;

pub const NOT_SET_UP: &str = "Payments are not set up on this Threadr yet, so shops cannot open.";
pub const CONFIRM_FIRST: &str =
    "Confirm your email address before you start selling: open the link we emailed you when you signed up.";
pub const RETURN_PATH: &str = "/sell/onboarding/return";
pub const REFRESH_PATH: &str = "/sell/onboarding/refresh";

/// What applying an account state did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountApplied {
    Applied {
        selling: bool,
    },
    /// A newer state is already stored (Stripe delivers out of order).
    Stale,
    UnknownAccount,
}

/// Stores `account` as the state of `at` unless a newer one is stored.
pub async fn apply(
    tx: &mut PgConnection,
    account: &ConnectAccount,
    at: DateTime<Utc>,
) -> Result<AccountApplied, sqlx::Error> {
    let updated: Option<bool> = sqlx::query_scalar(
        "UPDATE sellers SET charges_enabled = $2, payouts_enabled = $3, details_submitted = $4,
                requirements = $5, disabled_reason = $6, account_state_as_of = $7
          WHERE stripe_account_id = $1 AND (account_state_as_of IS NULL OR account_state_as_of <= $7)
          RETURNING charges_enabled AND details_submitted",
    )
    .bind(&account.id)
    .bind(account.charges_enabled)
    .bind(account.payouts_enabled)
    .bind(account.details_submitted)
    .bind(&account.requirements)
    .bind(&account.disabled_reason)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(selling) = updated {
        return Ok(AccountApplied::Applied { selling });
    }
    let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sellers WHERE stripe_account_id = $1)")
        .bind(&account.id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(if known { AccountApplied::Stale } else { AccountApplied::UnknownAccount })
}

#[derive(sqlx::FromRow)]
struct SellerRow {
    handle: String,
    account: Option<String>,
    selling: bool,
    requirements: Vec<String>,
    disabled_reason: Option<String>,
}

async fn seller_row(db: &PgPool, user: Uuid) -> Result<Option<SellerRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT handle::text AS handle, stripe_account_id AS account, charges_enabled AND details_submitted AS selling,
                requirements, disabled_reason
           FROM sellers WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(db)
    .await
}

/// Whether the member may put listings on sale.
pub async fn can_sell(db: &PgPool, user: Uuid) -> Result<bool, sqlx::Error> {
    Ok(seller_row(db, user).await?.is_some_and(|s| s.selling))
}

pub async fn state_of(state: &AppState, member: &Member) -> Result<SellerState, AppError> {
    let user = member.user();
    Ok(match seller_row(&state.db, user.id).await? {
        Some(row) if row.selling => SellerState::Selling { handle: row.handle },
        Some(row) => SellerState::Onboarding {
            handle: row.handle,
            requirements: requirement_words(&row.requirements),
            disabled_reason: row.disabled_reason.map(|r| reason_words(&r)),
        },
        None => SellerState::NotSelling {
            suggested_handle: suggest_handle(&state.db, &user.display_name, &user.email).await?,
            blocked: if !user.verified {
                Some(CONFIRM_FIRST.into())
            } else if state.stripe.is_none() {
                Some(NOT_SET_UP.into())
            } else {
                None
            },
        },
    })
}

/// A free handle from the member's name (or email), with a number when taken.
async fn suggest_handle(db: &PgPool, name: &str, email: &str) -> Result<String, sqlx::Error> {
    let mut base = slugify(name, 24);
    if base.len() < 3 {
        base = slugify(email.split('@').next().unwrap_or(""), 24);
    }
    if base.len() < 3 {
        base = "my-shop".into();
    }
    for n in 0..50u32 {
        let candidate = if n == 0 { base.clone() } else { format!("{base}-{n}") };
        let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sellers WHERE handle = $1)")
            .bind(&candidate)
            .fetch_one(db)
            .await?;
        if !taken {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &Uuid::new_v4().simple().to_string()[..6]))
}

fn stripe_of(state: &AppState) -> Result<&dyn StripeApi, AppError> {
    state.stripe.as_deref().ok_or_else(|| AppError::invalid(NOT_SET_UP))
}

/// "Start selling": the shop name, the Connect account (once), and the onboarding link to
/// send the member to.
pub async fn start(state: &AppState, member: &Member, handle: &str) -> Result<String, AppError> {
    let user = member.user();
    if !user.verified {
        return Err(AppError::invalid(CONFIRM_FIRST));
    }
    let stripe = stripe_of(state)?;
    let handle = parse_handle(handle).map_err(AppError::invalid)?;
    let inserted =
        sqlx::query("INSERT INTO sellers (user_id, handle) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING")
            .bind(user.id)
            .bind(&handle)
            .execute(&state.db)
            .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.constraint() == Some("sellers_handle_key") => {
            return Err(AppError::invalid(format!("The shop name {handle} is taken. Try another.")));
        }
        Err(e) => return Err(e.into()),
    }
    link_for(state, stripe, member).await
}

/// A fresh onboarding link (the first one expired, or the member left before finishing).
pub async fn continue_onboarding(state: &AppState, member: &Member) -> Result<String, AppError> {
    let stripe = stripe_of(state)?;
    if seller_row(&state.db, member.user().id).await?.is_none() {
        return Err(AppError::invalid("Start selling first: choose a shop name."));
    }
    link_for(state, stripe, member).await
}

async fn link_for(state: &AppState, stripe: &dyn StripeApi, member: &Member) -> Result<String, AppError> {
    let user = member.user();
    let account = match seller_row(&state.db, user.id).await?.and_then(|s| s.account) {
        Some(account) => account,
        None => {
            let created = stripe
                .create_connect_account(&NewConnectAccount { user_id: user.id, email: &user.email })
                .await
                .map_err(|e| onboarding_failed(&e))?;
            // Two tabs may race: the idempotency key gives both the same account id.
            sqlx::query("UPDATE sellers SET stripe_account_id = $2 WHERE user_id = $1 AND stripe_account_id IS NULL")
                .bind(user.id)
                .bind(&created)
                .execute(&state.db)
                .await?;
            created
        }
    };
    let links = state.mailer.links();
    // Each link is single use; its key only guards the client's own retries of this request.
    let key = format!("threadr-account-link-{}", Uuid::new_v4());
    stripe
        .create_account_link(&account, &links.page(REFRESH_PATH), &links.page(RETURN_PATH), &key)
        .await
        .map_err(|e| onboarding_failed(&e))
}

fn onboarding_failed(e: &crate::features::billing::stripe::StripeError) -> AppError {
    match stripe_failed("connect onboarding", e) {
        AppError::Dependency { .. } => AppError::Dependency {
            message: "Stripe could not start seller onboarding just now. Please try again in a moment.".into(),
        },
        other => other,
    }
}

/// Back from Stripe: read the account now rather than wait for the webhook.
pub async fn refresh(state: &AppState, member: &Member) -> Result<bool, AppError> {
    let stripe = stripe_of(state)?;
    let Some(account) = seller_row(&state.db, member.user().id).await?.and_then(|s| s.account) else {
        return Ok(false);
    };
    let account = stripe.connect_account(&account).await.map_err(|e| onboarding_failed(&e))?;
    let mut conn = state.db.acquire().await?;
    Ok(matches!(apply(&mut conn, &account, state.clock.now()).await?, AccountApplied::Applied { selling: true }))
}

/// Stripe's requirement keys in words, each once.
pub fn requirement_words(keys: &[String]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for key in keys {
        let text = requirement_word(key);
        if !words.contains(&text) {
            words.push(text);
        }
    }
    words
}

fn requirement_word(key: &str) -> String {
    let known = [
        ("external_account", "A bank account for payouts"),
        ("tos_acceptance", "Accepting Stripe's services agreement"),
        ("business_profile.url", "Your shop's website or a description of what you sell"),
        ("business_profile.product_description", "Your shop's website or a description of what you sell"),
        ("business_profile.mcc", "What kind of goods you sell"),
        ("business_type", "Whether you sell as a person or a company"),
        ("individual.verification", "An identity document"),
        ("individual.dob", "Your date of birth"),
        ("individual.address", "Your address"),
        ("individual.ssn_last_4", "Your tax identification number"),
        ("individual.id_number", "Your tax identification number"),
        ("individual.first_name", "Your legal name"),
        ("individual.last_name", "Your legal name"),
        ("individual.email", "Your contact details"),
        ("individual.phone", "Your contact details"),
        ("company", "Your company's details"),
        ("representative", "Details of your company's representative"),
    ];
    known
        .iter()
        .find(|(prefix, _)| key == *prefix || key.starts_with(&format!("{prefix}.")))
        .map(|(_, words)| (*words).to_string())
        .unwrap_or_else(|| {
            let spaced = key.replace(['.', '_'], " ");
            let mut chars = spaced.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        })
}

fn reason_words(reason: &str) -> String {
    match reason {
        "requirements.past_due" | "requirements.pending_verification" => {
            "Stripe needs the details below before your shop can take payments.".into()
        }
        "rejected.fraud" | "rejected.terms_of_service" | "rejected.listed" | "rejected.other" => {
            "Stripe rejected this account. Contact Stripe support to find out why.".into()
        }
        "under_review" => "Stripe is reviewing your account.".into(),
        other => format!("Stripe has paused payments on this account ({}).", other.replace(['.', '_'], " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_read_as_words_once() {
        let keys: Vec<String> = [
            "individual.dob.day",
            "individual.dob.month",
            "external_account",
            "individual.verification.document",
            "weird.new_thing",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            requirement_words(&keys),
            ["Your date of birth", "A bank account for payouts", "An identity document", "Weird new thing"]
        );
    }
}
