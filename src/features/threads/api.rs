//! Server functions of threads: generation (streamed, public) and the saved threads of a
//! member (each starts with the member guard).

use leptos::prelude::*;
use leptos::server_fn::codec::{StreamingText, TextStream};
use uuid::Uuid;

use super::model::ThreadDoc;
use crate::error::AppError;

/// Makes a thread from text or a link. The answer streams one JSON
/// [`GenerationEvent`](super::model::GenerationEvent) per line while posts are produced.
/// Limits are checked (and reserved) before anything streams: over a limit the answer is 429.
#[server(prefix = "/api", endpoint = "threads/generate", output = StreamingText)]
pub async fn generate_thread(
    source: String,
    tone: String,
    posts: String,
    numbering: String,
) -> Result<TextStream<AppError>, AppError> {
    use super::model::ThreadRequest;
    let request = ThreadRequest::parse(&source, &tone, &posts, &numbering).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::generate::start(state, request).await
}

/// Saves a thread made on the page (a visitor's, after they signed up; or a pasted one).
#[server(prefix = "/api", endpoint = "threads/create")]
pub async fn create_thread(
    posts: Vec<String>,
    numbering: String,
    title: Option<String>,
) -> Result<ThreadDoc, AppError> {
    use super::{
        db,
        model::{ValidPosts, parse_title},
    };
    let me = crate::features::accounts::session::require_user().await?;
    let numbering = numbering.parse().map_err(|_| AppError::invalid("Choose a numbering style from the list."))?;
    let posts = ValidPosts::parse(posts, numbering).map_err(AppError::invalid)?;
    let title =
        title.filter(|t| !t.trim().is_empty()).map(|t| parse_title(&t)).transpose().map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    Ok(db::create(&state.db, &me, &posts, numbering, title.as_deref(), None).await?)
}

#[server(prefix = "/api", endpoint = "threads/get")]
pub async fn get_thread(id: Uuid) -> Result<ThreadDoc, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::db::get(&state.db, &me, id).await?.ok_or(AppError::NotFound)
}

/// The editor's autosave. `version` is the one the page last loaded or saved; if another tab
/// saved since, nothing is overwritten and the answer says so.
#[server(prefix = "/api", endpoint = "threads/save")]
pub async fn save_thread(id: Uuid, posts: Vec<String>, numbering: String, version: i32) -> Result<ThreadDoc, AppError> {
    use super::{db, model::ValidPosts};
    let me = crate::features::accounts::session::require_user().await?;
    let numbering = numbering.parse().map_err(|_| AppError::invalid("Choose a numbering style from the list."))?;
    let posts = ValidPosts::parse(posts, numbering).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    match db::save(&state.db, &me, id, &posts, numbering, version).await? {
        db::SaveOutcome::Saved(doc) => Ok(doc),
        db::SaveOutcome::Conflict => Err(AppError::invalid(
            "This thread was changed in another tab or window. Reload to see the latest version.",
        )),
        db::SaveOutcome::Missing => Err(AppError::NotFound),
    }
}

#[server(prefix = "/api", endpoint = "threads/rename")]
pub async fn rename_thread(id: Uuid, title: String) -> Result<ThreadDoc, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let title = super::model::parse_title(&title).map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::db::rename(&state.db, &me, id, &title).await?.ok_or(AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "threads/duplicate")]
pub async fn duplicate_thread(id: Uuid) -> Result<ThreadDoc, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::db::duplicate(&state.db, &me, id).await?.ok_or(AppError::NotFound)
}

/// Deletes a thread; [`restore_thread`] undoes it for a short while.
#[server(prefix = "/api", endpoint = "threads/delete")]
pub async fn delete_thread(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    if super::db::delete(&state.db, &me, id).await? { Ok(()) } else { Err(AppError::NotFound) }
}

#[server(prefix = "/api", endpoint = "threads/restore")]
pub async fn restore_thread(id: Uuid) -> Result<(), AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    if super::db::restore(&state.db, &me, id).await? {
        Ok(())
    } else {
        Err(AppError::invalid("That thread can no longer be restored."))
    }
}
