use chrono::{DateTime, SecondsFormat};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use uuid::Uuid;

use super::api::{RetryMail, SendTestEmail, get_mail, list_mail};
use super::model::{EmailStatus, MailDetail, MailSummary, OutboxStats};
use crate::error::AppError;
use crate::ui::{ErrorPage, Skeleton, loaded, toast::use_toaster};

fn status_from_query(raw: Option<String>) -> Option<EmailStatus> {
    EmailStatus::ALL.into_iter().find(|s| raw.as_deref() == Some(s.label()))
}

fn status_badge(status: EmailStatus) -> impl IntoView {
    let tone = match status {
        EmailStatus::Sent => "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-50",
        EmailStatus::Pending | EmailStatus::Sending => "bg-sky-100 text-sky-900 dark:bg-sky-900 dark:text-sky-50",
        EmailStatus::Failed => "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-50",
        EmailStatus::Dead => "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-50",
    };
    view! { <span class=format!("rounded px-2 py-0.5 text-xs font-semibold {tone}")>{status.label()}</span> }
}

/// `/admin/mail`: every message the app decided to send, newest first.
#[component]
pub fn MailboxPage() -> impl IntoView {
    let query = use_query_map();
    let status = move || status_from_query(query.read().get("status"));
    let before =
        move || query.read().get("before").and_then(|raw| DateTime::parse_from_rfc3339(&raw).ok()).map(|t| t.to_utc());
    let send_test = ServerAction::<SendTestEmail>::new();
    let mail = Resource::new(
        move || (status(), before(), send_test.version().get()),
        |(status, before, _)| list_mail(status, before),
    );

    view! {
        <Title text="Dev mailbox"/>
        <h1 class="text-3xl font-bold">"Dev mailbox"</h1>
        <p class="mt-2 max-w-2xl text-slate-700 dark:text-slate-300">
            "Every email the app has queued, with its delivery state. Without a mail provider configured, messages are delivered here instead of to an inbox."
        </p>
        <TestEmailForm action=send_test/>
        <nav aria-label="Filter by status" class="mt-6">
            <ul class="flex flex-wrap gap-2">
                <li><FilterLink label="All" value=None current=Signal::derive(status)/></li>
                {EmailStatus::ALL
                    .into_iter()
                    .map(|s| view! { <li><FilterLink label=s.label() value=Some(s) current=Signal::derive(status)/></li> })
                    .collect_view()}
            </ul>
        </nav>
        <Transition fallback=|| view! { <div class="mt-6"><Skeleton lines=6 label="Loading messages…"/></div> }>
            {move || Suspend::new(async move {
                match mail.await {
                    Ok(list) => {
                        let older = list.next_before.map(|t| {
                            let mut href = format!("/admin/mail?before={}", t.to_rfc3339_opts(SecondsFormat::Micros, true));
                            if let Some(s) = status() {
                                href.push_str(&format!("&status={}", s.label()));
                            }
                            href
                        });
                        view! {
                            <QueueStats stats=list.stats/>
                            <MailList items=list.items/>
                            {older.map(|href| view! {
                                <p class="mt-4"><A href=href attr:class="inline-flex min-h-11 items-center text-indigo-700 underline underline-offset-4 dark:text-indigo-300">"Older messages"</A></p>
                            })}
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Queues a test email; the mailbox list refreshes when it has been queued.
#[component]
fn TestEmailForm(action: ServerAction<SendTestEmail>) -> impl IntoView {
    let toaster = use_toaster();
    let error = move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            toaster.success("Test email queued");
        }
    });
    view! {
        <ActionForm action attr:class="mt-6 max-w-xl" attr:novalidate=true>
            <label for="test-recipient" class="block font-medium">"Recipient"</label>
            <p id="test-recipient-help" class="text-sm text-slate-700 dark:text-slate-300">"Send a test email to check that delivery works."</p>
            <div class="mt-2 flex flex-col gap-2 sm:flex-row">
                <input
                    id="test-recipient"
                    name="to"
                    type="email"
                    autocomplete="email"
                    maxlength="254"
                    required
                    aria-describedby=move || if error().is_some() { "test-recipient-help test-recipient-error" } else { "test-recipient-help" }
                    aria-invalid=move || error().is_some().to_string()
                    class="min-h-11 flex-1 rounded-md border border-slate-400 bg-white px-3 dark:border-slate-600 dark:bg-slate-900"
                />
                <button
                    type="submit"
                    class="inline-flex min-h-11 items-center justify-center rounded-md bg-indigo-700 px-4 font-semibold text-white hover:bg-indigo-800 disabled:opacity-60"
                    disabled=move || action.pending().get()
                >
                    "Send test email"
                </button>
            </div>
            <p id="test-recipient-error" role="alert" class="mt-2 text-sm text-red-700 dark:text-red-300">{error}</p>
        </ActionForm>
    }
}

#[component]
fn FilterLink(label: &'static str, value: Option<EmailStatus>, current: Signal<Option<EmailStatus>>) -> impl IntoView {
    let href = match value {
        Some(s) => format!("/admin/mail?status={}", s.label()),
        None => "/admin/mail".to_string(),
    };
    view! {
        <a
            href=href
            aria-current=move || (current.get() == value).then_some("page")
            class="inline-flex min-h-11 items-center rounded-full border border-slate-300 px-4 text-sm hover:bg-slate-100 aria-[current=page]:border-indigo-700 aria-[current=page]:bg-indigo-700 aria-[current=page]:text-white dark:border-slate-700 dark:hover:bg-slate-800"
        >
            {label}
        </a>
    }
}

#[component]
fn QueueStats(stats: OutboxStats) -> impl IntoView {
    let waiting = stats
        .oldest_waiting_secs
        .map(|s| format!("oldest waiting {:.0} s", s))
        .unwrap_or_else(|| "nothing waiting".to_string());
    view! {
        <p class="mt-4 text-sm text-slate-700 dark:text-slate-300">
            {format!(
                "{} pending · {} sending · {} sent · {} failed · {} dead · {}",
                stats.pending, stats.sending, stats.sent, stats.failed, stats.dead, waiting,
            )}
        </p>
    }
}

#[component]
fn MailList(items: Vec<MailSummary>) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <div class="mt-6 rounded-lg border border-dashed border-slate-300 p-8 text-center dark:border-slate-700">
                <h2 class="text-lg font-semibold">"No email here yet"</h2>
                <p class="mt-2 text-slate-700 dark:text-slate-300">"Messages the app sends (sign-up, receipts, orders) appear here."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <ul class="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
            {items
                .into_iter()
                .map(|m| {
                    view! {
                        <li class="flex flex-col gap-1 p-4 sm:flex-row sm:items-center sm:justify-between">
                            <div class="min-w-0">
                                <A href=format!("/admin/mail/{}", m.id) attr:class="inline-flex min-h-11 items-center font-semibold text-indigo-700 underline-offset-4 hover:underline dark:text-indigo-300">
                                    {m.subject.clone()}
                                </A>
                                <p class="truncate text-sm text-slate-700 dark:text-slate-300">
                                    "To " {m.recipient.clone()} " · " {m.template.clone()} " · "
                                    <time datetime=m.created_at.to_rfc3339()>{m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</time>
                                </p>
                                {m.last_error.clone().map(|e| view! { <p class="text-sm text-red-700 dark:text-red-300">"Last error: " {e}</p> })}
                            </div>
                            <div class="flex items-center gap-3 text-sm">
                                {status_badge(m.status)}
                                <span>{format!("{} attempt{}", m.attempts, if m.attempts == 1 { "" } else { "s" })}</span>
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// `/admin/mail/:id`: one message, its links, text and HTML.
#[component]
pub fn MailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|raw| raw.parse::<Uuid>().ok());
    let mail = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_mail(id).await,
            None => Err(AppError::NotFound),
        }
    });
    loaded(mail, 8, "Loading message…", |detail| view! { <MailView detail/> })
}

#[component]
fn MailView(detail: MailDetail) -> impl IntoView {
    let toaster = use_toaster();
    let retry = ServerAction::<RetryMail>::new();
    Effect::new(move |_| match retry.value().get() {
        Some(Ok(())) => toaster.success("Queued to be sent again"),
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });
    let m = detail.summary.clone();
    let can_retry = matches!(m.status, EmailStatus::Failed | EmailStatus::Dead);
    let id = m.id;
    view! {
        <Title text=m.subject.clone()/>
        <p><A href="/admin/mail" attr:class="inline-flex min-h-11 items-center text-indigo-700 underline underline-offset-4 dark:text-indigo-300">"← All messages"</A></p>
        <h1 class="mt-2 text-2xl font-bold break-words">{m.subject.clone()}</h1>
        <dl class="mt-4 grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
            <dt class="font-medium">"To"</dt><dd class="break-all">{m.recipient.clone()}</dd>
            <dt class="font-medium">"Template"</dt><dd>{m.template.clone()}</dd>
            <dt class="font-medium">"Status"</dt><dd>{status_badge(m.status)}</dd>
            <dt class="font-medium">"Attempts"</dt><dd>{m.attempts}</dd>
            <dt class="font-medium">"Provider"</dt><dd>{m.provider.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt class="font-medium">"Last error"</dt><dd class="break-words">{m.last_error.clone().unwrap_or_else(|| "—".into())}</dd>
        </dl>
        {can_retry.then(|| view! {
            <button
                type="button"
                class="mt-4 inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-4 font-semibold text-white hover:bg-indigo-800 disabled:opacity-60"
                disabled=move || retry.pending().get()
                on:click=move |_| { retry.dispatch(RetryMail { id }); }
            >
                "Send again"
            </button>
        })}
        <section aria-labelledby="links-title" class="mt-8">
            <h2 id="links-title" class="text-xl font-semibold">"Links in this message"</h2>
            {if detail.links.is_empty() {
                view! { <p class="mt-2 text-slate-700 dark:text-slate-300">"This message has no links."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 space-y-1">
                        {detail.links.iter().map(|href| view! {
                            <li><a href=href.clone() class="inline-flex min-h-11 items-center break-all text-indigo-700 underline underline-offset-4 dark:text-indigo-300">{href.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="attachments-title" class="mt-8">
            <h2 id="attachments-title" class="text-xl font-semibold">"Attachments"</h2>
            {if detail.attachments.is_empty() {
                view! { <p class="mt-2 text-slate-700 dark:text-slate-300">"This message has no attachments."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-2 space-y-1">
                        {detail.attachments.iter().map(|a| view! {
                            <li>
                                <a
                                    href=format!("/admin/mail/{id}/attachments/{}", a.position)
                                    download=a.filename.clone()
                                    class="inline-flex min-h-11 items-center break-all text-indigo-700 underline underline-offset-4 dark:text-indigo-300"
                                >
                                    {format!("Download {}", a.filename)}
                                </a>
                                <span class="ml-2 text-sm text-slate-700 dark:text-slate-300">
                                    {format!("{} · {}", a.content_type, file_size(a.size))}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section aria-labelledby="text-title" class="mt-8">
            <h2 id="text-title" class="text-xl font-semibold">"Plain text"</h2>
            <pre class="mt-2 overflow-x-auto whitespace-pre-wrap rounded-lg bg-slate-100 p-4 text-sm dark:bg-slate-900">{detail.text_body.clone()}</pre>
        </section>
        <section aria-labelledby="html-title" class="mt-8">
            <h2 id="html-title" class="text-xl font-semibold">"HTML"</h2>
            <iframe
                title="HTML version of the message"
                src=format!("/admin/mail/{id}/html")
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                class="mt-2 h-[36rem] w-full rounded-lg border border-slate-200 bg-white dark:border-slate-800"
            ></iframe>
        </section>
    }
}

/// "812 bytes", "27.2 KB", "1.4 MB".
fn file_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} bytes"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}
