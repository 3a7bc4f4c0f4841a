//! Server functions of letters. Members: their own letters (others get 404). Reviewers
//! (admins): the queue and the review actions; approving is never possible for a member.

use leptos::prelude::*;
use leptos::server_fn::codec::{StreamingText, TextStream};
use uuid::Uuid;

use super::model::{Letter, LetterInput, LetterList, LetterView, ReviewQueue};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn parse_form(
    input: &LetterInput,
    state: &crate::server::state::AppState,
) -> Result<super::model::LetterForm, AppError> {
    super::model::LetterForm::parse(input, Some(state.clock.now().date_naive()))
        .map_err(|errors| AppError::invalid(errors.to_string()))
}

/// Starts a draft from the guided form.
#[server(prefix = "/api", endpoint = "letters/create")]
pub async fn create_letter(input: LetterInput) -> Result<Letter, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let form = parse_form(&input, &state)?;
    super::workflow::create(&state, &me, &form).await
}

/// Replaces the form of a draft (or of a ready or returned letter).
#[server(prefix = "/api", endpoint = "letters/update")]
pub async fn update_letter(id: Uuid, input: LetterInput) -> Result<Letter, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let form = parse_form(&input, &state)?;
    super::workflow::update(&state, &me, id, &form).await
}

/// A letter with its timeline, for its owner or a reviewer; 404 for anyone else.
#[server(prefix = "/api", endpoint = "letters/get")]
pub async fn get_letter(id: Uuid) -> Result<LetterView, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    let (viewer, letter, name, email) = super::workflow::readable(&state, me, id).await?;
    super::workflow::view(&state, &viewer, letter, name, email).await
}

/// One page (1-based, default 1) of the member's letters, most recently changed first.
#[server(prefix = "/api", endpoint = "letters/list")]
pub async fn list_letters(page: Option<u32>) -> Result<LetterList, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    Ok(super::db::list_own(&state.db, me.id, page.unwrap_or(1)).await?)
}

#[server(prefix = "/api", endpoint = "letters/delete")]
pub async fn delete_letter(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    if super::db::delete(&state.db, me.id, id, state.clock.now()).await? {
        return Ok(());
    }
    let letter = super::workflow::owned(&state, &me, id).await?;
    Err(AppError::invalid(format!("A letter that is {} cannot be deleted now.", letter.status.label().to_lowercase())))
}

/// Writes the letter with the AI. Streams one JSON
/// [`LetterStreamEvent`](super::model::LetterStreamEvent) per line; limits are reserved first
/// (over a limit: 429 before anything streams).
#[server(prefix = "/api", endpoint = "letters/generate", output = StreamingText)]
pub async fn generate_letter(id: Uuid) -> Result<TextStream<AppError>, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::generate::start(state, me, id).await
}

/// The member's edit of the written letter.
#[server(prefix = "/api", endpoint = "letters/save-body")]
pub async fn save_letter_body(id: Uuid, body: String) -> Result<Letter, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::save_body(&state, &me, id, &body).await
}

/// Sends the letter for review (ready, or returned after changes).
#[server(prefix = "/api", endpoint = "letters/submit")]
pub async fn submit_letter(id: Uuid) -> Result<Letter, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::submit(&state, &me, id).await
}

/// The review queue: `status` empty for every status but draft; `age` `any`, `1d` or `7d`;
/// `page` 1-based (default 1).
#[server(prefix = "/api", endpoint = "letters/queue")]
pub async fn letter_queue(status: String, age: String, page: Option<u32>) -> Result<ReviewQueue, AppError> {
    use super::model::{AgeFilter, LetterStatus};
    let _admin = crate::features::accounts::session::require_admin().await?;
    let status = match status.trim() {
        "" | "all" => None,
        s => Some(s.parse::<LetterStatus>().map_err(|_| AppError::invalid("Choose a status from the list."))?),
    };
    let state = crate::server::state::app_state()?;
    let now = state.clock.now();
    let page = page.unwrap_or(1);
    Ok(super::db::queue(&state.db, status, AgeFilter::parse(&age), page, now, now - super::stuck::STUCK_AFTER).await?)
}

/// A reviewer's comment on the timeline.
#[server(prefix = "/api", endpoint = "letters/comment")]
pub async fn comment_letter(id: Uuid, comment: String) -> Result<(), AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::comment(&state, &admin, id, &comment).await
}

/// A reviewer's edit of a letter in review.
#[server(prefix = "/api", endpoint = "letters/review-edit")]
pub async fn review_edit_letter(id: Uuid, body: String) -> Result<Letter, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::reviewer_edit(&state, &admin, id, &body).await
}

/// Approves a letter in review (never the reviewer's own).
#[server(prefix = "/api", endpoint = "letters/approve")]
pub async fn approve_letter(id: Uuid, comment: String) -> Result<Letter, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::approve(&state, &admin, id, &comment).await
}

/// Returns a letter in review to its member with a comment.
#[server(prefix = "/api", endpoint = "letters/return")]
pub async fn return_letter(id: Uuid, comment: String) -> Result<Letter, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::return_to_member(&state, &admin, id, &comment).await
}

/// Sends an approved letter: `method` `email` (to the recipient's email) or `post` with
/// `posted_on` (`YYYY-MM-DD`, today or earlier).
#[server(prefix = "/api", endpoint = "letters/send")]
pub async fn send_letter(id: Uuid, method: String, posted_on: String) -> Result<Letter, AppError> {
    use super::workflow::Sending;
    let admin = crate::features::accounts::session::require_admin().await?;
    let how = match method.as_str() {
        "email" => Sending::Email,
        "post" => Sending::Post(
            chrono::NaiveDate::parse_from_str(posted_on.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::invalid("Enter the date it was posted, like 2026-12-01."))?,
        ),
        _ => return Err(AppError::invalid("Choose email or post.")),
    };
    let state = crate::server::state::app_state()?;
    super::workflow::send(&state, &admin, id, how).await
}

/// Resets stuck letters: `id` empty for every letter generating for over 10 minutes, or one
/// letter that is generating. Answers how many were reset.
#[server(prefix = "/api", endpoint = "letters/reset-stuck")]
pub async fn reset_stuck_letters(id: Option<Uuid>) -> Result<usize, AppError> {
    let admin = crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    super::workflow::reset_stuck(&state, &admin, id).await
}
