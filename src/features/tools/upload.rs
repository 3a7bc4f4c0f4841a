//! `POST /api/tools/transcribe-upload?name=<file name>`: the audio file is the raw request body
//! (the page sends it with XMLHttpRequest for upload progress). Checked in this order, each
//! refusal before anything is charged or stored: signed in (401), paid plan (403 with the
//! upgrade offer), a provider configured (503), size (413), content type (415), not empty
//! (400), the hourly AI limit (429). The body is streamed to a temporary file, counted as it
//! comes and never held whole in memory; the file is deleted when the request ends, however.

use axum::{
    body::Body,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::StreamExt;
use serde::Deserialize;
use std::time::Instant;
use tokio::io::AsyncWriteExt;

use super::audio_type::{self, AudioType};
use super::model::{TRANSCRIBE_MAX_BYTES, Transcript};
use super::{db, transcribe_api};
use crate::features::accounts::session::Member;
use crate::features::ai::request_log;
use crate::features::quotas::{self, Subject};
use crate::server::state::AppState;

pub const UPLOAD_PATH: &str = super::model::TRANSCRIBE_UPLOAD_PATH;

/// After a refusal the rest of a too-large body is read and dropped up to this total, so the
/// browser gets the answer instead of a reset connection; beyond it the connection is closed.
const DRAIN_LIMIT: u64 = TRANSCRIBE_MAX_BYTES + 16 * 1024 * 1024;

#[derive(Deserialize)]
pub struct Params {
    #[serde(default)]
    name: String,
}

/// A refusal: status and a message the page shows as it is.
struct Refusal {
    status: StatusCode,
    message: String,
    upgrade: bool,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), upgrade: false }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message, "upgrade": self.upgrade });
        (self.status, axum::Json(body)).into_response()
    }
}

pub async fn transcribe_upload(
    State(state): State<AppState>,
    member: Option<Member>,
    Query(params): Query<Params>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match handle(state, member, params, headers, body).await {
        Ok(transcript) => axum::Json(transcript).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn handle(
    state: AppState,
    member: Option<Member>,
    params: Params,
    headers: HeaderMap,
    body: Body,
) -> Result<Transcript, Refusal> {
    let mut body = body.into_data_stream();
    let Some(member) = member else {
        return Err(Refusal::new(StatusCode::UNAUTHORIZED, "Please sign in to continue."));
    };
    let now = state.clock.now();
    let plan = quotas::entitlement(&state.db, member.id, now).await.map_err(|_| unavailable())?;
    if !plan.is_paid() {
        return Err(Refusal {
            status: StatusCode::FORBIDDEN,
            message: "Transcription is part of the paid plans. Upgrade to transcribe audio.".into(),
            upgrade: true,
        });
    }
    let Some(endpoint) = state.config.transcribe.endpoint.clone() else {
        return Err(not_configured());
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > TRANSCRIBE_MAX_BYTES) {
        if declared.is_some_and(|len| len <= DRAIN_LIMIT) {
            drain(&mut body, 0).await;
        }
        return Err(too_large());
    }

    let temp = temp_file(&state).map_err(|e| {
        tracing::error!(error = %e, "creating the upload's temporary file failed");
        unavailable()
    })?;
    let (len, kind) = receive(&mut body, &temp).await?;
    let title = file_title(&params.name);

    let reservation = quotas::reserve(&state.db, &Subject::User(member.id), plan, now, false).await.map_err(|e| {
        Refusal::new(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::TOO_MANY_REQUESTS), e.to_string())
    })?;
    let started = Instant::now();
    let heard = transcribe_api::transcribe(&endpoint, temp.path(), len, kind).await;
    // The audio is not needed any more, whatever happened.
    drop(temp);
    let mut record = request_log::NewRequest {
        user_id: Some(member.id),
        kind: "transcription",
        provider: "openai".into(),
        model: endpoint.model.clone(),
        latency: started.elapsed(),
        ..Default::default()
    };
    let heard = match heard {
        Ok(heard) => heard,
        Err(e) => {
            if let Err(e) = quotas::release(&state.db, &reservation).await {
                tracing::error!(error = %e, "releasing a quota reservation failed");
            }
            record.outcome = request_log::Outcome::Failed;
            record.error_class = Some(e.class());
            if let Err(e) = request_log::record(&state.db, &record).await {
                tracing::error!(error = %e, "writing the AI request log failed");
            }
            return Err(Refusal::new(StatusCode::SERVICE_UNAVAILABLE, format!("{e} Nothing was charged.")));
        }
    };
    record.time_to_first_token = Some(record.latency);
    match request_log::record(&state.db, &record).await {
        Ok(id) => charge(&state, id, &endpoint.model, heard.duration_ms).await,
        Err(e) => tracing::error!(error = %e, "writing the AI request log failed"),
    }
    let id = match db::save_transcript(&state.db, &member, &title, &heard.text, &heard.segments, heard.duration_ms, now)
        .await
    {
        Ok(id) => Some(id),
        Err(e) => {
            crate::server::error::internal("saving a transcript", e);
            None
        }
    };
    Ok(Transcript { id, title, text: heard.text, segments: heard.segments, duration_ms: heard.duration_ms })
}

/// Streams the body into `temp`, counting bytes and checking the content type as soon as its
/// first bytes are in. Returns the size and the audio type.
async fn receive(
    body: &mut axum::body::BodyDataStream,
    temp: &tempfile::NamedTempFile,
) -> Result<(u64, AudioType), Refusal> {
    let write_failed = |e: std::io::Error| {
        tracing::error!(error = %e, "writing the upload's temporary file failed");
        unavailable()
    };
    let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(write_failed)?);
    let mut head: Vec<u8> = Vec::with_capacity(audio_type::SNIFF_BYTES);
    let mut kind = None;
    let mut len: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk
            .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "The upload was interrupted. Please try again."))?;
        len += chunk.len() as u64;
        if len > TRANSCRIBE_MAX_BYTES {
            drain(body, len).await;
            return Err(too_large());
        }
        if kind.is_none() {
            let wanted = audio_type::SNIFF_BYTES - head.len();
            head.extend_from_slice(&chunk[..chunk.len().min(wanted)]);
            if head.len() >= audio_type::SNIFF_BYTES {
                kind = Some(sniffed(&head, body, len).await?);
            }
        }
        file.write_all(&chunk).await.map_err(write_failed)?;
    }
    file.flush().await.map_err(write_failed)?;
    if len == 0 {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, "The file is empty. Choose an audio recording."));
    }
    let kind = match kind {
        Some(kind) => kind,
        None => sniffed(&head, body, len).await?,
    };
    Ok((len, kind))
}

