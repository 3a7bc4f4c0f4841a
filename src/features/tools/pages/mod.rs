//! The tool pages: `/tools/description` (form, the description streaming in part by part, copy
//! buttons, another tone), `/tools/transcribe` (upload with progress, transcript, downloads) and
//! the saved ones opened from the history.

mod copy_button;
mod description;
mod description_form;
mod description_stream;
mod saved;
mod transcribe;
mod transcript_view;
mod upload;

pub use description::DescriptionPage;
pub use description_stream::{Request as DescriptionInput, run as stream_description};
pub use saved::{SavedDescriptionPage, SavedTranscriptPage};
pub use transcribe::TranscribePage;
