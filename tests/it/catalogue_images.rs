//! Product images end to end on a temporary directory: every refusal is clear and stores
//! nothing (and leaves no temporary file); a photo with GPS Exif is stored upright with no
//! metadata left (read back and checked); variants never upscale; transparency keeps PNG;
//! the media route serves with immutable caching, `nosniff` and the right type; an upload
//! through a real multipart request. The store checks run against moto too
//! (`catalogue_images_s3`), through the same functions.

use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, State},
    http::{Request, StatusCode, header},
    routing::{get, post},
};
use bytes::Bytes;
use http_body_util::BodyExt;
use image::{DynamicImage, ImageDecoder, codecs::jpeg::JpegDecoder, metadata::Orientation};
use std::{io::Cursor, path::Path};
use threadr::features::catalogue::images::{
    Format, ImageRefusal, MEDIA_ROUTE, MediaKey, MediaStore, S3Settings, StoredImage, UploadError, VariantKind,
    process, receive, serve_media, store_upload,
};
use tower::ServiceExt;
use uuid::Uuid;

use crate::image_fixtures as fx;

/// Uploads `bytes` as a request would: streamed in 64 KiB chunks into a temporary file in
/// `uploads`, processed, stored.
pub async fn upload(store: &MediaStore, uploads: &Path, bytes: &[u8]) -> Result<StoredImage, UploadError> {
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let received = receive(futures::stream::iter(chunks), Some(uploads)).await?;
    store_upload(store, received).await
}

struct Refused {
    /// The name the file is saved under (the pipeline never sees it).
    name: &'static str,
    bytes: Vec<u8>,
    expected: ImageRefusal,
    says: &'static str,
}

fn refusals() -> Vec<Refused> {
    let jpeg = fx::jpeg(640, 480);
    let png = fx::png(640, 480);
    let refused = |name, bytes, expected, says| Refused { name, bytes, expected, says };
    let mut corrupt_png = png.clone();
    let idat = corrupt_png.windows(4).position(|w| w == b"IDAT").unwrap();
    corrupt_png[idat + 40..idat + 60].fill(0x5A);
    vec![
        refused("empty.jpg", vec![], ImageRefusal::Empty, "The file is empty."),
        refused(
            "huge.jpg",
            [jpeg.as_slice(), &vec![0u8; 9 * 1024 * 1024]].concat(),
            ImageRefusal::TooLarge,
            "larger than 8 MB",
        ),
        refused(
            "drawing.svg",
            fx::SVG.into(),
            ImageRefusal::NotAnImage { looks_like: Some("an SVG drawing") },
            "The file is an SVG drawing, not a JPEG, PNG or WebP image.",
        ),
        refused(
            "photo.jpg",
            fx::HTML.into(),
            ImageRefusal::NotAnImage { looks_like: Some("an HTML page") },
            "The file is an HTML page, not a JPEG, PNG or WebP image.",
        ),
        refused(
            "anim.gif",
            b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(),
            ImageRefusal::NotAnImage { looks_like: Some("a GIF") },
            "a GIF, not",
        ),
        refused(
            "notes.png",
            b"just some text".to_vec(),
            ImageRefusal::NotAnImage { looks_like: None },
            "The file is not a JPEG, PNG or WebP image.",
        ),
        refused("polyglot.png", [png.as_slice(), fx::SCRIPT].concat(), ImageRefusal::TrailingData, "extra data"),
        refused("polyglot.jpg", [jpeg.as_slice(), fx::SCRIPT].concat(), ImageRefusal::TrailingData, "extra data"),
        refused(
            "sandwich.jpg",
            [jpeg.as_slice(), fx::SCRIPT, &jpeg].concat(),
            ImageRefusal::TrailingData,
            "extra data",
        ),
        refused(
            "polyglot.webp",
            [fx::webp(64, 48).as_slice(), fx::SCRIPT].concat(),
            ImageRefusal::TrailingData,
            "extra data",
        ),
        refused(
            "bomb.png",
            fx::png_declaring(50_000, 50_000),
            ImageRefusal::TooManyPixels { width: 50_000, height: 50_000 },
            "The image declares 50000 × 50000 pixels; the limit is 10000 pixels a side and 40 megapixels in all.",
        ),
        refused(
            "wide.png",
            fx::png_declaring(9_000, 9_000),
            ImageRefusal::TooManyPixels { width: 9_000, height: 9_000 },
            "declares 9000 × 9000 pixels",
        ),
        refused(
            "bomb.jpg",
            fx::jpeg_declaring(&jpeg, 50_000, 50_000),
            ImageRefusal::TooManyPixels { width: 50_000, height: 50_000 },
            "declares 50000 × 50000 pixels",
        ),
        refused("half.jpg", jpeg[..jpeg.len() / 2].to_vec(), ImageRefusal::Damaged, "damaged or incomplete"),
        refused("half.png", png[..png.len() / 2].to_vec(), ImageRefusal::Damaged, "damaged or incomplete"),
        refused("corrupt.png", corrupt_png, ImageRefusal::Damaged, "damaged or incomplete"),
    ]
}

