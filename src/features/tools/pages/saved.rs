//! `/tools/descriptions/:id` and `/tools/transcripts/:id`: a member's saved description or
//! transcript, opened from the history, with the same copy and download buttons as when it
//! was made.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::copy_button::CopyButton;
use super::transcript_view::TranscriptView;
use crate::error::AppError;
use crate::features::tools::api::{get_description, get_transcript};
use crate::features::tools::model::{ProductDescription, SavedDescription, SavedTranscript};
use crate::ui::form::TEXT_LINK;
use crate::ui::{loaded, route_id, when};

const CARD: &str = "rounded-lg border border-slate-300 p-4 dark:border-slate-700";
const PART: &str = "text-sm font-semibold uppercase tracking-wide text-slate-700 dark:text-slate-300";

fn saved_on(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    view! {
        <p class="text-sm text-slate-700 dark:text-slate-300">
            "Saved " <time datetime=at.to_rfc3339()>{when(at)}</time>
        </p>
    }
}

#[component]
fn Back(another: &'static str, another_href: &'static str) -> impl IntoView {
    view! {
        <nav aria-label="Saved item" class="mb-4 flex flex-wrap gap-x-4">
            <A href="/history" attr:class=TEXT_LINK>"Back to your history"</A>
            <A href=another_href attr:class=TEXT_LINK>{another}</A>
        </nav>
    }
}

#[component]
pub fn SavedDescriptionPage() -> impl IntoView {
    let id = route_id();
    let saved = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_description(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Saved description"/>
        <Back another="Write another description" another_href="/tools/description"/>
        {loaded(saved, 8, "Loading your description…", |saved: SavedDescription| view! { <DescriptionView saved/> })}
    }
}

#[component]
fn DescriptionView(saved: SavedDescription) -> impl IntoView {
    let d = saved.description.clone();
    let asked = saved.request.clone().map(|r| {
        let summary = [
            Some(r.product_name.clone()),
            r.category.clone(),
            Some(r.tone.label().to_string()),
            Some(r.length.label().to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        view! {
            <section aria-labelledby="asked-title" class=CARD>
                <h2 id="asked-title" class=PART>"What you asked for"</h2>
                <p class="mt-1 break-words">{summary}</p>
                <p class="mt-2 whitespace-pre-wrap break-words">{r.facts}</p>
            </section>
        }
    });
    let title = Signal::stored(d.title.clone());
    let description = Signal::stored(d.description());
    let bullets = Signal::stored(d.bullet_lines());
    let all = Signal::stored(format!("{}\n\n{}", d.title, d.body()));
    let ProductDescription { paragraphs, bullets: points, .. } = d.clone();
    view! {
        <Title text=d.title.clone()/>
        <h1 class="break-words text-3xl font-bold">{d.title.clone()}</h1>
        {saved_on(saved.created_at)}
        <div class="mt-6 max-w-2xl space-y-6">
            {asked}
            <section aria-labelledby="saved-title-part" class=CARD>
                <h2 id="saved-title-part" class=PART>"Title suggestion"</h2>
                <p class="mt-1 break-words text-xl font-semibold">{d.title.clone()}</p>
                <div class="mt-3"><CopyButton label="Copy title" text=title/></div>
            </section>
            <section aria-labelledby="saved-description-part" class=CARD>
                <h2 id="saved-description-part" class=PART>"Description"</h2>
                {if paragraphs.is_empty() {
                    view! { <p class="mt-2">"This description has no paragraphs."</p> }.into_any()
                } else {
                    paragraphs.into_iter().map(|p| view! { <p class="mt-2 break-words">{p}</p> }).collect_view().into_any()
                }}
                <div class="mt-3"><CopyButton label="Copy description" text=description/></div>
            </section>
            <section aria-labelledby="saved-bullets-part" class=CARD>
                <h2 id="saved-bullets-part" class=PART>"Bullet points"</h2>
                {if points.is_empty() {
                    view! { <p class="mt-2">"This description has no bullet points."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-2 list-disc space-y-1 pl-6">
                            {points.into_iter().map(|b| view! { <li class="break-words">{b}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <div class="mt-3"><CopyButton label="Copy bullet points" text=bullets/></div>
            </section>
            <CopyButton label="Copy all" text=all/>
        </div>
    }
}

#[component]
pub fn SavedTranscriptPage() -> impl IntoView {
    let id = route_id();
    let saved = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_transcript(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Title text="Saved transcript"/>
        <Back another="Transcribe another recording" another_href="/tools/transcribe"/>
        {loaded(saved, 8, "Loading your transcript…", |saved: SavedTranscript| view! {
            <Title text=saved.transcript.title.clone()/>
            <h1 class="break-words text-3xl font-bold">"Saved transcript"</h1>
            {saved_on(saved.created_at)}
            <TranscriptView transcript=saved.transcript/>
        })}
    }
}
