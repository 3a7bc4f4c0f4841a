//! An uploaded image from the request to the store: streamed to a temporary file (counted
//! as it arrives, refused the moment it passes 8 MB, never held whole in memory), processed
//! off the async threads, and its variants stored under a fresh id. The temporary file is
//! deleted when it is dropped, on every path.
//!
//! The same approach as the transcription upload (`features::tools::upload`): both could
//! share `receive` once a second caller needs a different limit.

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use std::{path::Path, pin::pin, sync::OnceLock};
use tokio::{io::AsyncWriteExt, sync::Semaphore};
use uuid::Uuid;

use super::process::{Format, ImageRefusal, MAX_BYTES, VariantKind, process};
use super::storage::MediaStore;

/// After a refusal the rest of a too-large upload is read and dropped up to this total, so
/// the browser gets the answer instead of a reset connection; beyond it the caller closes.
const DRAIN_LIMIT: u64 = MAX_BYTES + 16 * 1024 * 1024;

/// The file as received.
#[derive(Debug)]
pub struct Received {
    pub file: tempfile::NamedTempFile,
    pub len: u64,
}

/// What was stored: the row `product_images` needs (the variants' sizes in thumb, card, full
/// order, their total bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub id: Uuid,
    pub format: Format,
    pub sizes: [(VariantKind, u32, u32); 3],
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Refused(#[from] ImageRefusal),
    #[error("The upload was interrupted. Please try again.")]
    Interrupted,
    /// The server's fault (temporary file, storage): logged where it happened.
    #[error("Images cannot be saved just now. Please try again in a moment.")]
    Unavailable,
}

impl UploadError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Refused(refusal) => refusal.status(),
            Self::Interrupted => 400,
            Self::Unavailable => 503,
        }
    }
}

/// Streams `body` (an axum multipart `Field`, a request body's data stream…) into a new
/// temporary file in `temp_dir` (the system's when `None`).
pub async fn receive<S, E>(body: S, temp_dir: Option<&Path>) -> Result<Received, UploadError>
where
    S: Stream<Item = Result<Bytes, E>>,
{
    let mut body = pin!(body);
    let unavailable = |e: std::io::Error| {
        tracing::error!(error = %e, "writing an uploaded image's temporary file failed");
        UploadError::Unavailable
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix("threadr-image-");
    let temp = match temp_dir {
        Some(dir) => builder.tempfile_in(dir),
        None => builder.tempfile(),
    }
    .map_err(unavailable)?;
    let mut file = tokio::fs::File::from_std(temp.as_file().try_clone().map_err(unavailable)?);
    let mut len: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| UploadError::Interrupted)?;
        len += chunk.len() as u64;
        if len > MAX_BYTES {
            while len <= DRAIN_LIMIT {
                match body.next().await {
                    Some(Ok(chunk)) => len += chunk.len() as u64,
                    _ => break,
                }
            }
            return Err(ImageRefusal::TooLarge.into());
        }
        file.write_all(&chunk).await.map_err(unavailable)?;
    }
    file.flush().await.map_err(unavailable)?;
    Ok(Received { file: temp, len })
}

/// Processes the received file (at most a few at a time, each on a blocking thread: a
/// 40-megapixel image needs a few hundred MB while it is decoded) and stores its variants
/// under a new id. Nothing is stored when the file is refused.
pub async fn store_upload(store: &MediaStore, received: Received) -> Result<StoredImage, UploadError> {
    let permit = processing_slots().acquire().await.map_err(|_| UploadError::Unavailable)?;
    let processed = tokio::task::spawn_blocking(move || {
        let processed = process(received.file.path());
        // The temporary file goes now, on the blocking thread.
        drop(received);
        processed
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "processing an uploaded image panicked");
        UploadError::Unavailable
    })??;
    // Storing only waits on the network: the next upload may decode meanwhile.
    drop(permit);
    let id = Uuid::new_v4();
    let bytes = store.put_image(id, &processed).await.map_err(|e| {
        tracing::error!(error = %e, %id, "storing an image's variants failed");
        UploadError::Unavailable
    })?;
    let size = |i: usize| {
        let v = &processed.variants[i];
        (v.kind, v.width, v.height)
    };
    Ok(StoredImage { id, format: processed.format, sizes: [size(0), size(1), size(2)], bytes })
}

/// One image decodes at a time per core: memory stays bounded however many sellers upload
/// at once, and page requests keep their share of the CPU.
fn processing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get())))
}