async fn sniffed(head: &[u8], body: &mut axum::body::BodyDataStream, len: u64) -> Result<AudioType, Refusal> {
    match audio_type::sniff(head) {
        Ok(kind) => Ok(kind),
        Err(message) => {
            drain(body, len).await;
            Err(Refusal::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message))
        }
    }
}

/// Reads and drops the rest of a refused body (up to [`DRAIN_LIMIT`] in all).
async fn drain(body: &mut axum::body::BodyDataStream, mut read: u64) {
    while read <= DRAIN_LIMIT {
        match body.next().await {
            Some(Ok(chunk)) => read += chunk.len() as u64,
            _ => break,
        }
    }
}

fn temp_file(state: &AppState) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("threadr-upload-");
    match &state.config.transcribe.temp_dir {
        Some(dir) => builder.tempfile_in(dir),
        None => builder.tempfile(),
    }
}

/// The file's name as the member's browser gave it: its last path part, one line, at most
/// 200 characters; "Recording" when there is none.
fn file_title(name: &str) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = name.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let clean: String = clean.trim().chars().take(200).collect();
    if clean.is_empty() { "Recording".to_string() } else { clean }
}

/// The request log's cost: minutes of audio × the model's price per minute.
async fn charge(state: &AppState, request: uuid::Uuid, model: &str, duration_ms: Option<u64>) {
    let Some(duration_ms) = duration_ms else {
        tracing::warn!(%request, "the transcription service gave no duration; cost logged as 0");
        return;
    };
    let price = match db::transcription_price(&state.db, "openai", model).await {
        Ok(Some(price)) => price,
        Ok(None) => {
            tracing::warn!(model, "no price for this model in ai_transcription_prices; cost logged as 0");
            return;
        }
        Err(e) => {
            tracing::error!(error = %e, "reading the transcription price failed");
            return;
        }
    };
    let cost = transcribe_api::cost_microusd(duration_ms, price);
    if let Err(e) = db::set_request_cost(&state.db, request, cost, cost > request_log::FLAG_MICROUSD).await {
        tracing::error!(error = %e, "writing the transcription cost failed");
    }
}

fn too_large() -> Refusal {
    Refusal::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The file is larger than 25 MB. Shorten or compress the recording and try again.",
    )
}

fn not_configured() -> Refusal {
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "Transcription is not configured on this server. Nothing was uploaded or charged.",
    )
}

fn unavailable() -> Refusal {
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, "Threadr is temporarily unavailable. Please try again in a moment.")
}

#[cfg(test)]
mod tests {
    use super::file_title;

    #[test]
    fn titles_are_the_last_path_part_on_one_line() {
        assert_eq!(file_title("C:\\Users\\me\\talk.mp3"), "talk.mp3");
        assert_eq!(file_title("a/b/c.wav"), "c.wav");
        assert_eq!(file_title(" \n "), "Recording");
        assert_eq!(file_title("a\nb.ogg"), "a b.ogg");
        assert_eq!(file_title(&"x".repeat(300)).len(), 200);
    }
}
