//! Short notices ("Saved", "Could not reach Threadr") in one polite live region.

use leptos::prelude::*;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// Handle to the page's toasts; copy it into event handlers.
#[derive(Clone, Copy)]
pub struct Toaster {
    items: RwSignal<Vec<Toast>>,
    next_id: RwSignal<u64>,
}

const VISIBLE_FOR: Duration = Duration::from_secs(6);

impl Toaster {
    fn new() -> Self {
        Self { items: RwSignal::new(Vec::new()), next_id: RwSignal::new(0) }
    }

    pub fn show(&self, kind: ToastKind, message: impl Into<String>) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        self.items.update(|items| items.push(Toast { id, kind, message: message.into() }));
        let this = *self;
        set_timeout(move || this.dismiss(id), VISIBLE_FOR);
    }

    pub fn success(&self, message: impl Into<String>) {
        self.show(ToastKind::Success, message);
    }

    pub fn error(&self, message: impl Into<String>) {
        self.show(ToastKind::Error, message);
    }

    pub fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

pub fn provide_toasts() {
    provide_context(Toaster::new());
}

/// The page's toaster (a detached one if `provide_toasts` was never called, so a
/// component used in isolation still renders).
pub fn use_toaster() -> Toaster {
    use_context::<Toaster>().unwrap_or_else(Toaster::new)
}

#[component]
pub fn Toasts() -> impl IntoView {
    let toaster = use_toaster();
    view! {
        <div
            aria-live="polite"
            aria-label="Notifications"
            role="region"
            class="pointer-events-none fixed inset-x-4 bottom-4 z-50 flex flex-col items-center gap-2 sm:left-auto sm:right-4 sm:items-end"
        >
            <For each=move || toaster.items.get() key=|t| t.id let:toast>
                <div class=move || {
                    let tone = match toast.kind {
                        ToastKind::Success => "border-emerald-700 bg-emerald-50 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-50",
                        ToastKind::Error => "border-red-700 bg-red-50 text-red-950 dark:bg-red-950 dark:text-red-50",
                        ToastKind::Info => "border-slate-600 bg-white text-slate-900 dark:bg-slate-900 dark:text-slate-50",
                    };
                    format!("pointer-events-auto flex w-full max-w-sm items-center justify-between gap-3 rounded-md border-l-4 px-4 py-2 shadow-lg {tone}")
                }>
                    <p class="text-sm">{toast.message.clone()}</p>
                    <button
                        type="button"
                        class="inline-flex min-h-11 min-w-11 items-center justify-center rounded text-lg focus-visible:outline-2 focus-visible:outline-indigo-600"
                        aria-label="Dismiss notification"
                        on:click=move |_| toaster.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
