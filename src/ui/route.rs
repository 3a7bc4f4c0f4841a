//! What pages read from their route, where they send the browser, and how they show time, the
//! same way everywhere.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// The `:id` of the current route as a UUID (`None` when it is not one: the page's 404).
pub fn route_id() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("id").and_then(|s| s.parse::<Uuid>().ok())
}

/// "28 Nov 2026, 14:05 UTC"
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// "28 November 2026": a day, as billing pages and emails name period ends and renewals.
pub fn day(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// Loads `url` as a new page, not through the client-side router: another site (Stripe's
/// Checkout or portal) or a server route the router does not know. Does nothing on the server.
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}
