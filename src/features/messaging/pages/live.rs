//! One live connection per page for a signed-in member: an `EventSource` on
//! `/messages/events`, opened after hydration, shared through [`Live`] by the header badge,
//! `/messages` and the conversation page. The browser reconnects by itself and sends the last
//! event id it saw, so the server resumes exactly after it; meanwhile pages say
//! "Reconnecting…".

use leptos::prelude::*;

use crate::error::AppError;
use crate::features::messaging::api::get_live_start;
use crate::features::messaging::model::{LiveEvent, LiveStart};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Signed out, or not started yet.
    Off,
    Open,
    /// The connection dropped; the browser is trying again.
    Reconnecting,
}

/// The page's live events and the state of its connection.
#[derive(Clone, Copy)]
pub struct Live {
    /// Every event received since the page loaded, in order (consumers keep their place).
    pub events: RwSignal<Vec<LiveEvent>>,
    pub link: RwSignal<Link>,
    /// The oldest event id a page's data was read at: the stream starts after it.
    from: StoredValue<Option<i64>>,
    /// The member's unread count and where their stream starts (`None` for visitors), read
    /// again after each stored event.
    pub start: Resource<Result<Option<LiveStart>, AppError>>,
}

impl Live {
    /// How many stored events (not typing) arrived: what changes unread counts and lists.
    pub fn stored_count(&self) -> usize {
        Self::count_stored(self.events)
    }

    fn count_stored(events: RwSignal<Vec<LiveEvent>>) -> usize {
        events.with(|e| e.iter().filter(|e| e.id().is_some()).count())
    }

    /// A page read its data up to event `id`: the stream must not start later than that.
    pub fn resume_from(&self, id: i64) {
        self.from.update_value(|from| *from = Some(from.map_or(id, |f| f.min(id))));
    }
}

pub fn use_live() -> Option<Live> {
    use_context::<Live>()
}

/// Events after `seen` (a consumer's place), and its new place.
pub fn new_events(live: Live, seen: &mut usize) -> Vec<LiveEvent> {
    live.events.with(|all| {
        let fresh = all.get(*seen..).map(<[LiveEvent]>::to_vec).unwrap_or_default();
        *seen = all.len();
        fresh
    })
}

/// Provides [`Live`] to the page and opens the connection once the member is known.
#[component]
pub fn LiveMessages(children: Children) -> impl IntoView {
    let events = RwSignal::new(Vec::<LiveEvent>::new());
    let start = Resource::new(move || Live::count_stored(events), |_| get_live_start());
    let live = Live { events, link: RwSignal::new(Link::Off), from: StoredValue::new(None), start };
    provide_context(live);
    // The connection belongs to this component, not to the effect below: the effect runs
    // again whenever the count is read again, and its cleanups would close the connection.
    let owner = Owner::current();
    Effect::new(move |opened: Option<bool>| {
        if opened == Some(true) {
            return true;
        }
        match start.get() {
            Some(Ok(Some(s))) => {
                live.resume_from(s.last_event);
                match &owner {
                    Some(owner) => owner.with(|| open(live)),
                    None => open(live),
                }
                true
            }
            _ => false,
        }
    });
    children()
}

#[cfg(feature = "hydrate")]
fn open(live: Live) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let current = StoredValue::new_local(None::<web_sys::EventSource>);
    let last_id = StoredValue::new(live.from.get_value().unwrap_or(0));
    let connect = move || {
        let after = last_id.get_value();
        let Ok(source) = web_sys::EventSource::new(&format!("/messages/events?after={after}")) else {
            live.link.set(Link::Reconnecting);
            return;
        };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(event) = e.data().as_string().and_then(|text| serde_json::from_str::<LiveEvent>(&text).ok()) {
                if let Some(id) = event.id() {
                    last_id.update_value(|last| *last = (*last).max(id));
                }
                live.events.update(|all| all.push(event));
            }
        });
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| live.link.set(Link::Open));
        let watched = source.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            // CONNECTING: the browser retries by itself. CLOSED: it gave up (signed out: 401).
            live.link.set(if watched.ready_state() == web_sys::EventSource::CLOSED {
                Link::Off
            } else {
                Link::Reconnecting
            });
        });
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers live as long as their connection.
        on_message.forget();
        on_open.forget();
        on_error.forget();
        current.set_value(Some(source));
    };
    let close = move || {
        if let Some(source) = current.try_update_value(Option::take).flatten() {
            source.close();
        }
    };
    connect();
    // A phone that loses its signal: drop the connection at once, and open a new one after
    // the last event seen when the signal is back.
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        close();
        live.link.set(Link::Reconnecting);
    });
    let online = window_event_listener(leptos::ev::online, move |_| {
        close();
        connect();
    });
    on_cleanup(move || {
        offline.remove();
        online.remove();
        close();
    });
}

#[cfg(not(feature = "hydrate"))]
fn open(_live: Live) {}

/// "Reconnecting…" while the connection is down.
#[component]
pub fn LinkStatus() -> impl IntoView {
    let live = use_live();
    view! {
        <Show when=move || live.is_some_and(|l| l.link.get() == Link::Reconnecting)>
            <p role="status" class="rounded-md border border-amber-600 bg-amber-50 p-3 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
                "Reconnecting… new messages will appear when the connection is back."
            </p>
        </Show>
    }
}
