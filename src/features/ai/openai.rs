//! OpenAI chat completions, streamed: `data: {chat.completion.chunk}` events with text in
//! `choices[0].delta.content`, a last chunk with `usage` and no choices (asked for with
//! `stream_options.include_usage`), then `data: [DONE]`.

use super::{
    AiError, ChunkStream, Prompt, Provider, ProviderName, retry,
    stream::{self, Limits, Step, Wire},
};
use crate::server::config::LlmEndpoint;
use eventsource_stream::Event;
use reqwest::{StatusCode, header::HeaderMap};
use serde::Deserialize;
use serde_json::json;

pub(super) struct OpenAi {
    endpoint: LlmEndpoint,
    limits: Limits,
    http: reqwest::Client,
}

impl OpenAi {
    pub(super) fn new(endpoint: LlmEndpoint, limits: Limits, http: reqwest::Client) -> Self {
        Self { endpoint, limits, http }
    }
}

#[async_trait::async_trait]
impl Provider for OpenAi {
    fn name(&self) -> ProviderName {
        ProviderName::OpenAi
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    async fn stream(&self, prompt: Prompt) -> Result<ChunkStream, AiError> {
        let url = format!("{}/chat/completions", self.endpoint.base_url);
        let mut messages = vec![json!({ "role": "system", "content": prompt.system })];
        messages.extend(prompt.messages());
        let body = json!({
            "model": self.endpoint.model,
            "stream": true,
            "stream_options": { "include_usage": true },
            "max_completion_tokens": prompt.max_output_tokens,
            "messages": messages,
        });
        let send = || self.http.post(&url).bearer_auth(&self.endpoint.api_key).json(&body);
        stream::start(self.limits, send, OpenAiWire::default, map_status, prompt.text_chars()).await
    }
}

#[derive(Default)]
struct OpenAiWire {
    usage: Option<(u64, u64)>,
}

#[derive(Deserialize)]
struct ChunkEvent {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<UsageField>,
    error: Option<ErrorField>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct UsageField {
    prompt_tokens: u64,
    completion_tokens: u64,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorField,
}

#[derive(Deserialize)]
struct ErrorField {
    #[serde(default)]
    message: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    /// A string such as `insufficient_quota`, or sometimes a number.
    code: Option<serde_json::Value>,
}

impl ErrorField {
    /// The most specific name OpenAI gives the error.
    fn kind(&self) -> &str {
        self.code.as_ref().and_then(|c| c.as_str()).or(self.kind.as_deref()).unwrap_or("")
    }
}

impl Wire for OpenAiWire {
    fn event(&mut self, event: &Event) -> Result<Step, AiError> {
        if event.data.trim() == "[DONE]" {
            return Ok(Step::Done(self.usage.take()));
        }
        let chunk: ChunkEvent = serde_json::from_str(&event.data)
            .map_err(|e| AiError::BadResponse { detail: format!("unreadable chunk: {e}") })?;
        if let Some(error) = chunk.error {
            return Err(retry::from_error_event(error.kind(), error.message.clone()));
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some((usage.prompt_tokens, usage.completion_tokens));
        }
        let text = chunk.choices.into_iter().next().and_then(|c| c.delta.content);
        Ok(text.map_or(Step::Nothing, Step::Text))
    }
}

fn map_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> AiError {
    let (kind, detail) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(ErrorBody { error }) => (error.kind().to_string(), error.message),
        Err(_) => (String::new(), String::from_utf8_lossy(body).chars().take(500).collect()),
    };
    retry::from_status(status.as_u16(), retry::retry_after(headers), &kind, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(data: &str) -> Event {
        Event { data: data.to_string(), ..Event::default() }
    }

    #[test]
    fn chunks_text_usage_and_done() {
        let mut wire = OpenAiWire::default();
        let first = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#;
        assert!(matches!(wire.event(&event(first)), Ok(Step::Text(t)) if t.is_empty()));
        let text = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}"#;
        assert!(matches!(wire.event(&event(text)), Ok(Step::Text(t)) if t == "Hi"));
        let usage = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;
        assert!(matches!(wire.event(&event(usage)), Ok(Step::Nothing)));
        assert!(matches!(wire.event(&event("[DONE]")), Ok(Step::Done(Some((12, 3))))));
    }

    #[test]
    fn errors_in_the_stream_and_in_bodies() {
        let mut wire = OpenAiWire::default();
        let e = wire
            .event(&event(r#"{"error":{"message":"busy","type":"server_error","param":null,"code":null}}"#))
            .err()
            .unwrap();
        assert_eq!(e.class(), "server_error");
        assert!(wire.event(&event("{not json")).is_err());

        let body = br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        assert_eq!(map_status(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), body).class(), "provider_quota");
        let body = br#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        assert_eq!(map_status(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body).class(), "auth");
        assert_eq!(map_status(StatusCode::BAD_GATEWAY, &HeaderMap::new(), b"<html>").class(), "server_error");
    }
}
