//! The listing form (new and edit): each field checked in the browser with the same parser the
//! server uses, each message beside its field; categories from the database; "Write with AI"
//! streams a description from the description tool into the text area.

use leptos::prelude::*;

use crate::error::AppError;
use crate::features::catalogue::model::{
    CategoryTree, Condition, Currency, FieldError, MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, ProductDraft, ProductForm,
};
use crate::features::tools::{DescriptionEvent, DescriptionInput, stream_description};
use crate::ui::described_by;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT};

/// The form's fields as signals, so "Write with AI" can fill the description.
#[derive(Clone, Copy)]
pub struct FormState {
    title: RwSignal<String>,
    description: RwSignal<String>,
    price: RwSignal<String>,
    currency: RwSignal<String>,
    stock: RwSignal<String>,
    category: RwSignal<String>,
    condition: RwSignal<String>,
    errors: RwSignal<Vec<FieldError>>,
}

impl FormState {
    pub fn new(form: ProductForm) -> Self {
        Self {
            title: RwSignal::new(form.title),
            description: RwSignal::new(form.description),
            price: RwSignal::new(form.price),
            currency: RwSignal::new(if form.currency.is_empty() { "USD".into() } else { form.currency }),
            stock: RwSignal::new(if form.stock.is_empty() { "1".into() } else { form.stock }),
            category: RwSignal::new(form.category),
            condition: RwSignal::new(if form.condition.is_empty() { "new".into() } else { form.condition }),
            errors: RwSignal::new(Vec::new()),
        }
    }

    fn form(&self) -> ProductForm {
        ProductForm {
            title: self.title.get_untracked(),
            description: self.description.get_untracked(),
            price: self.price.get_untracked(),
            currency: self.currency.get_untracked(),
            stock: self.stock.get_untracked(),
            category: self.category.get_untracked(),
            condition: self.condition.get_untracked(),
        }
    }

    /// The form if every field is right; otherwise the messages are shown and `None`.
    pub fn checked(&self) -> Option<ProductForm> {
        let form = self.form();
        match ProductDraft::parse(&form) {
            Ok(_) => {
                self.errors.set(Vec::new());
                Some(form)
            }
            Err(errors) => {
                self.errors.set(errors);
                None
            }
        }
    }

    fn error(&self, field: &'static str) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || errors.read().iter().find(|e| e.field == field).map(|e| e.message.clone()))
    }
}

