//! Running a generation from the browser: the streamed JSON lines become events as they
//! arrive. Dropping the future aborts the request (the server then puts the letter back to
//! draft and gives the quota back).

use uuid::Uuid;

use crate::error::AppError;
use crate::features::letters::api::generate_letter;
use crate::features::letters::model::LetterStreamEvent;
use crate::ui::event_stream::{self, StreamEvent};

impl StreamEvent for LetterStreamEvent {
    fn unreadable() -> Self {
        Self::Error { message: "Part of the answer could not be read. Please reload the page.".into() }
    }
    fn is_last(&self) -> bool {
        matches!(self, Self::Done | Self::Error { .. })
    }
}

pub async fn run(id: Uuid, on_event: impl FnMut(LetterStreamEvent)) -> Result<(), AppError> {
    let stream = generate_letter(id).await?;
    event_stream::read(
        stream.into_inner(),
        on_event,
        "The connection was interrupted before the letter was finished. Reload the page to see where it is.",
    )
    .await
}
