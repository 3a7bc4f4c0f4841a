//! Reading a streamed answer in the browser: the server sends one JSON event per line, and
//! network chunks are not line-aligned, so text is buffered and split on '\n'. Every streamed
//! page (threads, letters, descriptions, the assistant) reads its events through [`read`].

use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// An event of a streamed answer.
pub trait StreamEvent: DeserializeOwned {
    /// What the page shows for a line that is not a readable event.
    fn unreadable() -> Self;
    /// Whether the answer ends with this event (done, or an error).
    fn is_last(&self) -> bool;
}

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

/// One line as an event; a line that is not one becomes [`StreamEvent::unreadable`].
pub fn parse_line<E: StreamEvent>(line: &str) -> E {
    serde_json::from_str(line).unwrap_or_else(|_| E::unreadable())
}

/// Lets the browser paint before the next event, so events that arrive in one network chunk
/// still appear one after another.
pub async fn next_task() {
    // Only the browser paints (and only it has timers); elsewhere there is nothing to wait for.
    #[cfg(feature = "hydrate")]
    {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::ZERO,
        );
        let _ = rx.await;
    }
}

/// Hands each event of `stream` to `on_event` as it arrives (the browser paints in between).
/// A stream that ends without a last event was cut off: the answer is `cut_off` as an error.
/// Dropping the future aborts the request.
pub async fn read<E: StreamEvent>(
    mut stream: impl Stream<Item = Result<String, AppError>> + Unpin,
    mut on_event: impl FnMut(E),
    cut_off: &str,
) -> Result<(), AppError> {
    let mut lines = LineBuffer::default();
    let mut finished = false;
    let mut handle = |line: String, finished: &mut bool| {
        let event: E = parse_line(&line);
        *finished |= event.is_last();
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
    if finished { Ok(()) } else { Err(AppError::invalid(cut_off)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Event {
        Post { text: String },
        Done,
        Error,
    }

    impl StreamEvent for Event {
        fn unreadable() -> Self {
            Self::Error
        }
        fn is_last(&self) -> bool {
            matches!(self, Self::Done | Self::Error)
        }
    }

    #[test]
    fn chunks_are_split_into_whole_lines() {
        let mut b = LineBuffer::default();
        assert!(b.push(r#"{"type":"post","te"#).is_empty());
        assert_eq!(b.push("xt\":\"a\"}\n{\"ty"), [r#"{"type":"post","text":"a"}"#]);
        assert_eq!(b.push("pe\":\"x\"}\n\n\r\nA\nB"), [r#"{"type":"x"}"#, "A"]);
        assert_eq!(b.finish().as_deref(), Some("B"));
        assert_eq!(b.finish(), None);
    }

    #[test]
    fn lines_become_events_and_nonsense_an_error() {
        assert_eq!(parse_line::<Event>(r#"{"type":"post","text":"Hi"}"#), Event::Post { text: "Hi".into() });
        assert_eq!(parse_line::<Event>("not json"), Event::Error);
    }

    fn chunks(parts: &[&str]) -> impl Stream<Item = Result<String, AppError>> + Unpin {
        futures::stream::iter(parts.iter().map(|p| Ok(p.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn a_stream_without_its_last_event_was_cut_off() {
        futures::executor::block_on(async {
            let mut seen = Vec::new();
            let whole = read(
                chunks(&["{\"type\":\"post\",\"text\":\"a\"}\n{\"ty", "pe\":\"done\"}"]),
                |e: Event| seen.push(e),
                "cut",
            );
            assert!(whole.await.is_ok());
            assert_eq!(seen, [Event::Post { text: "a".into() }, Event::Done]);
            let cut = read(chunks(&["{\"type\":\"post\",\"text\":\"a\"}\n"]), |_: Event| {}, "Cut off.").await;
            assert_eq!(cut.unwrap_err().to_string(), AppError::invalid("Cut off.").to_string());
        });
    }
}
