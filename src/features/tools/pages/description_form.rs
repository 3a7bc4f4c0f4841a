//! The description form: product name, category, key facts, audience, tone and length. The
//! fields live in the page ([`Fields`]) so "Regenerate with a different tone" reuses them.

use leptos::{ev, prelude::*};

use super::description_stream::Request;
use crate::features::tools::model::{AUDIENCE_MAX, CATEGORY_MAX, FACTS_MAX, Length, NAME_MAX, Tone};
use crate::ui::form::BUTTON;

const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900";
const HINT: &str = "text-sm text-slate-700 dark:text-slate-300";

#[derive(Clone, Copy)]
pub struct Fields {
    pub name: RwSignal<String>,
    pub category: RwSignal<String>,
    pub facts: RwSignal<String>,
    pub audience: RwSignal<String>,
    pub tone: RwSignal<Tone>,
    pub length: RwSignal<Length>,
}

impl Fields {
    pub fn new() -> Self {
        Self {
            name: RwSignal::new(String::new()),
            category: RwSignal::new(String::new()),
            facts: RwSignal::new(String::new()),
            audience: RwSignal::new(String::new()),
            tone: RwSignal::new(Tone::default()),
            length: RwSignal::new(Length::default()),
        }
    }

    pub fn request(&self) -> Request {
        Request {
            product_name: self.name.get_untracked(),
            category: self.category.get_untracked(),
            facts: self.facts.get_untracked(),
            audience: self.audience.get_untracked(),
            tone: self.tone.get_untracked().as_str().to_string(),
            length: self.length.get_untracked().as_str().to_string(),
        }
    }
}

fn text_input(
    id: &'static str,
    label: &'static str,
    hint: String,
    max: usize,
    value: RwSignal<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div>
            <label for=id class="block font-medium">{label}</label>
            <p id=hint_id.clone() class=HINT>{hint}</p>
            <input
                id=id
                type="text"
                maxlength=max
                aria-describedby=hint_id
                class=INPUT
                prop:value=move || value.get()
                on:input=move |e| value.set(event_target_value(&e))
            />
        </div>
    }
}

#[component]
pub fn DescriptionForm(fields: Fields, generating: Signal<bool>, on_generate: Callback<Request>) -> impl IntoView {
    let facts_chars = Memo::new(move |_| fields.facts.with(|s| s.chars().count()));
    let too_long = move || facts_chars.get() > FACTS_MAX;
    let submit = move |e: ev::SubmitEvent| {
        e.prevent_default();
        if !generating.get_untracked() {
            on_generate.run(fields.request());
        }
    };
    view! {
        <form on:submit=submit novalidate aria-labelledby="description-form-title" class="space-y-4">
            <h2 id="description-form-title" class="sr-only">"Your product"</h2>
            {text_input("product-name", "Product name", format!("Required, up to {NAME_MAX} characters."), NAME_MAX, fields.name)}
            {text_input("product-category", "Category", format!("Optional, e.g. “Kitchen” (up to {CATEGORY_MAX} characters)."), CATEGORY_MAX, fields.category)}
            <div>
                <label for="product-facts" class="block font-medium">"Key facts"</label>
                <p id="product-facts-hint" class=HINT>
                    "What it is, what it is made of, sizes, what makes it special — one per line. Only these facts are used."
                </p>
                <textarea
                    id="product-facts"
                    rows="6"
                    aria-describedby="product-facts-hint product-facts-count"
                    class=format!("{INPUT} py-2")
                    prop:value=move || fields.facts.get()
                    on:input=move |e| fields.facts.set(event_target_value(&e))
                ></textarea>
                <p id="product-facts-count" class=move || if too_long() { "mt-1 text-sm font-semibold text-red-700 dark:text-red-300" } else { "mt-1 text-sm text-slate-700 dark:text-slate-300" }>
                    {move || format!("{} of {FACTS_MAX} characters", facts_chars.get())}
                </p>
            </div>
            {text_input("product-audience", "Audience", format!("Optional, e.g. “home baristas” (up to {AUDIENCE_MAX} characters)."), AUDIENCE_MAX, fields.audience)}
            <div class="grid gap-4 sm:grid-cols-2">
                <div>
                    <label for="product-tone" class="block font-medium">"Tone"</label>
                    <select id="product-tone" class=INPUT
                        on:change=move |e| if let Some(t) = Tone::parse(&event_target_value(&e)) { fields.tone.set(t) }>
                        {Tone::ALL.into_iter().map(|t| view! { <option value=t.as_str() selected=move || fields.tone.get() == t>{t.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="product-length" class="block font-medium">"Length"</label>
                    <select id="product-length" class=INPUT
                        on:change=move |e| if let Some(l) = Length::parse(&event_target_value(&e)) { fields.length.set(l) }>
                        {Length::ALL.into_iter().map(|l| view! { <option value=l.as_str() selected=move || fields.length.get() == l>{l.label()}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <button type="submit" class=BUTTON disabled=move || generating.get()>"Write description"</button>
        </form>
    }
}
