//! Reading the generation stream in the browser: network chunks are not line-aligned, so
//! they are buffered and split on '\n' into JSON [`GenerationEvent`]s.

use futures::StreamExt;

use crate::error::AppError;
use crate::features::threads::api::generate_thread;
use crate::features::threads::model::GenerationEvent;

/// Text received but not yet ended by a newline.
#[derive(Debug, Default)]
pub struct LineBuffer {
    pending: String,
}

impl LineBuffer {
    /// Adds a chunk; answers the lines it completed (blank ones skipped).
    pub fn push(&mut self, chunk: &str) -> Vec<String> {
        self.pending.push_str(chunk);
        let Some(end) = self.pending.rfind('\n') else { return Vec::new() };
        let rest = self.pending.split_off(end + 1);
        let done = std::mem::replace(&mut self.pending, rest);
        done.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    /// What is left when the stream ends (a last line without its newline).
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_string())
    }
}

pub fn parse_line(line: &str) -> GenerationEvent {
    serde_json::from_str(line).unwrap_or_else(|_| GenerationEvent::Error {
        message: "Part of the answer could not be read. The posts above are kept; please try again.".into(),
    })
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

/// Runs one generation, handing each event to `on_event` as it arrives (with a pause after
/// each for the page to render). A stream that ends without `Done` or `Error` was cut off.
/// Dropping the returned future aborts the request.
pub async fn run(request: Request, mut on_event: impl FnMut(GenerationEvent)) -> Result<(), AppError> {
    let stream = generate_thread(request.source, request.tone, request.posts, request.numbering).await?;
    let mut stream = stream.into_inner();
    let mut lines = LineBuffer::default();
    let mut finished = false;
    let mut handle = |line: String, finished: &mut bool| {
        let event = parse_line(&line);
        *finished |= matches!(event, GenerationEvent::Done { .. } | GenerationEvent::Error { .. });
        on_event(event);
    };
    while let Some(chunk) = stream.next().await {
        for line in lines.push(&chunk?) {
            handle(line, &mut finished);
            super::browser::next_task().await;
        }
    }
    if let Some(line) = lines.finish() {
        handle(line, &mut finished);
    }
    if finished {
        Ok(())
    } else {
        Err(AppError::invalid(
            "The connection was interrupted before the thread was finished. The posts above are kept.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_split_into_whole_lines() {
        let mut b = LineBuffer::default();
        assert!(b.push(r#"{"type":"post","ind"#).is_empty());
        assert_eq!(b.push("ex\":0,\"text\":\"a\"}\n{\"ty"), [r#"{"type":"post","index":0,"text":"a"}"#]);
        assert_eq!(b.push("pe\":\"x\"}\n\n\r\nA\nB"), [r#"{"type":"x"}"#, "A"]);
        assert_eq!(b.finish().as_deref(), Some("B"));
        assert_eq!(b.finish(), None);
    }

    #[test]
    fn lines_become_events() {
        assert_eq!(
            parse_line(r#"{"type":"post","index":2,"text":"Hi"}"#),
            GenerationEvent::Post { index: 2, text: "Hi".into() }
        );
        assert!(matches!(parse_line("not json"), GenerationEvent::Error { .. }));
    }

    #[test]
    fn quota_errors_keep_the_upgrade_offer() {
        let e = GenError::from(AppError::QuotaExceeded { message: "Limit".into(), retry_after_secs: 9, upgrade: true });
        assert_eq!(e, GenError { message: "Limit".into(), upgrade: true });
        assert!(!GenError::from(AppError::RateLimited { retry_after_secs: 3 }).upgrade);
    }
}
