//! Reading the description stream in the browser: JSON lines, buffered across network chunks.

use futures::StreamExt;

use crate::error::AppError;
use crate::features::threads::{LineBuffer, browser};
use crate::features::tools::api::describe_product;
use crate::features::tools::model::DescriptionEvent;

/// The form's fields, as the server function takes them.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub product_name: String,
    pub category: String,
    pub facts: String,
    pub audience: String,
    pub tone: String,
    pub length: String,
}

fn parse_line(line: &str) -> DescriptionEvent {
    serde_json::from_str(line).unwrap_or_else(|_| DescriptionEvent::Error {
        message: "Part of the answer could not be read. The parts above are kept; please try again.".into(),
    })
}

/// Runs one description, handing each event to `on_event` as it arrives. A stream that ends
/// without `Done` or `Error` was cut off. Dropping the returned future aborts the request.
pub async fn run(request: Request, mut on_event: impl FnMut(DescriptionEvent)) -> Result<(), AppError> {
    let stream = describe_product(
        request.product_name,
        request.category,
        request.facts,
        request.audience,
        request.tone,
        request.length,
    )
    .await?;
    let mut stream = stream.into_inner();
    let mut lines = LineBuffer::default();
    let mut finished = false;
    let mut handle = |line: String, finished: &mut bool| {
        let event = parse_line(&line);
        *finished |= matches!(event, DescriptionEvent::Done { .. } | DescriptionEvent::Error { .. });
        on_event(event);
    };
    while let Some(chunk) = stream.next().await {
        for line in lines.push(&chunk?) {
            handle(line, &mut finished);
            browser::next_task().await;
        }
    }
    if let Some(line) = lines.finish() {
        handle(line, &mut finished);
    }
    if finished {
        Ok(())
    } else {
        Err(AppError::invalid(
            "The connection was interrupted before the description was finished. The parts above are kept.",
        ))
    }
}
