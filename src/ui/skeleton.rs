use leptos::prelude::*;

/// Grey pulsing lines shown while something loads. Announced once to screen readers.
#[component]
pub fn Skeleton(
    /// How many lines to draw.
    #[prop(default = 3)]
    lines: usize,
    /// What is loading, for screen readers.
    #[prop(into, default = "Loading…".to_string())]
    label: String,
) -> impl IntoView {
    // Fixed widths from a short cycle: looks like text and needs no inline styles (CSP).
    const WIDTHS: [&str; 4] = ["w-11/12", "w-9/12", "w-10/12", "w-7/12"];
    view! {
        <div role="status" aria-busy="true" class="space-y-3 motion-safe:animate-pulse">
            <span class="sr-only">{label}</span>
            {(0..lines)
                .map(|i| {
                    view! {
                        <div
                            aria-hidden="true"
                            class=format!("h-4 rounded bg-slate-200 dark:bg-slate-700 {}", WIDTHS[i % WIDTHS.len()])
                        ></div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A status line with a spinner, for waiting on something outside the page (Stripe's webhook).
#[component]
pub fn Busy(text: &'static str) -> impl IntoView {
    view! {
        <p role="status" class="mt-4 flex items-center gap-3">
            <span aria-hidden="true" class="inline-block h-4 w-4 animate-spin rounded-full border-2 border-indigo-700 border-t-transparent"></span>
            {text}
        </p>
    }
}

/// An error said aloud, with the way back (`href`, `label`).
#[component]
pub fn FailedWithLink(message: String, href: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <p role="alert" class="mt-4 font-semibold text-red-800 dark:text-red-300">{message}</p>
        <p class="mt-4">
            <leptos_router::components::A href=href attr:class=crate::ui::form::TEXT_LINK>{label}</leptos_router::components::A>
        </p>
    }
}
