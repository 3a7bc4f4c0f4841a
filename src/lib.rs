//! Threadr: one Leptos application (SSR + hydration) on axum and PostgreSQL.
//!
//! `app` is the page shell and router, `ui` the shared components, `features` one folder per
//! capability (UI, server functions and SQL side by side), `server` everything that only runs
//! on the server (config, database, HTTP wiring, CLI).

// Leptos views are nested types; the thread page's is deeper than the default limit allows
// when the release browser build computes its layout.
#![recursion_limit = "256"]

pub mod app;
pub mod error;
pub mod features;
pub mod money;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod server;

/// The version shown in the UI, `/health` callers and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Marks the document as interactive: styles (and browser tests) can tell a page that
    // only has its server HTML from one whose controls work.
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
