//! The tool pages: `/tools/description` (form, the description streaming in part by part, copy
//! buttons, another tone) and `/tools/transcribe` (upload with progress, transcript, downloads).

mod copy_button;
mod description;
mod description_form;
mod description_stream;
mod transcribe;
mod transcript_view;
mod upload;

pub use description::DescriptionPage;
pub use transcribe::TranscribePage;
