//! `POST /sell/products/{id}/images?name=…`: one photo as the raw request body (the page
//! sends each file with its own progress bar). Streamed to a temporary file, checked,
//! re-encoded and stored, then recorded as the listing's last photo. Answers the listing's
//! photos as JSON, or `{"message"}` with a 4xx saying what was wrong; nothing is kept then.

use axum::{
    Json,
    body::Body,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use uuid::Uuid;

use super::images::{self, ImageRefusal, UploadError};
use super::{listing_images, listings};
use crate::error::AppError;
use crate::features::accounts::session::Member;
use crate::server::state::AppState;

pub const ROUTE: &str = "/sell/products/{id}/images";

/// Whether `path` is a photo upload (it reads its own body, up to 8 MB).
pub fn is_upload(path: &str) -> bool {
    path.strip_prefix("/sell/products/").is_some_and(|rest| rest.ends_with("/images") && rest.matches('/').count() == 1)
}

#[derive(Deserialize)]
pub struct Named {
    #[serde(default)]
    name: String,
}

fn refusal(status: u16, message: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(serde_json::json!({ "message": message }))).into_response()
}

fn app_error(e: AppError) -> Response {
    refusal(e.status(), e.to_string())
}

pub async fn upload(
    State(state): State<AppState>,
    member: Option<Member>,
    Path(product): Path<Uuid>,
    Query(named): Query<Named>,
    body: Body,
) -> Response {
    let Some(member) = member else { return app_error(AppError::Unauthenticated) };
    let seller = member.user().id;
    if let Err(e) = listing_images::room_for_one(&state.db, seller, product).await {
        return app_error(e);
    }
    let temp_dir = state.config.transcribe.temp_dir.as_deref();
    let received = match images::receive(body.into_data_stream(), temp_dir).await {
        Ok(received) => received,
        Err(e) => return refusal(e.status(), e.to_string()),
    };
    if let Some(mismatch) = name_disagrees(&named.name, received.file.path()) {
        return refusal(mismatch.status(), mismatch.to_string());
    }
    let stored = match images::store_upload(&state.media, received).await {
        Ok(stored) => stored,
        Err(e @ (UploadError::Refused(_) | UploadError::Interrupted | UploadError::Unavailable)) => {
            return refusal(e.status(), e.to_string());
        }
    };
    let size = |i: usize| (stored.sizes[i].1, stored.sizes[i].2);
    let sizes = listing_images::StoredSizes { thumb: size(0), card: size(1), full: size(2), bytes: stored.bytes };
    if let Err(e) = listing_images::add(&state.db, seller, product, stored.id, stored.format.as_str(), sizes).await {
        // Eight photos arrived meanwhile, or the listing was deleted: the files go again.
        if let Err(gone) = state.media.delete_image(stored.id, stored.format).await {
            tracing::warn!(error = %gone, id = %stored.id, "a refused photo's files stay until the sweep");
        }
        return app_error(e);
    }
    state.pages.forget(product);
    match listings::images(&state.db, product).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => app_error(e.into()),
    }
}

/// A name ending in an image type the content is not (a JPEG named `photo.png`).
fn name_disagrees(name: &str, path: &std::path::Path) -> Option<ImageRefusal> {
    let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
    let claimed = match extension.as_str() {
        "jpg" | "jpeg" | "jfif" => "JPEG",
        "png" => "PNG",
        "webp" => "WebP",
        _ => return None,
    };
    let mut head = [0u8; 12];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).ok()?;
    let head = &head[..read];
    let content = if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "JPEG"
    } else if head.starts_with(b"\x89PNG") {
        "PNG"
    } else if head.len() == 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        "WebP"
    } else {
        // Not an image at all: processing says what it is.
        return None;
    };
    (content != claimed).then_some(ImageRefusal::NameMismatch { content, extension })
}

/// Removes the files of deleted photos (their rows are gone; `orphaned_images` lists them).
pub async fn sweep_orphans(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut removed = 0;
    for (id, format) in listing_images::orphans(&state.db, 200).await? {
        let Some(format) = images::Format::parse(&format) else {
            listing_images::forget_orphan(&state.db, id).await?;
            continue;
        };
        match state.media.delete_image(id, format).await {
            Ok(()) => {
                listing_images::forget_orphan(&state.db, id).await?;
                removed += 1;
            }
            Err(e) => tracing::warn!(error = %e, %id, "a deleted photo's files could not be removed; retried later"),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::is_upload;

    #[test]
    fn only_photo_uploads_read_their_own_body() {
        assert!(is_upload("/sell/products/0b7c2b9e-1d1a-4c55-9a57-9c1c2f3d4e5f/images"));
        assert!(!is_upload("/sell/products/x/images/extra"));
        assert!(!is_upload("/sell/products/images"));
        assert!(!is_upload("/api/sell/create"));
    }
}
