//! Server functions of the tools: product descriptions (streamed; visitors too, within their
//! limits) and what the transcription page may offer the caller. The audio upload itself is an
//! axum route (`upload.rs`): server functions cannot stream a 25 MB request body.

use leptos::prelude::*;
use leptos::server_fn::codec::{StreamingText, TextStream};

use uuid::Uuid;

use super::model::{SavedDescription, SavedTranscript, TranscriptionAccess};
use crate::error::AppError;

/// Writes a product description. The answer streams one JSON
/// [`DescriptionEvent`](super::model::DescriptionEvent) per line: the title, the paragraphs as
/// they grow, the bullets, then `done` (with the saved id for members) or `error`. Limits are
/// checked (and reserved) first: over a limit the answer is 429. The marketplace's product
/// form calls this too.
#[server(prefix = "/api", endpoint = "tools/describe", output = StreamingText)]
pub async fn describe_product(
    product_name: String,
    category: String,
    facts: String,
    audience: String,
    tone: String,
    length: String,
) -> Result<TextStream<AppError>, AppError> {
    use super::model::DescriptionRequest;
    let request = DescriptionRequest::parse(&product_name, &category, &facts, &audience, &tone, &length)
        .map_err(AppError::invalid)?;
    let state = crate::server::state::app_state()?;
    super::describe::start(state, request).await
}

/// Whether the caller may upload audio, and if not, why (signed out, not paid, not configured).
#[server(prefix = "/api", endpoint = "tools/transcription-access")]
pub async fn get_transcription_access() -> Result<TranscriptionAccess, AppError> {
    use super::model::TRANSCRIBE_MAX_BYTES;
    let state = crate::server::state::app_state()?;
    let Some(member) = crate::features::accounts::session::current_member().await? else {
        return Ok(TranscriptionAccess::SignedOut);
    };
    let plan = crate::features::quotas::entitlement(&state.db, member.id, state.clock.now()).await?;
    Ok(if !plan.is_paid() {
        TranscriptionAccess::NeedsUpgrade
    } else if state.config.transcribe.endpoint.is_none() {
        TranscriptionAccess::NotConfigured
    } else {
        TranscriptionAccess::Ready { max_bytes: TRANSCRIBE_MAX_BYTES }
    })
}

/// One of the member's saved descriptions (the history opens it); anyone else's is 404.
#[server(prefix = "/api", endpoint = "tools/description")]
pub async fn get_description(id: Uuid) -> Result<SavedDescription, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::db::description(&state.db, &me, id).await?.ok_or(AppError::NotFound)
}

/// One of the member's saved transcripts (the history opens it); anyone else's is 404.
#[server(prefix = "/api", endpoint = "tools/transcript")]
pub async fn get_transcript(id: Uuid) -> Result<SavedTranscript, AppError> {
    let me = crate::features::accounts::session::require_user().await?;
    let state = crate::server::state::app_state()?;
    super::db::transcript(&state.db, &me, id).await?.ok_or(AppError::NotFound)
}
