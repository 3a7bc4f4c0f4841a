//! Product images for the marketplace catalogue (server only).
//!
//! An upload is streamed to a temporary file ([`upload::receive`], at most 8 MB, never whole
//! in memory), then [`process()`] decides its type from its bytes alone (JPEG, PNG or WebP),
//! refuses polyglots, damaged files and oversized pixel counts before decoding, decodes it
//! under `image::Limits`, turns it upright, and re-encodes three variants from the pixels
//! (so no EXIF, GPS, XMP, ICC or text chunk survives). [`MediaStore`] keeps the variants in a
//! local directory or an S3-compatible bucket under `products/{id}/{variant}.{ext}`, and
//! [`serve::serve_media`] answers `GET /media/products/{id}/{file}` with year-long immutable
//! caching: an image id is never reused, so a URL always serves the same bytes.

mod process;
pub mod serve;
mod sniff;
mod storage;
pub mod upload;

pub use process::{Format, ImageRefusal, MAX_BYTES, MAX_PIXELS, MAX_SIDE, Processed, Variant, VariantKind, process};
pub use serve::{MEDIA_ROUTE, serve_media};
pub use storage::{MediaConfig, MediaConfigError, MediaKey, MediaObject, MediaStore, S3Settings, StoreError};
pub use upload::{Received, StoredImage, UploadError, receive, store_upload};
