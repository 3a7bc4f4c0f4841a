//! Reading the reply stream in the browser: JSON [`ChatEvent`]s, one per line.

use uuid::Uuid;

use crate::error::AppError;
use crate::features::assistant::api::assistant_send;
use crate::features::assistant::model::ChatEvent;
use crate::ui::event_stream::{self, StreamEvent};

impl StreamEvent for ChatEvent {
    fn unreadable() -> Self {
        Self::Error { message: "Part of the reply could not be read. Please try again.".into(), kept: false }
    }
    fn is_last(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}

/// Sends one message (or a retry) and hands each event to `on_event` as it arrives. A stream
/// that ends without `Done` or `Error` was cut off. Dropping the future aborts the request.
pub async fn run(
    conversation: Option<Uuid>,
    message: String,
    retry: bool,
    on_event: impl FnMut(ChatEvent),
) -> Result<(), AppError> {
    let stream = assistant_send(conversation, message, retry).await?;
    event_stream::read(
        stream.into_inner(),
        on_event,
        "The connection was interrupted before the reply was finished. Try again.",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ui::event_stream::parse_line;

    #[test]
    fn lines_become_events() {
        assert_eq!(parse_line::<ChatEvent>(r#"{"type":"text","text":"Hi"}"#), ChatEvent::Text { text: "Hi".into() });
        let done = r#"{"type":"done","message_id":"00000000-0000-0000-0000-000000000000"}"#;
        assert!(parse_line::<ChatEvent>(done).is_last());
        assert!(matches!(parse_line::<ChatEvent>("nonsense"), ChatEvent::Error { kept: false, .. }));
    }
}
