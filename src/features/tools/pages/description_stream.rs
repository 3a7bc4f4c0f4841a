//! Reading the description stream in the browser: JSON [`DescriptionEvent`]s, one per line.

use crate::error::AppError;
use crate::features::tools::api::describe_product;
use crate::features::tools::model::DescriptionEvent;
use crate::ui::event_stream::{self, StreamEvent};

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

impl StreamEvent for DescriptionEvent {
    fn unreadable() -> Self {
        Self::Error {
            message: "Part of the answer could not be read. The parts above are kept; please try again.".into(),
        }
    }
    fn is_last(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}

/// Runs one description, handing each event to `on_event` as it arrives. A stream that ends
/// without `Done` or `Error` was cut off. Dropping the returned future aborts the request.
pub async fn run(request: Request, on_event: impl FnMut(DescriptionEvent)) -> Result<(), AppError> {
    let stream = describe_product(
        request.product_name,
        request.category,
        request.facts,
        request.audience,
        request.tone,
        request.length,
    )
    .await?;
    event_stream::read(
        stream.into_inner(),
        on_event,
        "The connection was interrupted before the description was finished. The parts above are kept.",
    )
    .await
}
