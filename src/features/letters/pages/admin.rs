//! `/admin/letters`: the review queue. Counts per status at the top, filters by status and
//! age, a letter opened beside its facts, and the reviewer's actions: comment, edit, approve,
//! return, send by email or mark posted, reset stuck letters.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use super::common::{AreaField, CARD, INPUT, StatusBadge, Timeline, when};
use crate::error::AppError;
use crate::features::letters::api::{
    approve_letter, comment_letter, get_letter, letter_queue, reset_stuck_letters, return_letter, review_edit_letter,
    send_letter,
};
use crate::features::letters::document::paragraphs;
use crate::features::letters::model::{
    AgeFilter, BODY_MAX, COMMENT_MAX, LETTERS_PAGE_SIZE, LetterStatus, LetterView, ReviewQueue,
};
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, TEXT_LINK};
use crate::ui::{loaded, page_count, page_param, pager};

fn href(status: &str, age: AgeFilter, open: Option<Uuid>) -> String {
    paged_href(status, age, 1, open)
}

fn paged_href(status: &str, age: AgeFilter, page: u32, open: Option<Uuid>) -> String {
    let mut parts = Vec::new();
    if !status.is_empty() {
        parts.push(format!("status={status}"));
    }
    if age != AgeFilter::Any {
        parts.push(format!("age={}", age.as_str()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if let Some(id) = open {
        parts.push(format!("open={id}"));
    }
    if parts.is_empty() { "/admin/letters".into() } else { format!("/admin/letters?{}", parts.join("&")) }
}

/// What the last reviewer action reported. Owned by the page (not by the reloaded parts), so
/// it stays readable after the queue and the open letter reload.
type Notice = RwSignal<Option<Result<String, AppError>>>;

#[component]
pub fn AdminLettersPage() -> impl IntoView {
    let query = use_query_map();
    let status = Memo::new(move |_| query.read().get("status").unwrap_or_default());
    let age = Memo::new(move |_| AgeFilter::parse(&query.read().get("age").unwrap_or_default()));
    let open = Memo::new(move |_| query.read().get("open").and_then(|s| s.parse::<Uuid>().ok()));
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let version = RwSignal::new(0u32);
    let reload = Callback::new(move |()| version.update(|v| *v += 1));
    let notice: Notice = RwSignal::new(None);
    // Opening another letter or changing the filter starts with a clean slate.
    Effect::new(move |_| {
        status.track();
        age.track();
        open.track();
        notice.set(None);
    });
    let queue = Resource::new(
        move || (status.get(), age.get(), page.get(), version.get()),
        |(status, age, page, _)| letter_queue(status, age.as_str().to_string(), Some(page)),
    );
    view! {
        <Title text="Letters to review"/>
        <h1 class="text-3xl font-bold">"Letters to review"</h1>
        // Shown beside where the reviewer acted: over the queue, or in the open letter.
        {move || open.get().is_none().then(|| view! { <NoticeLine notice/> })}
        {loaded(queue, 8, "Loading the review queue…", move |q: ReviewQueue| view! { <Queue q status age open reload notice/> })}
        {move || open.get().map(|id| view! { <OpenLetter id reload version notice/> })}
    }
}

#[component]
fn NoticeLine(notice: Notice) -> impl IntoView {
    view! {
        <p role="status" aria-live="polite" class="mt-2 min-h-6 font-medium text-emerald-800 dark:text-emerald-300">{move || notice.get().and_then(Result::ok)}</p>
        <p role="alert" class="text-red-700 empty:hidden dark:text-red-300">{move || notice.get().and_then(Result::err).map(|e| e.to_string())}</p>
    }
}

#[component]
fn Queue(
    q: ReviewQueue,
    status: Memo<String>,
    age: Memo<AgeFilter>,
    open: Memo<Option<Uuid>>,
    reload: Callback<()>,
    notice: Notice,
) -> impl IntoView {
    let reset_all = move |_| {
        spawn_local(async move {
            match reset_stuck_letters(None).await {
                Ok(n) => notice.set(Some(Ok(format!(
                    "{n} stuck {} reset to draft.",
                    if n == 1 { "letter was" } else { "letters were" }
                )))),
                Err(e) => notice.set(Some(Err(e))),
            }
            reload.run(());
        });
    };
    let stuck = q.stuck;
    let current = status.get_untracked();
    let (page, pages, total) = (q.page, page_count(q.total, LETTERS_PAGE_SIZE), q.total);
    let here_age = age.get_untracked();
    let pages_nav = {
        let current = current.clone();
        pager(page, pages, move |n| paged_href(&current, here_age, n, None))
    };
    view! {
        <section aria-labelledby="counts-title" class="mt-4">
            <h2 id="counts-title" class="sr-only">"Letters by status"</h2>
            <ul class="flex flex-wrap gap-2" aria-label="Letters by status">
                {q.counts.into_iter().map(|(s, n)| {
                    let link = href(s.as_str(), age.get_untracked(), None);
                    let here = current == s.as_str();
                    view! {
                        <li>
                            <A href=link attr:class="inline-flex min-h-11 items-center gap-2 rounded-md border border-slate-300 px-3 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800" attr:aria-current=here.then_some("page")>
                                <StatusBadge status=s/>
                                <span class="font-semibold">{n}</span>
                            </A>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        {(stuck > 0).then(|| view! {
            <div class="mt-2 flex flex-wrap items-center gap-3 rounded-md border border-amber-700 bg-amber-50 p-3 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
                <p>{format!("{stuck} {} generating for over 10 minutes.", if stuck == 1 { "letter has been" } else { "letters have been" })}</p>
                <button type="button" class=BUTTON_SECONDARY on:click=reset_all>"Reset stuck letters"</button>
            </div>
        })}
        <nav aria-label="Filter the queue" class="mt-4 flex flex-wrap gap-4">
            <div>
                <p class="font-medium" id="filter-status">"Status"</p>
                <ul class="flex flex-wrap gap-x-3" aria-labelledby="filter-status">
                    <li><A href=href("", age.get_untracked(), None) attr:class=TEXT_LINK attr:aria-current=current.is_empty().then_some("page")>"Waiting (not drafts)"</A></li>
                    {[LetterStatus::InReview, LetterStatus::Approved, LetterStatus::Generating, LetterStatus::Returned, LetterStatus::Sent].into_iter().map(|s| {
                        let here = current == s.as_str();
                        view! { <li><A href=href(s.as_str(), age.get_untracked(), None) attr:class=TEXT_LINK attr:aria-current=here.then_some("page")>{s.label()}</A></li> }
                    }).collect_view()}
                </ul>
            </div>
            <div>
                <p class="font-medium" id="filter-age">"Age"</p>
                <ul class="flex flex-wrap gap-x-3" aria-labelledby="filter-age">
                    {AgeFilter::ALL.into_iter().map(|a| {
                        let here = age.get_untracked() == a;
                        view! { <li><A href=href(&current, a, None) attr:class=TEXT_LINK attr:aria-current=here.then_some("page")>{a.label()}</A></li> }
                    }).collect_view()}
                </ul>
            </div>
        </nav>
        {if q.letters.is_empty() {
            view! {
                <section class=format!("mt-6 {CARD} text-center")>
                    <h2 class="text-xl font-semibold">"Nothing here"</h2>
                    <p class="mt-1">"No letters match this filter. Try another status or age."</p>
                </section>
            }.into_any()
        } else {
            view! {
                <p class="mt-6 text-sm text-slate-700 dark:text-slate-300">
                    {if total == 1 { "1 letter matches, oldest change first".to_string() } else { format!("{total} letters match, oldest change first") }}
                </p>
                <ul class="mt-2 space-y-2" aria-label="Letters">
                    {q.letters.into_iter().map(|l| {
                        let link = paged_href(&current, age.get_untracked(), page, Some(l.id));
                        let is_open = open.get_untracked() == Some(l.id);
                        view! {
                            <li class=CARD>
                                <div class="flex flex-wrap items-center justify-between gap-2">
                                    <A href=link attr:class=format!("{TEXT_LINK} break-words font-semibold") attr:aria-current=is_open.then_some("true")>{l.title.clone()}</A>
                                    <StatusBadge status=l.status/>
                                </div>
                                <p class="text-sm text-slate-700 dark:text-slate-300">
                                    {format!("By {} · waiting since ", l.owner_name)}<time datetime=l.updated_at.to_rfc3339()>{when(l.updated_at)}</time>
                                </p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {pages_nav}
            }.into_any()
        }}
    }
}

#[component]
fn OpenLetter(id: Uuid, reload: Callback<()>, version: RwSignal<u32>, notice: Notice) -> impl IntoView {
    let letter = Resource::new(move || (id, version.get()), |(id, _)| get_letter(id));
    view! {
        <div class="mt-8">
            {loaded(letter, 10, "Loading the letter…", move |view: LetterView| view! { <Review view reload notice/> })}
        </div>
    }
}

/// Runs a reviewer action and reports its outcome.
fn act(
    notice: Notice,
    reload: Callback<()>,
    done: &'static str,
    action: impl std::future::Future<Output = Result<(), AppError>> + 'static,
) {
    notice.set(None);
    spawn_local(async move {
        match action.await {
            Ok(()) => {
                notice.set(Some(Ok(done.to_string())));
                reload.run(());
            }
            Err(e) => notice.set(Some(Err(e))),
        }
    });
}

#[component]
fn Review(view: LetterView, reload: Callback<()>, notice: Notice) -> impl IntoView {
    let l = view.letter.clone();
    let id = l.id;
    let status = l.status;
    let f = l.form.clone();
    let comment = RwSignal::new(String::new());
    let body = RwSignal::new(l.body.clone());
    let posted_on = RwSignal::new(String::new());
    let can_email = f.recipient.email.clone();
    let text = move || comment.get_untracked();
    view! {
        <section aria-labelledby="review-title" class="mt-10 border-t border-slate-300 pt-6 dark:border-slate-700">
            <div class="flex flex-wrap items-center gap-3">
                <h2 id="review-title" class="break-words text-2xl font-bold">{l.title.clone()}</h2>
                <StatusBadge status/>
            </div>
            <p class="text-sm">{format!("Written by {} ({})", view.owner_name, view.owner_email)}</p>
            <NoticeLine notice/>
            <div class="mt-4 grid gap-6 lg:grid-cols-2">
                <section aria-labelledby="facts-title" class=CARD>
                    <h3 id="facts-title" class="text-xl font-semibold">"The member's facts"</h3>
                    <dl class="mt-2 space-y-2">
                        <div><dt class="font-medium">"Type"</dt><dd>{f.letter_type.label()}</dd></div>
                        <div><dt class="font-medium">"From"</dt><dd class="whitespace-pre-wrap">{format!("{}\n{}", f.sender.name, f.sender.address())}</dd></div>
                        <div><dt class="font-medium">"To"</dt><dd class="whitespace-pre-wrap">{format!("{}\n{}\n{}", f.recipient.name, f.recipient.address(), f.recipient.email.clone().unwrap_or_default())}</dd></div>
                        <div><dt class="font-medium">"What happened"</dt><dd class="whitespace-pre-wrap">{f.facts.clone()}</dd></div>
                        {(!f.relevant_dates.is_empty()).then(|| view! { <div><dt class="font-medium">"Dates"</dt><dd class="whitespace-pre-wrap">{f.relevant_dates.clone()}</dd></div> })}
                        {f.amount.map(|a| view! { <div><dt class="font-medium">"Amount"</dt><dd>{a.formatted()}</dd></div> })}
                        <div><dt class="font-medium">"Wants"</dt><dd class="whitespace-pre-wrap">{f.desired_outcome.clone()}</dd></div>
                        {f.deadline.map(|d| view! { <div><dt class="font-medium">"Deadline"</dt><dd>{crate::features::letters::document::long_date(d)}</dd></div> })}
                    </dl>
                </section>
                <section aria-labelledby="text-title" class=CARD>
                    <h3 id="text-title" class="text-xl font-semibold">"The letter"</h3>
                    {if status.reviewer_can_edit_body() {
                        view! {
                            <AreaField label="Letter text" id="review-body" value=body.into() on_change=Callback::new(move |v| body.set(v)) rows=16 maxlength=BODY_MAX/>
                            <button type="button" class=format!("mt-2 {BUTTON_SECONDARY}") on:click=move |_| {
                                act(notice, reload, "Your edit was saved.", async move { review_edit_letter(id, body.get_untracked()).await.map(|_| ()) })
                            }>"Save edit"</button>
                        }.into_any()
                    } else {
                        view! { <div class="mt-2 space-y-3 font-serif">{paragraphs(&l.body).into_iter().map(|p| view! { <p class="whitespace-pre-wrap">{p}</p> }).collect_view()}</div> }.into_any()
                    }}
                </section>
            </div>
            <section aria-labelledby="actions-title" class=format!("mt-6 {CARD}")>
                <h3 id="actions-title" class="text-xl font-semibold">"Review"</h3>
                <AreaField label="Comment" id="review-comment" value=comment.into() on_change=Callback::new(move |v| comment.set(v)) rows=3 maxlength=COMMENT_MAX hint="Required to return the letter; the member sees it and gets it by email."/>
                <div class="mt-3 flex flex-wrap gap-2">
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| act(notice, reload, "Comment added.", async move { comment_letter(id, text()).await })>"Add comment"</button>
                    {(status == LetterStatus::InReview).then(|| view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| act(notice, reload, "Returned to the member.", async move { return_letter(id, text()).await.map(|_| ()) })>"Return to member"</button>
                    })}
                    {view.can_approve.then(|| view! {
                        <button type="button" class=BUTTON on:click=move |_| act(notice, reload, "Approved.", async move { approve_letter(id, text()).await.map(|_| ()) })>"Approve"</button>
                    })}
                    {(status == LetterStatus::Generating).then(|| view! {
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| act(notice, reload, "Reset to draft.", async move { reset_stuck_letters(Some(id)).await.map(|_| ()) })>"Reset to draft"</button>
                    })}
                </div>
                {(status == LetterStatus::InReview && !view.can_approve).then(|| view! {
                    <p class="mt-2 text-sm">"You wrote this letter, so another reviewer has to approve it."</p>
                })}
                {(status == LetterStatus::Approved).then(|| view! {
                    <div class="mt-4 grid gap-4 sm:grid-cols-2">
                        <div>
                            <h4 class="font-semibold">"Send by email"</h4>
                            {match can_email.clone() {
                                Some(to) => view! {
                                    <p class="text-sm break-all">{format!("To {to}, with the letter as a PDF.")}</p>
                                    <button type="button" class=format!("mt-2 {BUTTON}") on:click=move |_| act(notice, reload, "Sent by email.", async move { send_letter(id, "email".into(), String::new()).await.map(|_| ()) })>"Send by email"</button>
                                }.into_any(),
                                None => view! { <p class="text-sm">"No recipient email; send it by post."</p> }.into_any(),
                            }}
                        </div>
                        <div>
                            <h4 class="font-semibold">"Sent by post"</h4>
                            <label for="posted-on" class="block font-medium">"Date posted"</label>
                            <input id="posted-on" type="date" class=INPUT prop:value=move || posted_on.get() on:input=move |e| posted_on.set(event_target_value(&e))/>
                            <button type="button" class=format!("mt-2 {BUTTON_SECONDARY}") on:click=move |_| act(notice, reload, "Marked as sent by post.", async move { send_letter(id, "post".into(), posted_on.get_untracked()).await.map(|_| ()) })>"Mark sent by post"</button>
                        </div>
                    </div>
                })}
            </section>
            <Timeline events=view.events.clone()/>
        </section>
    }
}
