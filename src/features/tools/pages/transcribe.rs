//! `/tools/transcribe`: paid members upload audio (with an upload progress bar) and get the
//! transcript; free members see the upgrade offer, visitors a sign-in link, and without a
//! configured provider the page says so plainly. No upload form is shown unless it can work.

use leptos::{html, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::components::A;

use super::transcript_view::TranscriptView;
use super::upload::{self, Failure};
use crate::features::tools::api::get_transcription_access;
use crate::features::tools::model::{Transcript, TranscriptionAccess};
use crate::ui::form::{BUTTON, TEXT_LINK};
use crate::ui::loaded;

const PANEL: &str = "mt-6 max-w-2xl rounded-lg border border-slate-300 p-4 dark:border-slate-700";

#[component]
pub fn TranscribePage() -> impl IntoView {
    let access = Resource::new(|| (), |_| get_transcription_access());
    view! {
        <Title text="Transcribe audio"/>
        <h1 class="text-3xl font-bold">"Transcribe audio"</h1>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Upload a recording (mp3, m4a, wav, webm or ogg, up to 25 MB) and get its text, with subtitles when the recording is timed."
        </p>
        {loaded(access, 3, "Checking your plan…", |access| match access {
            TranscriptionAccess::SignedOut => view! {
                <section aria-labelledby="transcribe-offer" class=PANEL>
                    <h2 id="transcribe-offer" class="text-xl font-semibold">"Sign in to transcribe"</h2>
                    <p class="mt-2">"Transcription is part of the paid plans."</p>
                    <div class="mt-2 flex flex-wrap gap-4">
                        <A href="/sign-in" attr:class=TEXT_LINK>"Sign in"</A>
                        <A href="/pricing" attr:class=TEXT_LINK>"See the plans"</A>
                    </div>
                </section>
            }.into_any(),
            TranscriptionAccess::NeedsUpgrade => view! {
                <section aria-labelledby="transcribe-offer" class=PANEL>
                    <h2 id="transcribe-offer" class="text-xl font-semibold">"Upgrade to transcribe audio"</h2>
                    <p class="mt-2">"Transcription is part of the paid plans: a 30-day pass, Starter, Pro or Business. Your plan is Free."</p>
                    <ul class="mt-2 list-disc pl-6">
                        <li>"Recordings up to 25 MB in mp3, m4a, wav, webm or ogg"</li>
                        <li>"Copy the text or download it as .txt and .srt subtitles"</li>
                        <li>"Every transcript kept in your history"</li>
                    </ul>
                    <A href="/pricing" attr:class=TEXT_LINK>"See plans and upgrade"</A>
                </section>
            }.into_any(),
            TranscriptionAccess::NotConfigured => view! {
                <section aria-labelledby="transcribe-off" class=PANEL>
                    <h2 id="transcribe-off" class="text-xl font-semibold">"Transcription is not configured"</h2>
                    <p class="mt-2">"This server has no transcription service set up, so nothing can be uploaded and nothing is charged. Ask the operator to set TRANSCRIBE_API_KEY (or OPENAI_API_KEY)."</p>
                </section>
            }.into_any(),
            TranscriptionAccess::Ready { max_bytes } => view! { <Uploader max_bytes/> }.into_any(),
        })}
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Idle,
    Uploading(f64),
    Transcribing,
}

#[component]
fn Uploader(max_bytes: u64) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let phase = RwSignal::new(Phase::Idle);
    let failure = RwSignal::new(None::<Failure>);
    let transcript = RwSignal::new(None::<Transcript>);
    let busy = move || phase.get() != Phase::Idle;
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let Some(element) = input.get_untracked() else { return };
        failure.set(None);
        // Checked here too so a wrong file is not uploaded for nothing; the server decides.
        match upload::chosen(&element) {
            None => {
                return failure.set(Some(Failure { message: "Choose an audio file first.".into(), upgrade: false }));
            }
            Some((_, size)) if size <= 0.0 => {
                return failure.set(Some(Failure {
                    message: "The file is empty. Choose an audio recording.".into(),
                    upgrade: false,
                }));
            }
            Some((_, size)) if size > max_bytes as f64 => {
                return failure.set(Some(Failure {
                    message: "The file is larger than 25 MB. Shorten or compress the recording and try again.".into(),
                    upgrade: false,
                }));
            }
            Some(_) => {}
        }
        transcript.set(None);
        phase.set(Phase::Uploading(0.0));
        spawn_local(async move {
            let on_progress = move |sent: f64| {
                phase.set(if sent >= 1.0 { Phase::Transcribing } else { Phase::Uploading(sent) });
            };
            let result = upload::upload(&element, on_progress).await;
            phase.set(Phase::Idle);
            match result {
                Ok(t) => transcript.set(Some(t)),
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    let percent = move || match phase.get() {
        Phase::Uploading(f) => (f * 100.0).floor().clamp(0.0, 100.0) as u32,
        Phase::Transcribing => 100,
        Phase::Idle => 0,
    };
    view! {
        <form on:submit=submit novalidate aria-labelledby="upload-title" class=PANEL>
            <h2 id="upload-title" class="text-xl font-semibold">"Your recording"</h2>
            <label for="audio-file" class="mt-3 block font-medium">"Audio file"</label>
            <p id="audio-file-hint" class="text-sm text-slate-700 dark:text-slate-300">"mp3, m4a, wav, webm or ogg, up to 25 MB. The type is checked from the file's content."</p>
            <input
                id="audio-file"
                node_ref=input
                type="file"
                accept="audio/*,.mp3,.m4a,.wav,.webm,.ogg"
                aria-describedby="audio-file-hint"
                class="mt-2 block min-h-11 w-full text-sm file:mr-3 file:min-h-11 file:rounded-md file:border file:border-slate-400 file:bg-white file:px-4 file:font-semibold dark:file:bg-slate-900"
                disabled=busy
            />
            <button type="submit" class=format!("{BUTTON} mt-4") disabled=busy>"Transcribe"</button>
            <Show when=busy>
                <div class="mt-4">
                    <label for="upload-progress" class="block font-medium">
                        {move || match phase.get() {
                            Phase::Transcribing => "Uploaded. Transcribing…".to_string(),
                            _ => format!("Uploading… {}%", percent()),
                        }}
                    </label>
                    <progress id="upload-progress" class="mt-1 h-3 w-full" max="100" value=move || percent().to_string()></progress>
                </div>
            </Show>
            {move || failure.get().map(|f| view! {
                <div role="alert" class="mt-4 rounded-md border border-red-700 bg-red-50 p-4 text-red-950 dark:bg-red-950 dark:text-red-50">
                    <p>{f.message}</p>
                    {f.upgrade.then(|| view! { <A href="/pricing" attr:class=TEXT_LINK>"See plans and upgrade"</A> })}
                </div>
            })}
        </form>
        {move || transcript.get().map(|t| view! { <TranscriptView transcript=t/> })}
    }
}
