//! Reading the generation stream in the browser: JSON [`GenerationEvent`]s, one per line.

use crate::error::AppError;
use crate::features::threads::api::generate_thread;
use crate::features::threads::model::GenerationEvent;
use crate::ui::event_stream::{self, StreamEvent};

impl StreamEvent for GenerationEvent {
    fn unreadable() -> Self {
        Self::Error {
            message: "Part of the answer could not be read. The posts above are kept; please try again.".into(),
        }
    }
    fn is_last(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Error { .. })
    }
}

/// An error as the thread page shows it: the message, and whether to offer the upgrade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenError {
    pub message: String,
    pub upgrade: bool,
}

impl From<AppError> for GenError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::QuotaExceeded { message, upgrade, .. } => Self { message, upgrade },
            other => Self { message: other.to_string(), upgrade: false },
        }
    }
}

/// The form's fields, as the server function takes them.
#[derive(Clone, Debug)]
pub struct Request {
    pub source: String,
    pub tone: String,
    pub posts: String,
    pub numbering: String,
}

/// Runs one generation, handing each event to `on_event` as it arrives. Dropping the
/// returned future aborts the request.
pub async fn run(request: Request, on_event: impl FnMut(GenerationEvent)) -> Result<(), AppError> {
    let stream = generate_thread(request.source, request.tone, request.posts, request.numbering).await?;
    event_stream::read(
        stream.into_inner(),
        on_event,
        "The connection was interrupted before the thread was finished. The posts above are kept.",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::event_stream::parse_line;

    #[test]
    fn lines_become_events() {
        assert_eq!(
            parse_line::<GenerationEvent>(r#"{"type":"post","index":2,"text":"Hi"}"#),
            GenerationEvent::Post { index: 2, text: "Hi".into() }
        );
        assert!(matches!(parse_line::<GenerationEvent>("not json"), GenerationEvent::Error { .. }));
    }

    #[test]
    fn quota_errors_keep_the_upgrade_offer() {
        let e = GenError::from(AppError::QuotaExceeded { message: "Limit".into(), retry_after_secs: 9, upgrade: true });
        assert_eq!(e, GenError { message: "Limit".into(), upgrade: true });
        assert!(!GenError::from(AppError::RateLimited { retry_after_secs: 3 }).upgrade);
    }
}
