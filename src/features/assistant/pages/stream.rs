//! Reading the reply stream in the browser: network chunks are not line-aligned, so they are
//! buffered and split on '\n' into JSON [`ChatEvent`]s.

use futures::StreamExt;
use std::time::Duration;
use uuid::Uuid;

use crate::error::AppError;
use crate::features::assistant::api::assistant_send;
use crate::features::assistant::model::ChatEvent;

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

    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.pending);
        let rest = rest.trim();
        (!rest.is_empty()).then(|| rest.to_string())
    }
}

pub fn parse_line(line: &str) -> ChatEvent {
    serde_json::from_str(line).unwrap_or_else(|_| ChatEvent::Error {
        message: "Part of the reply could not be read. Please try again.".into(),
        kept: false,
    })
}

/// Lets the browser paint before the next piece, so pieces that arrive together still
/// appear one after another.
async fn next_task() {
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = tx.send(());
        },
        Duration::ZERO,
    );
    let _ = rx.await;
}

/// Sends one message (or a retry) and hands each event to `on_event` as it arrives. A stream
/// that ends without `Done` or `Error` was cut off. Dropping the future aborts the request.
pub async fn run(
    conversation: Option<Uuid>,
    message: String,
    retry: bool,
    mut on_event: impl FnMut(ChatEvent),
) -> Result<(), AppError> {
    let stream = assistant_send(conversation, message, retry).await?;
    let mut stream = stream.into_inner();
    let mut lines = LineBuffer::default();
    let mut finished = false;
    let mut handle = |line: String, finished: &mut bool| {
        let event = parse_line(&line);
        *finished |= matches!(event, ChatEvent::Done { .. } | ChatEvent::Error { .. });
        on_event(event);
    };
    while let Some(chunk) = stream.next().await {
        for line in lines.push(&chunk?) {
            handle(line, &mut finished);
            next_task().await;
        }
    }
    if let Some(line) = lines.finish() {
        handle(line, &mut finished);
    }
    if finished {
        Ok(())
    } else {
        Err(AppError::invalid("The connection was interrupted before the reply was finished. Try again."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_become_events() {
        let mut b = LineBuffer::default();
        assert!(b.push(r#"{"type":"text","te"#).is_empty());
        let lines =
            b.push("xt\":\"Hi\"}\n{\"type\":\"done\",\"message_id\":\"00000000-0000-0000-0000-000000000000\"}\n");
        assert_eq!(parse_line(&lines[0]), ChatEvent::Text { text: "Hi".into() });
        assert!(matches!(parse_line(&lines[1]), ChatEvent::Done { .. }));
        assert!(matches!(parse_line("nonsense"), ChatEvent::Error { kept: false, .. }));
        assert_eq!(b.finish(), None);
    }
}
