//! `/history`: everything the member saved, newest first, with a kind filter (`?kind=`),
//! search (`?q=`), pages (`?page=`), and delete undone within 10 seconds; threads can also be
//! renamed and duplicated in place.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use uuid::Uuid;

use super::row::HistoryRow;
use crate::error::AppError;
use crate::features::history::api::{list_history, restore_saved};
use crate::features::history::model::{HistoryKind, HistoryPage, QUERY_MAX_CHARS};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT, TEXT_LINK};
use crate::ui::{ErrorPage, Skeleton, page_param, pager};

const SEARCH_DEBOUNCE: Duration = Duration::from_millis(300);
const UNDO_FOR: Duration = Duration::from_secs(10);

/// `/history?kind=…&q=…&page=…` (the query percent-encoded; all kinds and the first page
/// implied).
pub fn history_href(kind: Option<HistoryKind>, query: &str, page: u32) -> String {
    let mut href = String::from("/history");
    let mut sep = '?';
    if let Some(kind) = kind {
        href.push_str(&format!("?kind={}", kind.slug()));
        sep = '&';
    }
    if !query.is_empty() {
        href.push(sep);
        href.push_str("q=");
        for byte in query.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => href.push(byte as char),
                _ => href.push_str(&format!("%{byte:02X}")),
            }
        }
        sep = '&';
    }
    if page > 1 {
        href.push_str(&format!("{sep}page={page}"));
    }
    href
}

/// A deleted item that "Undo" can still bring back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    pub kind: HistoryKind,
    pub id: Uuid,
    pub title: String,
    ticket: u64,
}

/// What the rows share: refetching the list, and offering the undo of a deletion.
#[derive(Clone, Copy)]
pub struct HistoryCtx {
    version: RwSignal<u32>,
    deleted: RwSignal<Option<Deleted>>,
}

impl HistoryCtx {
    pub fn reload(&self) {
        self.version.update(|v| *v += 1);
    }

    pub fn deleted(&self, kind: HistoryKind, id: Uuid, title: String) {
        let ticket = self.deleted.with_untracked(|d| d.as_ref().map_or(0, |d| d.ticket + 1));
        self.deleted.set(Some(Deleted { kind, id, title, ticket }));
        let deleted = self.deleted;
        set_timeout(
            move || {
                if deleted.try_with_untracked(|d| d.as_ref().map(|d| d.ticket)) == Some(Some(ticket)) {
                    deleted.try_set(None);
                }
            },
            UNDO_FOR,
        );
        self.reload();
    }
}

#[component]
pub fn HistoryListPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let kind = Memo::new(move |_| query.read().get("kind").and_then(|k| k.parse::<HistoryKind>().ok()));
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let ctx = HistoryCtx { version: RwSignal::new(0), deleted: RwSignal::new(None) };
    let list = Resource::new(
        move || (kind.get(), q.get(), page.get(), ctx.version.get()),
        |(kind, q, page, _)| list_history(kind.map_or("all", HistoryKind::slug).to_string(), q, page),
    );

    view! {
        <Title text="Your history"/>
        <div class="flex flex-wrap items-center justify-between gap-3">
            <h1 class="text-3xl font-bold">"Your history"</h1>
            <A href="/threads/new" attr:class=BUTTON>"Write a thread"</A>
        </div>
        <KindFilter kind query=q/>
        <SearchBox kind query=q/>
        <UndoBar ctx/>
        <Transition fallback=|| view! { <Skeleton lines=6 label="Loading your history…"/> }>
            {move || list.get().map(|result| match result {
                Ok(found) => view! { <Results found kind=kind.get_untracked() query=q.get_untracked() ctx/> }.into_any(),
                Err(AppError::Unauthenticated) => view! { <SignInPrompt/> }.into_any(),
                Err(error) => view! { <ErrorPage error/> }.into_any(),
            })}
        </Transition>
    }
}