/// An input bound to `value`, with its label, hint and error.
#[component]
fn Input(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] hint: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] inputmode: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let id = format!("listing-{name}");
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = described_by(!hint.is_empty(), hint_id.clone(), error_id.clone(), error);
    view! {
        <div class="mt-4">
            <label for=id.clone() class="block font-medium">{label}</label>
            {(!hint.is_empty()).then(|| view! { <p id=hint_id.clone() class="text-sm text-slate-700 dark:text-slate-300">{hint}</p> })}
            <input id=id name=name type=kind class=INPUT bind:value=value maxlength=maxlength
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described/>
            <p id=error_id class="mt-1 text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}

#[component]
fn Choice(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let id = format!("listing-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="mt-4">
            <label for=id.clone() class="block font-medium">{label}</label>
            <select id=id name=name class=INPUT bind:value=value
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=error_id.clone()>
                {children()}
            </select>
            <p id=error_id class="mt-1 text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}

/// The category select: top-level categories as groups, each with its children.
fn category_options(tree: CategoryTree, selected: RwSignal<String>) -> impl IntoView {
    let chosen = selected.get_untracked();
    view! {
        <option value="">"Choose a category"</option>
        {tree.0.into_iter().map(|top| {
            let all = format!("All of {}", top.name);
            view! {
                <optgroup label=top.name.clone()>
                    <option value=top.slug.clone() selected=chosen == top.slug>{all}</option>
                    {top.children.into_iter().map(|c| {
                        let selected = chosen == c.slug;
                        view! { <option value=c.slug selected=selected>{c.name}</option> }
                    }).collect_view()}
                </optgroup>
            }
        }).collect_view()}
    }
}

/// The fields of a listing. `submit` is the form's button text; `on_submit` gets a checked form.
#[component]
pub fn ListingFields(
    state: FormState,
    categories: CategoryTree,
    submit: &'static str,
    pending: Signal<bool>,
    on_submit: Callback<ProductForm>,
) -> impl IntoView {
    let writing = RwSignal::new(false);
    let ai_message = RwSignal::new(None::<String>);
    let ai_task = StoredValue::new(None::<futures::future::AbortHandle>);
    let tree = StoredValue::new(categories.clone());
    let write_with_ai = move |_| {
        let title = state.title.get_untracked();
        let facts = state.description.get_untracked();
        if title.trim().is_empty() || facts.trim().is_empty() {
            ai_message.set(Some(
                "Enter a title and a few key facts in the description (what it is, what it is made of), then press Write with AI.".into(),
            ));
            return;
        }
        let chosen = state.category.get_untracked();
        let category = tree.with_value(|t| t.find(&chosen).map(|(c, _)| c.name.clone())).unwrap_or_default();
        let input = DescriptionInput {
            product_name: title.chars().take(crate::features::tools::model::NAME_MAX).collect(),
            category,
            facts: facts.chars().take(crate::features::tools::model::FACTS_MAX).collect(),
            audience: String::new(),
            tone: "friendly".into(),
            length: "medium".into(),
        };
        writing.set(true);
        ai_message.set(Some("Writing a description…".into()));
        let (task, handle) = futures::future::abortable(async move {
            let mut paragraphs: Vec<String> = Vec::new();
            let mut bullets: Vec<String> = Vec::new();
            let outcome = stream_description(input, |event| match event {
                DescriptionEvent::Paragraph { index, text } => {
                    if paragraphs.len() <= index {
                        paragraphs.resize(index + 1, String::new());
                    }
                    paragraphs[index] = text;
                    state.description.set(compose(&paragraphs, &bullets));
                }
                DescriptionEvent::Bullet { index, text } => {
                    if bullets.len() <= index {
                        bullets.resize(index + 1, String::new());
                    }
                    bullets[index] = text;
                    state.description.set(compose(&paragraphs, &bullets));
                }
                DescriptionEvent::Error { message } => ai_message.set(Some(message)),
                DescriptionEvent::Done { .. } => {
                    ai_message.set(Some("Description written. Edit it as you like before saving.".into()))
                }
                _ => {}
            })
            .await;
            if let Err(e) = outcome {
                ai_message.set(Some(e.to_string()));
            }
            writing.set(false);
        });
        ai_task.set_value(Some(handle));
        leptos::task::spawn_local(async move {
            let _ = task.await;
        });
    };
    let stop = move |_| {
        if let Some(handle) = ai_task.get_value() {
            handle.abort();
        }
        writing.set(false);
        ai_message.set(Some("Stopped. The text so far is kept.".into()));
    };
    let description_count =
        move || format!("{} of {MAX_DESCRIPTION_CHARS} characters", state.description.read().chars().count());
    view! {
        <form novalidate class="max-w-2xl" on:submit=move |ev| {
            ev.prevent_default();
            if let Some(form) = state.checked() {
                on_submit.run(form);
            }
        }>
            <Input label="Title" name="title" value=state.title error=state.error("title")
                hint="What it is, in a few words (up to 140 characters)." maxlength=MAX_TITLE_CHARS + 20/>
            <div class="mt-4">
                <label for="listing-description" class="block font-medium">"Description"</label>
                <p id="listing-description-hint" class="text-sm text-slate-700 dark:text-slate-300">
                    "Plain text. Write a few key facts and press Write with AI for a full description."
                </p>
                <textarea id="listing-description" name="description" rows="8" class=format!("{INPUT} py-2")
                    bind:value=state.description
                    aria-invalid=move || state.error("description").get().is_some().then_some("true")
                    aria-describedby="listing-description-hint listing-description-count listing-description-error"></textarea>
                <p id="listing-description-count" class="mt-1 text-sm text-slate-700 dark:text-slate-300">{description_count}</p>
                <p id="listing-description-error" class="mt-1 text-red-700 empty:hidden dark:text-red-300">
                    {move || state.error("description").get()}
                </p>
                <div class="mt-2 flex flex-wrap items-center gap-3">
                    <Show when=move || !writing.get() fallback=move || view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=stop>"Stop writing"</button>
                    }>
                        <button type="button" class=BUTTON_SECONDARY on:click=write_with_ai>"Write with AI"</button>
                    </Show>
                    <p role="status" class="empty:hidden">{move || ai_message.get()}</p>
                </div>
            </div>
            <div class="grid gap-x-4 sm:grid-cols-2">
                <Input label="Price" name="price" value=state.price error=state.error("price") inputmode="decimal"
                    hint="For example 24.50 (up to 1,000,000.00)."/>
                <Choice label="Currency" name="currency" value=state.currency error=state.error("currency")>
                    {Currency::ALL.iter().map(|c| view! { <option value=c.code()>{c.code()}</option> }).collect_view()}
                </Choice>
                <Input label="In stock" name="stock" value=state.stock error=state.error("stock") inputmode="numeric"
                    hint="How many you can sell (0 shows the listing as sold out)."/>
                <Choice label="Condition" name="condition" value=state.condition error=state.error("condition")>
                    {Condition::ALL.iter().map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                </Choice>
            </div>
            <Choice label="Category" name="category" value=state.category error=state.error("category")>
                {category_options(categories.clone(), state.category)}
            </Choice>
            <p role="alert" class="mt-4 font-semibold text-red-700 empty:hidden dark:text-red-300">
                {move || (!state.errors.read().is_empty()).then_some("Some fields need a look: see the messages above.")}
            </p>
            <button type="submit" class=format!("{BUTTON} mt-6") disabled=move || pending.get()>{submit}</button>
        </form>
    }
}

/// The streamed description as one text: paragraphs, then the bullets.
fn compose(paragraphs: &[String], bullets: &[String]) -> String {
    let mut parts: Vec<String> = paragraphs.iter().filter(|p| !p.is_empty()).cloned().collect();
    let list: Vec<String> = bullets.iter().filter(|b| !b.is_empty()).map(|b| format!("• {b}")).collect();
    if !list.is_empty() {
        parts.push(list.join("\n"));
    }
    parts.join("\n\n")
}

/// A server refusal of the form, as the page shows it.
pub fn server_error(result: Option<Result<impl Clone, AppError>>) -> Option<String> {
    match result {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    }
}
