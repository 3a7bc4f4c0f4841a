//! The OpenAI-compatible transcription API: `POST {base}/audio/transcriptions` with the audio
//! streamed from its temporary file as multipart, `verbose_json` asked for its segments.

use serde::Deserialize;
use std::{path::Path, sync::OnceLock, time::Duration};

use super::audio_type::AudioType;
use super::model::Segment;
use crate::features::ai;
use crate::server::config::LlmEndpoint;

/// What the provider heard.
#[derive(Debug)]
pub struct Heard {
    pub text: String,
    pub segments: Vec<Segment>,
    pub duration_ms: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    #[error("The transcription service refused the request (HTTP {status}).")]
    Refused { status: u16 },
    #[error("The transcription service is busy or had a problem (HTTP {status}). Please try again.")]
    Unavailable { status: u16, retry_after: Option<Duration> },
    #[error("The transcription service could not be reached. Please try again.")]
    Network,
    #[error("The transcription service answered in a way we could not read.")]
    BadResponse,
    #[error("The uploaded audio could not be read back.")]
    File,
}

impl TranscribeError {
    /// For the request log's `error_class`.
    pub fn class(&self) -> &'static str {
        match self {
            Self::Refused { .. } => "refused",
            Self::Unavailable { .. } => "server_error",
            Self::Network => "network",
            Self::BadResponse => "bad_response",
            Self::File => "file",
        }
    }
}

#[derive(Deserialize)]
struct Verbose {
    text: String,
    duration: Option<f64>,
    #[serde(default)]
    segments: Vec<RawSegment>,
}

#[derive(Deserialize)]
struct RawSegment {
    start: f64,
    end: f64,
    text: String,
}

/// No redirects (a redirect must not carry the key elsewhere); long total time for 25 MB.
fn client() -> Option<&'static reqwest::Client> {
    static CLIENT: OnceLock<Option<reqwest::Client>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .use_rustls_tls()
                .connect_timeout(Duration::from_secs(10))
                .timeout(Duration::from_secs(600))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("threadr/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| tracing::error!(error = %e, "transcription HTTP client could not be built"))
                .ok()
        })
        .as_ref()
}

/// Tries after a 429/5xx or a lost connection: this many more times, after the service's
/// `Retry-After` (at most 30 s; a longer one fails at once) or a jittered backoff from
/// [`RETRY_BASE`]. Each try streams the file again from its temporary copy.
pub const RETRIES: u32 = 2;
pub const RETRY_BASE: Duration = Duration::from_millis(400);

pub async fn transcribe(
    endpoint: &LlmEndpoint,
    path: &Path,
    len: u64,
    kind: AudioType,
) -> Result<Heard, TranscribeError> {
    let mut retries = 0;
    loop {
        let error = match attempt(endpoint, path, len, kind).await {
            Err(e @ (TranscribeError::Unavailable { .. } | TranscribeError::Network)) if retries < RETRIES => e,
            done => return done,
        };
        let wait = match &error {
            TranscribeError::Unavailable { retry_after: Some(asked), .. } => *asked,
            _ => ai::backoff(retries, RETRY_BASE),
        };
        if wait > ai::RETRY_AFTER_CAP {
            return Err(error);
        }
        tracing::info!(error = %error, retry = retries + 1, wait_ms = wait.as_millis() as u64, "retrying transcription");
        tokio::time::sleep(wait).await;
        retries += 1;
    }
}

async fn attempt(endpoint: &LlmEndpoint, path: &Path, len: u64, kind: AudioType) -> Result<Heard, TranscribeError> {
    let client = client().ok_or(TranscribeError::Network)?;
    let file = tokio::fs::File::open(path).await.map_err(|_| TranscribeError::File)?;
    let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
    let part = reqwest::multipart::Part::stream_with_length(body, len)
        .file_name(format!("audio.{}", kind.extension()))
        .mime_str(kind.mime())
        .map_err(|_| TranscribeError::File)?;
    let form = reqwest::multipart::Form::new()
        .part("file", part)
        .text("model", endpoint.model.clone())
        .text("response_format", "verbose_json");
    let res = client
        .post(format!("{}/audio/transcriptions", endpoint.base_url))
        .bearer_auth(&endpoint.api_key)
        .multipart(form)
        .send()
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "transcription request failed");
            TranscribeError::Network
        })?;
    let status = res.status().as_u16();
    if status == 429 || status >= 500 {
        return Err(TranscribeError::Unavailable { status, retry_after: ai::retry_after(res.headers()) });
    }
    if !res.status().is_success() {
        return Err(TranscribeError::Refused { status });
    }
    let verbose: Verbose = res.json().await.map_err(|_| TranscribeError::BadResponse)?;
    let ms = |secs: f64| if secs.is_finite() && secs > 0.0 { (secs * 1000.0).round() as u64 } else { 0 };
    Ok(Heard {
        text: verbose.text.trim().to_string(),
        segments: verbose
            .segments
            .into_iter()
            .map(|s| Segment { start_ms: ms(s.start), end_ms: ms(s.end), text: s.text.trim().to_string() })
            .collect(),
        duration_ms: verbose.duration.map(ms),
    })
}

/// Micro-dollars for `duration_ms` of audio at `per_minute`, rounded up.
pub fn cost_microusd(duration_ms: u64, per_minute: i64) -> i64 {
    let total = i128::from(duration_ms) * i128::from(per_minute.max(0));
    i64::try_from((total + 59_999) / 60_000).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::cost_microusd;

    #[test]
    fn audio_is_priced_per_minute_rounded_up() {
        assert_eq!(cost_microusd(60_000, 6000), 6000);
        assert_eq!(cost_microusd(1, 6000), 1);
        assert_eq!(cost_microusd(90_000, 6000), 9000);
        assert_eq!(cost_microusd(0, 6000), 0);
    }
}
