//! The letter pages.

use leptos::prelude::*;

#[component]
pub fn LettersPage() -> impl IntoView {
    view! { <h1>"Letters"</h1> }
}
#[component]
pub fn NewLetterPage() -> impl IntoView {
    view! { <h1>"New letter"</h1> }
}
#[component]
pub fn LetterPage() -> impl IntoView {
    view! { <h1>"Letter"</h1> }
}
#[component]
pub fn LetterPrintPage() -> impl IntoView {
    view! { <h1>"Print"</h1> }
}
#[component]
pub fn AdminLettersPage() -> impl IntoView {
    view! { <h1>"Review"</h1> }
}
