//! A finished transcript: the text with copy, `.txt` and `.srt` downloads, and its timed
//! segments when the provider gave them.

use leptos::prelude::*;

use super::copy_button::CopyButton;
use crate::features::threads::browser;
use crate::features::tools::model::Transcript;
use crate::features::tools::srt;
use crate::ui::form::BUTTON_SECONDARY;

/// `talk.mp3` → `talk`.
fn stem(title: &str) -> String {
    let stem = title.rsplit_once('.').map_or(title, |(s, _)| s);
    if stem.trim().is_empty() { "transcript".into() } else { stem.to_string() }
}

#[component]
pub fn TranscriptView(transcript: Transcript) -> impl IntoView {
    let said = RwSignal::new(None::<String>);
    let text = transcript.text.clone();
    let srt = srt::to_srt(&transcript);
    let name = stem(&transcript.title);
    let download_txt = {
        let (name, text) = (name.clone(), text.clone());
        move |_| {
            if let Err(e) = browser::download(&format!("{name}.txt"), "text/plain;charset=utf-8", &text) {
                said.set(Some(e));
            }
        }
    };
    let srt_ready = srt.is_some();
    let download_srt = {
        let name = name.clone();
        let srt = srt.clone().unwrap_or_default();
        move |_| {
            if let Err(e) = browser::download(&format!("{name}.srt"), "application/x-subrip;charset=utf-8", &srt) {
                said.set(Some(e));
            }
        }
    };
    let segments = transcript.segments.clone();
    view! {
        <section aria-labelledby="transcript-title" class="mt-8 max-w-2xl">
            <h2 id="transcript-title" class="text-2xl font-semibold">"Transcript of " {transcript.title.clone()}</h2>
            {transcript.id.is_some().then(|| view! { <p class="text-sm text-slate-700 dark:text-slate-300">"Saved to your history."</p> })}
            <div class="mt-3 whitespace-pre-wrap rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                {if text.trim().is_empty() { "No speech was recognised in this recording.".to_string() } else { text.clone() }}
            </div>
            <div class="mt-3 flex flex-wrap items-center gap-3">
                <CopyButton label="Copy transcript" text=Signal::derive(move || text.clone())/>
                <button type="button" class=BUTTON_SECONDARY on:click=download_txt>"Download .txt"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=download_srt disabled=!srt_ready aria-describedby="srt-note">
                    "Download .srt"
                </button>
            </div>
            <p id="srt-note" class="mt-1 text-sm text-slate-700 empty:hidden dark:text-slate-300">
                {(!srt_ready).then_some("Subtitles need timestamps, and the transcription service sent none for this recording.")}
            </p>
            <p role="status" class="text-sm empty:hidden">{move || said.get()}</p>
            {(!segments.is_empty()).then(|| view! {
                <details class="mt-4">
                    <summary class="min-h-11 cursor-pointer py-2 font-medium">{format!("Timed segments ({})", segments.len())}</summary>
                    <ol class="mt-2 space-y-1">
                        {segments.into_iter().map(|s| view! {
                            <li><span class="font-mono text-sm">{srt::timestamp(s.start_ms)}</span> " " {s.text}</li>
                        }).collect_view()}
                    </ol>
                </details>
            })}
        </section>
    }
}