/// All kinds or one: links (they work before hydration), the current one marked.
#[component]
fn KindFilter(kind: Memo<Option<HistoryKind>>, query: Memo<String>) -> impl IntoView {
    let choices = std::iter::once(None).chain(HistoryKind::ALL.into_iter().map(Some)).collect::<Vec<_>>();
    view! {
        <nav aria-label="Kinds" class="mt-4">
            <ul class="flex flex-wrap gap-2">
                {choices.into_iter().map(|choice| {
                    let label = choice.map_or("Everything", HistoryKind::plural);
                    let current = move || kind.get() == choice;
                    view! {
                        <li>
                            <A
                                href=move || history_href(choice, &query.get(), 1)
                                attr:aria-current=move || current().then_some("page")
                                attr:class=move || if current() {
                                    "inline-flex min-h-11 items-center rounded-full bg-indigo-700 px-4 font-semibold text-white"
                                } else {
                                    "inline-flex min-h-11 items-center rounded-full border border-slate-400 px-4 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                                }
                            >{label}</A>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// Searching as the member types (debounced); the query lives in the address.
#[component]
fn SearchBox(kind: Memo<Option<HistoryKind>>, query: Memo<String>) -> impl IntoView {
    let navigate = use_navigate();
    let input = NodeRef::<leptos::html::Input>::new();
    // A link ("Show everything", back and forward) changes the query: the box follows
    // (the trailing space the member is typing is kept).
    Effect::new(move |_| {
        let q = query.get();
        if let Some(el) = input.get_untracked()
            && el.value().trim() != q
        {
            el.set_value(&q);
        }
    });
    let ticket = StoredValue::new(0u64);
    let search = move |value: String| {
        let t = ticket.get_value() + 1;
        ticket.set_value(t);
        let navigate = navigate.clone();
        set_timeout(
            move || {
                if ticket.try_get_value() == Some(t) {
                    let href = history_href(kind.get_untracked(), value.trim(), 1);
                    navigate(&href, NavigateOptions { replace: true, ..Default::default() });
                }
            },
            SEARCH_DEBOUNCE,
        );
    };
    view! {
        // Without JavaScript the form still searches (a GET to this page).
        <form role="search" action="/history" method="get" class="mt-4 max-w-xl" on:submit=|e| e.prevent_default()>
            {move || kind.get().map(|k| view! { <input type="hidden" name="kind" value=k.slug()/> })}
            <label for="history-search" class="block font-medium">"Search your history"</label>
            <input id="history-search" node_ref=input name="q" type="search" maxlength=QUERY_MAX_CHARS value=query.get_untracked() class=INPUT on:input=move |e| search(event_target_value(&e))/>
        </form>
    }
}

#[component]
fn Results(found: HistoryPage, kind: Option<HistoryKind>, query: String, ctx: HistoryCtx) -> impl IntoView {
    let pages = found.pages();
    let page = found.page;
    if found.items.is_empty() && query.is_empty() && page == 1 {
        let (message, href, action) = match kind {
            None | Some(HistoryKind::Thread) => {
                ("Nothing saved yet — write your first thread.", "/threads/new", "Write your first thread")
            }
            Some(HistoryKind::Letter) => ("No letters yet.", "/letters/new", "Write a letter"),
            Some(HistoryKind::Description) => {
                ("No product descriptions yet.", "/tools/description", "Write a product description")
            }
            Some(HistoryKind::Transcript) => ("No transcripts yet.", "/tools/transcribe", "Transcribe audio"),
        };
        return view! {
            <div class="mt-8 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                <p class="text-lg">{message}</p>
                <A href=href attr:class=format!("mt-4 {BUTTON}")>{action}</A>
            </div>
        }
        .into_any();
    }
    if found.items.is_empty() {
        let message = if query.is_empty() {
            "There is nothing on this page.".to_string()
        } else {
            format!("Nothing matches “{query}”.")
        };
        return view! {
            <div class="mt-8 rounded-lg border border-dashed border-slate-400 p-8 text-center">
                <p class="text-lg">{message}</p>
                <A href="/history" attr:class=TEXT_LINK>"Show everything"</A>
            </div>
        }
        .into_any();
    }
    let total = found.total;
    view! {
        <p class="mt-4 text-sm text-slate-700 dark:text-slate-300">
            {if total == 1 { "1 item".to_string() } else { format!("{total} items") }}
            {(!query.is_empty()).then(|| format!(" matching “{query}”"))}
        </p>
        <ul class="mt-2 divide-y divide-slate-200 dark:divide-slate-800">
            {found.items.into_iter().map(|item| view! { <HistoryRow item ctx/> }).collect_view()}
        </ul>
        {pager(page, pages, move |n| history_href(kind, &query, n))}
    }
    .into_any()
}

#[component]
fn UndoBar(ctx: HistoryCtx) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let undo = move |_| {
        let Some(deleted) = ctx.deleted.get_untracked() else { return };
        spawn_local(async move {
            match restore_saved(deleted.kind.slug().to_string(), deleted.id).await {
                Ok(()) => {
                    ctx.deleted.set(None);
                    error.set(None);
                    ctx.reload();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div role="status" class="mt-4 empty:hidden">
            {move || ctx.deleted.get().map(|d| view! {
                <div class="flex flex-wrap items-center gap-3 rounded-md border border-slate-400 bg-slate-50 p-3 dark:bg-slate-900">
                    <p>{format!("“{}” was deleted.", d.title)}</p>
                    <button type="button" class=BUTTON_SECONDARY on:click=undo>"Undo"</button>
                </div>
            })}
        </div>
        <p role="alert" class="mt-2 text-red-700 empty:hidden dark:text-red-300">{move || error.get()}</p>
    }
}

#[component]
fn SignInPrompt() -> impl IntoView {
    view! {
        <div class="mt-8 rounded-lg border border-slate-300 p-8 text-center dark:border-slate-700">
            <p class="text-lg">"Sign in to see what you saved: threads, letters, descriptions and transcripts."</p>
            <div class="mt-4 flex flex-wrap justify-center gap-3">
                <A href="/sign-in" attr:class=BUTTON>"Sign in"</A>
                <A href="/sign-up" attr:class=BUTTON_SECONDARY>"Create a free account"</A>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::history_href;
    use crate::features::history::model::HistoryKind;

    #[test]
    fn hrefs_carry_the_kind_query_and_page() {
        assert_eq!(history_href(None, "", 1), "/history");
        assert_eq!(history_href(None, "", 3), "/history?page=3");
        assert_eq!(history_href(None, "rust & co", 2), "/history?q=rust%20%26%20co&page=2");
        assert_eq!(history_href(None, "é", 1), "/history?q=%C3%A9");
        assert_eq!(history_href(Some(HistoryKind::Letter), "", 1), "/history?kind=letter");
        assert_eq!(history_href(Some(HistoryKind::Letter), "x", 2), "/history?kind=letter&q=x&page=2");
    }
}
