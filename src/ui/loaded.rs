use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

use super::{ErrorPage, Skeleton};
use crate::error::AppError;

/// The usual page body: a skeleton while `resource` loads the first time, then `render` with
/// its value, or the error page (which also sets the HTTP status during SSR). A reload (after
/// an action) keeps the shown page until the new data is there, so nothing flickers back to
/// a skeleton and a message shown above the reloaded part stays readable.
pub fn loaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    lines: usize,
    label: &'static str,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    loaded_or(resource, move || view! { <Skeleton lines label/> }, render)
}

/// `loaded` with a loading state of the page's own shape (a grid of cards, say).
pub fn loaded_or<T, V, F>(
    resource: Resource<Result<T, AppError>>,
    fallback: impl Fn() -> F + Send + Sync + 'static,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
    F: IntoView + 'static,
{
    view! {
        <Transition fallback>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
