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
