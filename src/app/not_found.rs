use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Shown for every path no route matches; answered with HTTP 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::set_page_status(404);

    view! {
        <Title text="Page not found"/>
        <section aria-labelledby="not-found-title" class="mx-auto max-w-xl py-12 text-center">
            <p class="text-sm font-semibold uppercase tracking-wide text-indigo-700 dark:text-indigo-300">"404"</p>
            <h1 id="not-found-title" class="mt-2 text-3xl font-bold">"Page not found"</h1>
            <p class="mt-4 text-slate-700 dark:text-slate-300">
                "The page you asked for does not exist or has moved."
            </p>
            <A href="/" attr:class="mt-8 inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-5 font-semibold text-white hover:bg-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700">
                "Back to the home page"
            </A>
        </section>
    }
}
