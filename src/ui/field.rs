use leptos::prelude::*;

/// The element id of a form field named `name`. Names like `address[city]` (nested server
/// function arguments) make poor ids, so brackets become hyphens.
pub fn field_id(name: &str) -> String {
    format!("field-{}", name.replace(['[', ']'], "-"))
}

/// The `aria-describedby` of a field: its hint when it has one, its error while there is one.
pub fn described_by(
    has_hint: bool,
    hint_id: String,
    error_id: String,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if error.get().is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A labelled input with an optional hint and the error that belongs to it (announced, and
/// tied to the input with aria-describedby / aria-invalid).
#[component]
pub fn Field(
    /// The visible label, also the accessible name.
    label: &'static str,
    /// The form field's name (the server function argument).
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// The element id, when one page has two fields of the same name.
    #[prop(optional)]
    id: &'static str,
) -> impl IntoView {
    let id = if id.is_empty() { field_id(name) } else { id.to_string() };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = described_by(!hint.is_empty(), hint_id.clone(), error_id.clone(), error);
    view! {
        <div class="mt-4">
            <label for=id.clone() class="block font-medium">{label}</label>
            {(!hint.is_empty()).then(|| view! { <p id=hint_id.clone() class="text-sm text-slate-700 dark:text-slate-300">{hint}</p> })}
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                maxlength=maxlength
                aria-describedby=described_by
                aria-invalid=move || error.get().is_some().to_string()
                class="mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 aria-[invalid=true]:border-red-700 dark:border-slate-600 dark:bg-slate-900"
            />
            <p id=error_id role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
        </div>
    }
}
