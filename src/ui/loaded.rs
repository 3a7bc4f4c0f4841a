use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};

use super::{ErrorPage, Skeleton};
use crate::error::AppError;

/// The usual page body: a skeleton while `resource` loads, then `render` with its value, or
/// the error page (which also sets the HTTP status during SSR).
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
    view! {
        <Suspense fallback=move || view! { <Skeleton lines label/> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Like [`loaded`], but a reload keeps the shown page until the new data is there (the
/// skeleton only on the first load), so a message shown after an action stays readable.
pub fn reloaded<T, V>(
    resource: Resource<Result<T, AppError>>,
    lines: usize,
    label: &'static str,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=move || view! { <Skeleton lines label/> }>
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
