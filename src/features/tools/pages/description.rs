//! `/tools/description`: the form, then the title, description and bullet points streaming in
//! part by part, each with a copy button, and "Regenerate with a different tone". Members'
//! descriptions are saved by the server (they appear in the history).

use futures::future::{AbortHandle, abortable};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::components::A;

use super::copy_button::CopyButton;
use super::description_form::{DescriptionForm, Fields};
use super::description_stream::{self, Request};
use crate::error::AppError;
use crate::features::tools::model::{DescriptionEvent, ProductDescription, Tone};
use crate::ui::form::{BUTTON, TEXT_LINK};

const INPUT: &str = "mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900";

#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    message: String,
    upgrade: bool,
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        match error {
            AppError::QuotaExceeded { message, upgrade, .. } => Self { message, upgrade },
            other => Self { message: other.to_string(), upgrade: false },
        }
    }
}

#[component]
pub fn DescriptionPage() -> impl IntoView {
    let fields = Fields::new();
    let result = RwSignal::new(ProductDescription::default());
    let generating = RwSignal::new(false);
    let progress = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);
    let other_tone = RwSignal::new(Tone::default().next());
    let abort = StoredValue::new(None::<AbortHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = abort.try_get_value() {
            handle.abort();
        }
    });

    let on_event = move |event: DescriptionEvent| match event {
        DescriptionEvent::Title { text } => {
            result.update(|r| r.title = text);
            progress.set("Writing the description…".into());
        }
        DescriptionEvent::Paragraph { index, text } => result.update(|r| {
            if index < r.paragraphs.len() {
                r.paragraphs[index] = text;
            } else {
                r.paragraphs.push(text);
            }
        }),
        DescriptionEvent::Bullet { text, .. } => {
            result.update(|r| r.bullets.push(text));
            progress.set("Writing the bullet points…".into());
        }
        DescriptionEvent::Done { description_id, .. } => {
            generating.set(false);
            saved.set(description_id.is_some());
            progress.set(if description_id.is_some() {
                "Done. Saved to your history.".into()
            } else {
                "Done. Sign up to keep your descriptions in a history.".into()
            });
        }
        DescriptionEvent::Error { message } => {
            generating.set(false);
            progress.set(String::new());
            failure.set(Some(Failure { message, upgrade: false }));
        }
    };
    let generate = Callback::new(move |request: Request| {
        result.set(ProductDescription::default());
        failure.set(None);
        saved.set(false);
        generating.set(true);
        progress.set("Writing the title…".into());
        if let Some(tone) = Tone::parse(&request.tone) {
            other_tone.set(tone.next());
        }
        let (run, handle) = abortable(description_stream::run(request, on_event));
        abort.set_value(Some(handle));
        spawn_local(async move {
            if let Ok(Err(e)) = run.await {
                generating.set(false);
                progress.set(String::new());
                failure.set(Some(e.into()));
            }
        });
    });
    let regenerate = move |_| {
        fields.tone.set(other_tone.get_untracked());
        generate.run(fields.request());
    };
    let has_result = move || result.with(|r| !r.title.is_empty() || !r.paragraphs.is_empty() || !r.bullets.is_empty());
    let title_text = Signal::derive(move || result.with(|r| r.title.clone()));
    let description_text = Signal::derive(move || result.with(ProductDescription::description));
    let bullets_text = Signal::derive(move || result.with(ProductDescription::bullet_lines));
    let all_text = Signal::derive(move || result.with(|r| format!("{}\n\n{}", r.title, r.body())));

    view! {
        <Title text="Product descriptions"/>
        <h1 class="text-3xl font-bold">"Product descriptions"</h1>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Give the facts about your product. Threadr suggests a title, writes a description and 3 to 5 bullet points from those facts only."
        </p>
        <div class="mt-6 max-w-2xl">
            <DescriptionForm fields generating=generating.into() on_generate=generate/>
        </div>
        <p role="status" aria-live="polite" class="mt-6 min-h-6 font-medium">{move || progress.get()}</p>
        {move || failure.get().map(|f| view! {
            <div role="alert" class="mt-2 max-w-2xl rounded-md border border-red-700 bg-red-50 p-4 text-red-950 dark:bg-red-950 dark:text-red-50">
                <p>{f.message}</p>
                {f.upgrade.then(|| view! { <A href="/pricing" attr:class=TEXT_LINK>"Upgrade"</A> })}
            </div>
        })}
        <Show when=has_result>
            <section aria-labelledby="description-result-title" aria-busy=move || generating.get().to_string() class="mt-6 max-w-2xl space-y-6">
                <h2 id="description-result-title" class="text-2xl font-semibold">"Your description"</h2>
                <div class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                    <h3 class="text-sm font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300">"Title suggestion"</h3>
                    <p class="mt-1 text-xl font-semibold">{move || title_text.get()}</p>
                    <div class="mt-3"><CopyButton label="Copy title" text=title_text/></div>
                </div>
                <div class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                    <h3 class="text-sm font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300">"Description"</h3>
                    <For each=move || result.get().paragraphs.into_iter().enumerate() key=|(i, p)| (*i, p.clone()) children=|(_, p)| view! { <p class="mt-2">{p}</p> }/>
                    <div class="mt-3"><CopyButton label="Copy description" text=description_text/></div>
                </div>
                <div class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                    <h3 class="text-sm font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300">"Bullet points"</h3>
                    <ul class="mt-2 list-disc space-y-1 pl-6">
                        <For each=move || result.get().bullets.into_iter().enumerate() key=|(i, b)| (*i, b.clone()) children=|(_, b)| view! { <li>{b}</li> }/>
                    </ul>
                    <div class="mt-3"><CopyButton label="Copy bullet points" text=bullets_text/></div>
                </div>
                <div class="flex flex-wrap items-end gap-3">
                    <CopyButton label="Copy all" text=all_text/>
                    {move || saved.get().then(|| view! { <A href="/history" attr:class=TEXT_LINK>"Open your history"</A> })}
                </div>
                <Show when=move || !generating.get()>
                    <div class="flex flex-wrap items-end gap-3 border-t border-slate-300 pt-4 dark:border-slate-700">
                        <div>
                            <label for="other-tone" class="block font-medium">"Another tone"</label>
                            <select id="other-tone" class=INPUT on:change=move |e| if let Some(t) = Tone::parse(&event_target_value(&e)) { other_tone.set(t) }>
                                {Tone::ALL.into_iter().map(|t| view! { <option value=t.as_str() selected=move || other_tone.get() == t>{t.label()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="button" class=BUTTON on:click=regenerate>"Regenerate with a different tone"</button>
                    </div>
                </Show>
            </section>
        </Show>
    }
}
