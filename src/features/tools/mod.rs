//! Tools: product descriptions (`/tools/description`, streamed, one server function the
//! marketplace's product form reuses) and audio transcription (`/tools/transcribe`, paid
//! members, an OpenAI-compatible `/audio/transcriptions` API). Members' saved ones open from the
//! history at `/tools/descriptions/:id` and `/tools/transcripts/:id`.

mod api;
pub mod format;
pub mod model;
mod pages;
pub mod srt;

#[cfg(feature = "ssr")]
mod audio_type;
#[cfg(feature = "ssr")]
mod db;
#[cfg(feature = "ssr")]
mod describe;
#[cfg(feature = "ssr")]
mod offline;
#[cfg(feature = "ssr")]
mod transcribe_api;
#[cfg(feature = "ssr")]
mod upload;

pub use api::{
    DescribeProduct, GetDescription, GetTranscript, GetTranscriptionAccess, describe_product, get_description,
    get_transcript, get_transcription_access,
};
pub use model::{DescriptionEvent, DescriptionRequest, Length, ProductDescription, Segment, Tone, Transcript};
pub use pages::{
    DescriptionInput, DescriptionPage, SavedDescriptionPage, SavedTranscriptPage, TranscribePage, stream_description,
};

#[cfg(feature = "ssr")]
pub use upload::UPLOAD_PATH;

/// The tools' axum routes: the audio upload (it reads its own body, up to 25 MB).
#[cfg(feature = "ssr")]
pub fn routes() -> axum::Router<crate::server::state::AppState> {
    axum::Router::new().route(UPLOAD_PATH, axum::routing::post(upload::transcribe_upload))
}

/// The offline provider's product description: the template filled from the facts.
#[cfg(feature = "ssr")]
pub fn write_offline_description(t: &crate::features::ai::DescriptionTask) -> Vec<String> {
    offline::write_description(&offline::Facts {
        name: &t.product_name,
        category: &t.category,
        facts: &t.facts,
        audience: &t.audience,
        tone: model::Tone::parse(&t.tone).unwrap_or_default(),
        length: model::Length::parse(&t.length).unwrap_or_default(),
    })
}

/// Saved product descriptions and transcripts as rows of the one history
/// (`features::history`); a transcript's detail is its length in milliseconds.
pub const DESCRIPTIONS_HISTORY_SQL: &str =
    "SELECT 'description'::text AS kind, id, user_id, title, body, NULL::text AS detail,
        created_at, updated_at, deleted_at FROM descriptions";
pub const TRANSCRIPTS_HISTORY_SQL: &str = "SELECT 'transcript'::text AS kind, id, user_id, title, text AS body,
        duration_ms::text AS detail, created_at, updated_at, deleted_at FROM transcripts";

/// Deletes (`deleted = true`) or, within a minute, restores a saved description or transcript.
/// False when it is not the member's (or too late to restore).
#[cfg(feature = "ssr")]
pub async fn set_deleted(
    db: &sqlx::PgPool,
    user: uuid::Uuid,
    transcript: bool,
    id: uuid::Uuid,
    deleted: bool,
) -> Result<bool, sqlx::Error> {
    let table = if transcript { "transcripts" } else { "descriptions" };
    let sql = if deleted {
        format!("UPDATE {table} SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL")
    } else {
        format!(
            "UPDATE {table} SET deleted_at = NULL WHERE id = $1 AND user_id = $2 AND deleted_at > now() - interval '60 seconds'"
        )
    };
    Ok(sqlx::query(&sql).bind(id).bind(user).execute(db).await?.rows_affected() == 1)
}
