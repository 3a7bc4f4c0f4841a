//! `GET /media/products/{id}/{file}`: a stored variant, streamed from the store.
//!
//! An image id is never reused (a new upload gets a new id), so what a URL serves never
//! changes: browsers and CDNs may keep it for a year without asking again. The content type
//! comes from the key's format, which only our own encoder produced, and `nosniff` stops a
//! browser from second-guessing it.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::storage::{MediaKey, MediaStore};

/// The route, in axum 0.8's syntax.
pub const MEDIA_ROUTE: &str = "/media/products/{id}/{file}";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn serve_media(State(store): State<MediaStore>, Path((id, file)): Path<(String, String)>) -> Response {
    let Some(key) = MediaKey::from_parts(&id, &file) else {
        return not_found();
    };
    let object = match store.get(&key).await {
        Ok(Some(object)) => object,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, %key, "reading an image from media storage failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "Images are temporarily unavailable.",
            )
                .into_response();
        }
    };
    let mut response = Response::new(Body::from_stream(object.stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(key.format.content_type()));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(object.len));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Not cached: the variants of a new image are written one after the other, so a request
/// racing an upload may miss one that exists a moment later.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        "Not found.",
    )
        .into_response()
}
