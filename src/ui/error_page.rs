use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::error::AppError;

const PRIMARY: &str = "inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-5 font-semibold text-white hover:bg-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700";

/// The full-page error view. On the server it also sets the response status
/// (503 when the database is down, 404 for a missing record, …).
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::set_page_status(error.status());

    let title = error.title();
    view! {
        <Title text=title/>
        <section role="alert" aria-labelledby="error-title" class="mx-auto max-w-xl py-12 text-center">
            <p class="text-sm font-semibold uppercase tracking-wide text-red-700 dark:text-red-300">
                "Error " {error.status()}
            </p>
            <h1 id="error-title" class="mt-2 text-3xl font-bold">{title}</h1>
            <p class="mt-4 text-slate-700 dark:text-slate-300">{error.to_string()}</p>
            <div class="mt-8 flex flex-wrap justify-center gap-3">
                {match &error {
                    AppError::Unauthenticated => Some(view! { <A href="/sign-in" attr:class=PRIMARY>"Sign in"</A> }),
                    AppError::StepUpRequired => Some(view! { <A href="/admin" attr:class=PRIMARY>"Enter the admin portal key"</A> }),
                    _ => None,
                }}
                <a href="" class="inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-5 font-semibold text-white hover:bg-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700">
                    "Try again"
                </a>
                <A href="/" attr:class="inline-flex min-h-11 items-center rounded-md border border-slate-300 px-5 font-semibold hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
                    "Home"
                </A>
            </div>
        </section>
    }
}
