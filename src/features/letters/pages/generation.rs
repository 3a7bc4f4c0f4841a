//! Running a generation from the browser: the streamed JSON lines become events as they
//! arrive. Dropping the future aborts the request (the server then puts the letter back to
//! draft and gives the quota back).

use futures::StreamExt;
use uuid::Uuid;

use super::common::LineBuffer;
use crate::error::AppError;
use crate::features::letters::api::generate_letter;
use crate::features::letters::model::LetterStreamEvent;

fn parse_line(line: &str) -> LetterStreamEvent {
    serde_json::from_str(line).unwrap_or_else(|_| LetterStreamEvent::Error {
        message: "Part of the answer could not be read. Please reload the page.".into(),
    })
}

pub async fn run(id: Uuid, mut on_event: impl FnMut(LetterStreamEvent)) -> Result<(), AppError> {
    let mut stream = generate_letter(id).await?.into_inner();
    let mut lines = LineBuffer::default();
    let mut finished = false;
    let mut handle = |line: String, finished: &mut bool| {
        let event = parse_line(&line);
        *finished |= matches!(event, LetterStreamEvent::Done | LetterStreamEvent::Error { .. });
        on_event(event);
    };
    while let Some(chunk) = stream.next().await {
        for line in lines.push(&chunk?) {
            handle(line, &mut finished);
        }
    }
    if let Some(line) = lines.finish() {
        handle(line, &mut finished);
    }
    if finished {
        Ok(())
    } else {
        Err(AppError::invalid(
            "The connection was interrupted before the letter was finished. Reload the page to see where it is.",
        ))
    }
}
