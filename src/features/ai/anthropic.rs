//! Anthropic messages, streamed: `message_start` (input tokens), `content_block_start`,
//! `content_block_delta` (`text_delta`), `content_block_stop`, `message_delta` (output
//! tokens), `message_stop`, with `ping` and `error` events anywhere. Unknown event types are
//! skipped, as Anthropic asks of clients.

use super::{
    AiError, ChunkStream, Prompt, Provider, ProviderName, retry,
    stream::{self, Limits, Step, Wire},
};
use crate::server::config::LlmEndpoint;
use eventsource_stream::Event;
use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderValue},
};
use serde::Deserialize;
use serde_json::json;

const API_VERSION: &str = "2023-06-01";

pub(super) struct Anthropic {
    endpoint: LlmEndpoint,
    limits: Limits,
    http: reqwest::Client,
}

impl Anthropic {
    pub(super) fn new(endpoint: LlmEndpoint, limits: Limits, http: reqwest::Client) -> Self {
        Self { endpoint, limits, http }
    }
}

#[async_trait::async_trait]
impl Provider for Anthropic {
    fn name(&self) -> ProviderName {
        ProviderName::Anthropic
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    async fn stream(&self, prompt: Prompt) -> Result<ChunkStream, AiError> {
        let url = format!("{}/messages", self.endpoint.base_url);
        let mut key = HeaderValue::from_str(&self.endpoint.api_key).map_err(|_| AiError::Auth { status: 0 })?;
        // Keeps the key out of reqwest's Debug output.
        key.set_sensitive(true);
        let body = json!({
            "model": self.endpoint.model,
            "max_tokens": prompt.max_output_tokens,
            "system": prompt.system,
            "messages": prompt.messages(),
            "stream": true,
        });
        let send = || {
            self.http.post(&url).header("x-api-key", key.clone()).header("anthropic-version", API_VERSION).json(&body)
        };
        stream::start(self.limits, send, AnthropicWire::default, map_status, prompt.text_chars()).await
    }
}

#[derive(Default)]
struct AnthropicWire {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum EventData {
    MessageStart {
        message: MessageStart,
    },
    ContentBlockDelta {
        delta: Delta,
    },
    MessageDelta {
        usage: Option<OutputUsage>,
    },
    MessageStop,
    Error {
        error: ErrorField,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct MessageStart {
    usage: Option<InputUsage>,
}

#[derive(Deserialize)]
struct InputUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct OutputUsage {
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Delta {
    TextDelta {
        text: String,
    },
    /// Thinking, tool-input and citation deltas carry no thread text.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorField,
}

#[derive(Deserialize)]
struct ErrorField {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

impl Wire for AnthropicWire {
    fn event(&mut self, event: &Event) -> Result<Step, AiError> {
        let data: EventData = serde_json::from_str(&event.data)
            .map_err(|e| AiError::BadResponse { detail: format!("unreadable {:?} event: {e}", event.event) })?;
        Ok(match data {
            EventData::MessageStart { message } => {
                if let Some(usage) = message.usage {
                    self.input_tokens = usage.input_tokens;
                    self.output_tokens = usage.output_tokens;
                }
                Step::Nothing
            }
            EventData::ContentBlockDelta { delta: Delta::TextDelta { text } } => Step::Text(text),
            EventData::MessageDelta { usage } => {
                // Cumulative: the latest figure is the total.
                if let Some(output) = usage.and_then(|u| u.output_tokens) {
                    self.output_tokens = Some(output);
                }
                Step::Nothing
            }
            EventData::MessageStop => Step::Done(self.input_tokens.zip(self.output_tokens)),
            EventData::Error { error } => return Err(retry::from_error_event(&error.kind, error.message)),
            EventData::ContentBlockDelta { delta: Delta::Other } | EventData::Other => Step::Nothing,
        })
    }
}

fn map_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> AiError {
    let (kind, detail) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => (error.kind, error.message),
        Err(_) => (String::new(), String::from_utf8_lossy(body).chars().take(500).collect()),
    };
    retry::from_status(status.as_u16(), retry::retry_after(headers), &kind, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, data: &str) -> Event {
        Event { event: name.to_string(), data: data.to_string(), ..Event::default() }
    }

    #[test]
    fn a_whole_message_stream() {
        let mut wire = AnthropicWire::default();
        let steps = [
            event(
                "message_start",
                r#"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-haiku-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
            ),
            event(
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            ),
            event("ping", r#"{"type": "ping"}"#),
            event(
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#,
            ),
            event(
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{"}}"#,
            ),
            event("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
            event(
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#,
            ),
            event("brand_new_event", r#"{"type":"brand_new_event"}"#),
        ];
        let texts: Vec<String> = steps
            .iter()
            .filter_map(|e| match wire.event(e).expect("known format") {
                Step::Text(t) => Some(t),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["Hello"]);
        let done = wire.event(&event("message_stop", r#"{"type":"message_stop"}"#)).expect("stop");
        assert!(matches!(done, Step::Done(Some((25, 15)))));
    }

    #[test]
    fn errors_in_the_stream_and_in_bodies() {
        let mut wire = AnthropicWire::default();
        let e = wire
            .event(&event(
                "error",
                r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#,
            ))
            .err()
            .unwrap();
        assert_eq!(e.class(), "overloaded");

        let body = br#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#;
        assert_eq!(map_status(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body).class(), "auth");
        let body = br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        let status = StatusCode::from_u16(529).unwrap();
        assert_eq!(map_status(status, &HeaderMap::new(), body).class(), "overloaded");
    }
}
