use axum::http::{HeaderValue, header::CACHE_CONTROL};
use leptos::prelude::LeptosOptions;
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

/// `/pkg`: the wasm, JS and CSS built by cargo-leptos. With `hash-files` their names change
/// whenever their content does, so browsers may keep them for a year.
pub fn pkg_service(options: &LeptosOptions) -> axum::routing::MethodRouter {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache = if options.hash_files {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let service = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(CACHE_CONTROL, cache))
        .service(ServeDir::new(dir));
    axum::routing::get_service(service)
}
