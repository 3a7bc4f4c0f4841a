//! Room for what one request works out once and reads many times: a page's server functions
//! all run inside the request that renders it (each asking who is signed in, say), and they
//! see the request's extensions through the context leptos_axum gives them.

use std::sync::{Arc, Mutex, PoisonError};

use http::request::Parts;

/// A type map that lives as long as its request. Cheap to clone (the clones share it).
#[derive(Clone, Default)]
pub struct Scratch(Arc<Mutex<http::Extensions>>);

impl Scratch {
    /// The request's scratch, when the middleware gave it one.
    pub fn of(parts: &Parts) -> Option<Scratch> {
        parts.extensions.get::<Scratch>().cloned()
    }

    /// The value of type `T` kept for this request, made by `make` if there is none yet.
    pub fn get_or_insert_with<T: Clone + Send + Sync + 'static>(&self, make: impl FnOnce() -> T) -> T {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = map.get::<T>() {
            return value.clone();
        }
        let value = make();
        map.insert(value.clone());
        value
    }

    /// Forgets the value of type `T` (what it was worked out from has changed).
    pub fn remove<T: Clone + Send + Sync + 'static>(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).remove::<T>();
    }
}

/// Gives each request its own scratch.
pub async fn attach(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    req.extensions_mut().insert(Scratch::default());
    next.run(req).await
}
