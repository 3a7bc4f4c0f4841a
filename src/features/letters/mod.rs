//! Letters: a guided form, generation by the AI (streamed, counted in the quotas and
//! `ai_requests`), the member's edits, review by an admin (comment, edit, return, approve),
//! sending by email or post, the timeline of every status change, and stuck-job recovery.
//!
//! For the shared history: table `letters` (`title`, `body`, `user_id`, `updated_at`,
//! `deleted_at`), timeline `letter_events`.

mod api;
pub mod document;
pub mod model;
mod pages;
pub mod status;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
mod generate;
#[cfg(feature = "ssr")]
pub mod offline;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod printing;
#[cfg(feature = "ssr")]
pub mod stuck;
#[cfg(feature = "ssr")]
pub mod workflow;

pub use api::{
    ApproveLetter, CommentLetter, CreateLetter, DeleteLetter, GenerateLetter, GetLetter, LetterQueue, ListLetters,
    ResetStuckLetters, ReturnLetter, ReviewEditLetter, SaveLetterBody, SendLetter, SubmitLetter, UpdateLetter,
    approve_letter, comment_letter, create_letter, delete_letter, generate_letter, get_letter, letter_queue,
    list_letters, reset_stuck_letters, return_letter, review_edit_letter, save_letter_body, send_letter, submit_letter,
    update_letter,
};
pub use document::{LetterDocument, document};
pub use model::Party;
pub use pages::{AdminLettersPage, LetterPage, LetterPrintPage, LettersPage, NewLetterPage};

/// The member's letters as rows of the one history (`features::history`); the detail is the
/// status.
pub const HISTORY_SQL: &str = "SELECT 'letter'::text AS kind, id, user_id, title, body, status::text AS detail,
        created_at, updated_at, deleted_at FROM letters";

/// Deletes a letter from the history; false when it is not the member's. A letter a reviewer
/// has, or one being written, cannot be deleted (the message says why).
#[cfg(feature = "ssr")]
pub async fn delete_saved(
    state: &crate::server::state::AppState,
    me: &crate::features::accounts::session::Member,
    id: uuid::Uuid,
) -> Result<bool, crate::error::AppError> {
    if db::delete(&state.db, me.id, id, state.clock.now()).await? {
        return Ok(true);
    }
    match workflow::owned(state, me, id).await {
        Ok(letter) => Err(crate::error::AppError::invalid(format!(
            "A letter that is {} cannot be deleted now.",
            letter.status.label().to_lowercase()
        ))),
        Err(_) => Ok(false),
    }
}

#[cfg(feature = "ssr")]
pub async fn restore_saved(
    state: &crate::server::state::AppState,
    me: &crate::features::accounts::session::Member,
    id: uuid::Uuid,
) -> Result<bool, crate::error::AppError> {
    Ok(db::restore(&state.db, me.id, id, state.clock.now()).await?)
}

/// The offline provider's letter: the template of its letter type, a paragraph a piece.
#[cfg(feature = "ssr")]
pub fn write_offline(t: &crate::features::ai::LetterTask) -> Vec<String> {
    offline::write_letter(t)
}