/// Each refusal: the expected reason and message (nothing of the file's content in it),
/// nothing stored, no temporary file left; `process` on the file saved under its name agrees.
pub async fn refusals_store_nothing(store: &MediaStore) {
    let uploads = tempfile::tempdir().unwrap();
    let named = tempfile::tempdir().unwrap();
    for Refused { name, bytes, expected, says } in refusals() {
        let error = upload(store, uploads.path(), &bytes).await.expect_err(name);
        match &error {
            UploadError::Refused(refusal) => assert_eq!(refusal, &expected, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains(says), "{name}: {message}");
        assert!(!message.contains("alert") && !message.contains("script"), "{name}: {message}");
        assert_eq!(store.keys().await.unwrap(), Vec::<String>::new(), "{name}: nothing stored");
        assert_eq!(std::fs::read_dir(uploads.path()).unwrap().count(), 0, "{name}: temporary file left");
        let path = named.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(process(&path), Err(expected), "{name}");
    }
}

/// A photo with GPS Exif and orientation 6 (turn 90° clockwise), XMP, an ICC profile and a
/// comment: three upright JPEG variants with no APPn segment but JFIF, no comment, none of
/// those bytes; each decodes to the size recorded; deleting removes all three.
pub async fn gps_photo_loses_its_metadata(store: &MediaStore) {
    let original = fx::with_more_metadata(&fx::with_exif(&fx::jpeg(2000, 1500), 6));
    let leaks =
        [b"Exif".as_slice(), fx::EXIF_MAKE, &fx::gps_latitude(), fx::XMP_SECRET, fx::ICC_SECRET, fx::COMMENT_SECRET];
    assert!(leaks.iter().all(|leak| fx::contains(&original, leak)));
    let mut decoder = JpegDecoder::new(Cursor::new(&original)).unwrap();
    assert_eq!(decoder.orientation().unwrap(), Orientation::Rotate90, "the fixture's Exif is readable");

    let uploads = tempfile::tempdir().unwrap();
    let stored = upload(store, uploads.path(), &original).await.unwrap();
    assert_eq!(stored.format, Format::Jpeg);
    assert_eq!(
        stored.sizes,
        [(VariantKind::Thumb, 150, 200), (VariantKind::Card, 450, 600), (VariantKind::Full, 1200, 1600)],
        "upright: the 2000 × 1500 photo is 1500 × 2000 once turned"
    );
    let mut total = 0;
    for (kind, width, height) in stored.sizes {
        let object = store.get(&MediaKey::new(stored.id, kind, Format::Jpeg)).await.unwrap().expect("stored");
        let len = object.len;
        let bytes = object.bytes().await.unwrap();
        assert_eq!(bytes.len() as u64, len);
        total += len;
        let markers = fx::jpeg_markers(&bytes);
        assert!(markers.iter().all(|m| !matches!(m, 0xE1..=0xEF | 0xFE)), "{kind:?}: segments {markers:02x?}");
        for leak in leaks {
            assert!(!fx::contains(&bytes, leak), "{kind:?} still holds {leak:?}");
        }
        let mut decoder = JpegDecoder::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(decoder.dimensions(), (width, height));
        assert_eq!(decoder.exif_metadata().unwrap(), None);
        assert_eq!(decoder.icc_profile().unwrap(), None);
        assert_eq!(decoder.orientation().unwrap(), Orientation::NoTransforms);
        DynamicImage::from_decoder(decoder).unwrap();
    }
    assert_eq!(total, stored.bytes);
    let id = stored.id;
    assert_eq!(
        store.keys().await.unwrap(),
        [format!("products/{id}/card.jpg"), format!("products/{id}/full.jpg"), format!("products/{id}/thumb.jpg")]
    );
    assert_eq!(std::fs::read_dir(uploads.path()).unwrap().count(), 0, "temporary file left");
    store.delete_image(id, Format::Jpeg).await.unwrap();
    assert_eq!(store.keys().await.unwrap(), Vec::<String>::new());
    store.delete_image(id, Format::Jpeg).await.unwrap();
}

fn media_app(store: MediaStore) -> Router {
    Router::new().route(MEDIA_ROUTE, get(serve_media)).with_state(store)
}

async fn fetch(app: &Router, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    (parts.status, parts.headers, body.collect().await.unwrap().to_bytes().to_vec())
}

/// The media route: the stored bytes with type, length, immutable caching and `nosniff`;
/// 404 for a missing image and for anything that is not a canonical key.
pub async fn media_route_serves_variants(store: &MediaStore) {
    let transparent = fx::png_rgba(300, 200, true);
    let uploads = tempfile::tempdir().unwrap();
    let stored = upload(store, uploads.path(), &transparent).await.unwrap();
    assert_eq!(stored.format, Format::Png);
    let app = media_app(store.clone());
    let key = MediaKey::new(stored.id, VariantKind::Thumb, Format::Png);
    let (status, headers, body) = fetch(&app, &key.url()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::CONTENT_LENGTH], body.len().to_string().as_str());
    let expected = store.get(&key).await.unwrap().unwrap().bytes().await.unwrap();
    assert_eq!(body, expected);
    let chunks = fx::png_chunks(&body);
    assert_eq!(chunks.first().map(String::as_str), Some("IHDR"));
    assert!(chunks.iter().all(|c| matches!(c.as_str(), "IHDR" | "IDAT" | "IEND")), "{chunks:?}");
    assert_eq!(image::load_from_memory(&body).unwrap().color(), image::ColorType::Rgba8);

    let id = stored.id;
    for path in [
        format!("/media/products/{}/card.png", Uuid::new_v4()),
        format!("/media/products/{id}/card.jpg"),
        format!("/media/products/{id}/poster.png"),
        format!("/media/products/{}/card.png", id.to_string().to_uppercase()),
        format!("/media/products/{}/card.png", id.simple()),
        format!("/media/products/{id}/card.png.html"),
        format!("/media/products/{id}/%2e%2e%2fcard.png"),
        "/media/products/..%2f..%2fetc/passwd".to_string(),
    ] {
        let (status, headers, _) = fetch(&app, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_ne!(headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=31536000, immutable");
    }
    store.delete_image(id, Format::Png).await.unwrap();
}

#[tokio::test]
async fn refusals_are_clear_and_store_nothing_locally() {
    let dir = tempfile::tempdir().unwrap();
    refusals_store_nothing(&MediaStore::local(&dir.path().join("media")).unwrap()).await;
}

#[tokio::test]
async fn a_gps_photo_is_stored_upright_without_metadata_locally() {
    let dir = tempfile::tempdir().unwrap();
    let store = MediaStore::local(&dir.path().join("media")).unwrap();
    gps_photo_loses_its_metadata(&store).await;
    // The image's folder went with its files (and `products/`, empty, too).
    let products = dir.path().join("media/products");
    assert!(!products.exists() || std::fs::read_dir(&products).unwrap().count() == 0);
    assert!(dir.path().join("media").is_dir(), "the store's own directory stays");
}

#[tokio::test]
async fn the_media_route_serves_local_variants() {
    let dir = tempfile::tempdir().unwrap();
    media_route_serves_variants(&MediaStore::local(dir.path()).unwrap()).await;
}

fn saved(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn the_type_comes_from_the_content_never_the_name() {
    let (_dir, path) = saved(&fx::jpeg(640, 480), "photo.png");
    let processed = process(&path).unwrap();
    assert_eq!(processed.format, Format::Jpeg);
    assert_eq!(processed.variant(VariantKind::Full).width, 640);
    let (_dir, path) = saved(&fx::webp(800, 600), "photo.jpg");
    assert_eq!(process(&path).unwrap().variant(VariantKind::Full).height, 600);
}

#[test]
fn small_images_are_never_upscaled() {
    let (_dir, path) = saved(&fx::png(400, 300), "small.png");
    let processed = process(&path).unwrap();
    let sizes: Vec<_> = processed.variants.iter().map(|v| (v.kind, v.width, v.height)).collect();
    assert_eq!(sizes, [(VariantKind::Thumb, 200, 150), (VariantKind::Card, 400, 300), (VariantKind::Full, 400, 300)]);
    assert_eq!(processed.format, Format::Jpeg, "an opaque PNG becomes a JPEG");
}

#[test]
fn only_real_transparency_keeps_png() {
    let (_dir, path) = saved(&fx::png_rgba(300, 200, false), "opaque.png");
    assert_eq!(process(&path).unwrap().format, Format::Jpeg);
    let (_dir, path) = saved(&fx::png_rgba(300, 200, true), "cut-out.png");
    let processed = process(&path).unwrap();
    assert_eq!(processed.format, Format::Png);
    let thumb = image::load_from_memory(&processed.variant(VariantKind::Thumb).bytes).unwrap().to_rgba8();
    assert_eq!(thumb.get_pixel(0, 0).0[3], 0);
    assert_eq!(thumb.get_pixel(thumb.width() - 1, 0).0[3], 255);
}

#[test]
fn images_appended_as_phones_do_are_accepted() {
    // Depth maps and HDR gain maps follow the primary image as further JPEG streams.
    let jpeg = fx::jpeg(320, 240);
    let (_dir, path) = saved(&[jpeg.as_slice(), &fx::jpeg(80, 60)].concat(), "portrait.jpg");
    assert_eq!(process(&path).unwrap().variant(VariantKind::Full).width, 320);
}

/// An upload handler as the integration will write one: the first multipart field, streamed.
async fn upload_field(State(store): State<MediaStore>, mut multipart: Multipart) -> (StatusCode, String) {
    let Ok(Some(field)) = multipart.next_field().await else {
        return (StatusCode::BAD_REQUEST, "no file".into());
    };
    let stored = match receive(field, None).await {
        Ok(received) => store_upload(&store, received).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok(stored) => (StatusCode::OK, format!("{} {}", stored.id, stored.format.as_str())),
        Err(e) => (StatusCode::from_u16(e.status()).unwrap(), e.to_string()),
    }
}

fn multipart_body(file_name: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----threadr-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{file_name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn a_multipart_upload_is_streamed_and_limited() {
    let dir = tempfile::tempdir().unwrap();
    let store = MediaStore::local(dir.path()).unwrap();
    // The route reads and limits its own body, as the transcription upload does.
    let app =
        Router::new().route("/upload", post(upload_field)).layer(DefaultBodyLimit::disable()).with_state(store.clone());
    let send = |name: &str, content_type: &str, bytes: &[u8]| {
        let (multipart_type, body) = multipart_body(name, content_type, bytes);
        let request =
            Request::post("/upload").header(header::CONTENT_TYPE, multipart_type).body(Body::from(body)).unwrap();
        app.clone().oneshot(request)
    };
    let response = send("photo.png", "image/png", &fx::jpeg(640, 480)).await.unwrap();
    let status = response.status();
    let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert_eq!((status, body.ends_with(" jpeg")), (StatusCode::OK, true), "{body}");
    assert_eq!(store.keys().await.unwrap().len(), 3);

    let response = send("big.jpg", "image/jpeg", &vec![0xFF; 9 * 1024 * 1024]).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("larger than 8 MB"));
    assert_eq!(store.keys().await.unwrap().len(), 3, "nothing more stored");
}

#[tokio::test]
async fn an_unreachable_store_is_503_without_detail() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let store = MediaStore::s3(&S3Settings {
        bucket: "media".into(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        access_key_id: Some("id".into()),
        secret_access_key: Some("secret".into()),
    })
    .unwrap();
    let started = std::time::Instant::now();
    let key = MediaKey::new(Uuid::new_v4(), VariantKind::Card, Format::Jpeg);
    let (status, headers, body) = fetch(&media_app(store), &key.url()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(String::from_utf8(body).unwrap(), "Images are temporarily unavailable.");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "gave up after {:?}", started.elapsed());
}
