//! Tools: product descriptions (`/tools/description`, streamed, one server function the
//! marketplace's product form reuses) and audio transcription (`/tools/transcribe`, paid
//! members, an OpenAI-compatible `/audio/transcriptions` API).

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

pub use api::{DescribeProduct, GetTranscriptionAccess, describe_product, get_transcription_access};
pub use model::{DescriptionEvent, DescriptionRequest, Length, ProductDescription, Segment, Tone, Transcript};
pub use pages::{DescriptionPage, TranscribePage};

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
