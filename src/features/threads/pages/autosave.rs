//! A member's thread saves itself about a second after the last change. One save at a time
//! (each carries the version the previous one returned); posts over X's limit are not sent,
//! and the status says why.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use uuid::Uuid;

use crate::features::threads::api::save_thread;
use crate::features::threads::editor_ops::Posts;
use crate::features::threads::model::ValidPosts;
use crate::features::threads::packer::Numbering;

const DEBOUNCE: Duration = Duration::from_millis(1000);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    NotSaved(String),
}

impl SaveState {
    pub fn text(&self) -> String {
        match self {
            Self::Saved => "Saved".into(),
            Self::Saving => "Saving…".into(),
            Self::NotSaved(reason) => format!("Not saved: {reason}"),
        }
    }
}

#[derive(Clone, Copy)]
struct Saver {
    id: Uuid,
    posts: RwSignal<Posts>,
    numbering: Numbering,
    state: RwSignal<SaveState>,
    version: StoredValue<i32>,
    /// What the server has: a change back to it needs no save.
    saved: StoredValue<Vec<String>>,
    /// Bumped by every change; a timer only saves if no change came after it.
    ticket: StoredValue<u64>,
    in_flight: StoredValue<bool>,
    again: StoredValue<bool>,
}

impl Saver {
    fn schedule(self) {
        self.state.set(SaveState::Saving);
        let ticket = self.ticket.get_value() + 1;
        self.ticket.set_value(ticket);
        set_timeout(
            move || {
                if self.ticket.try_get_value() == Some(ticket) {
                    self.save();
                }
            },
            DEBOUNCE,
        );
    }

    fn save(self) {
        let Some(texts) = self.posts.try_with_untracked(|p| p.texts()) else { return };
        // `try_` throughout: this also runs while the page is being left.
        let (Some(in_flight), Some(saved), Some(version)) =
            (self.in_flight.try_get_value(), self.saved.try_get_value(), self.version.try_get_value())
        else {
            return;
        };
        if in_flight {
            self.again.try_set_value(true);
            return;
        }
        if texts == saved {
            self.state.try_set(SaveState::Saved);
            return;
        }
        // The server applies the same rule; asking it would only get the same answer.
        if let Err(reason) = ValidPosts::parse(texts.clone(), self.numbering) {
            self.state.try_set(SaveState::NotSaved(reason));
            return;
        }
        self.in_flight.try_set_value(true);
        spawn_local(async move {
            let result = save_thread(self.id, texts.clone(), self.numbering.as_str().into(), version).await;
            self.in_flight.try_set_value(false);
            match result {
                Ok(doc) => {
                    self.version.try_set_value(doc.version);
                    self.saved.try_set_value(texts.clone());
                    if self.again.try_get_value() == Some(true) {
                        self.again.try_set_value(false);
                        self.save();
                    } else if self.posts.try_with_untracked(|p| p.texts() == texts) == Some(true) {
                        self.state.try_set(SaveState::Saved);
                    }
                }
                Err(e) => {
                    self.again.try_set_value(false);
                    self.state.try_set(SaveState::NotSaved(e.to_string()));
                }
            }
        });
    }
}

/// Starts saving `posts` whenever they change; answers the status to show.
pub fn autosave(id: Uuid, posts: RwSignal<Posts>, numbering: Numbering, version: i32) -> RwSignal<SaveState> {
    let saver = Saver {
        id,
        posts,
        numbering,
        state: RwSignal::new(SaveState::Saved),
        version: StoredValue::new(version),
        saved: StoredValue::new(posts.with_untracked(|p| p.texts())),
        ticket: StoredValue::new(0),
        in_flight: StoredValue::new(false),
        again: StoredValue::new(false),
    };
    Effect::new(move |first: Option<()>| {
        posts.track();
        if first.is_some() {
            saver.schedule();
        }
    });
    // Leaving the page within the second after a change still saves it.
    on_cleanup(move || {
        if saver.state.try_get_untracked() == Some(SaveState::Saving) && saver.in_flight.try_get_value() == Some(false)
        {
            saver.ticket.try_update_value(|t| *t += 1);
            saver.save();
        }
    });
    saver.state
}

/// The status beside the editor's heading.
#[component]
pub fn SaveStatus(state: RwSignal<SaveState>) -> impl IntoView {
    view! {
        <p role="status" class=move || match state.get() {
            SaveState::NotSaved(_) => "font-semibold text-red-700 dark:text-red-300",
            _ => "text-slate-700 dark:text-slate-300",
        }>{move || state.get().text()}</p>
    }
}
