//! The audit log page: a GET form of filters (works without JavaScript), the matching events
//! newest first, a pager and the CSV of the same filter.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::admin_audit;
use super::model::{AUDIT_PAGE_SIZE, AuditFilter, AuditPage};
use crate::features::admin::nav::AdminNav;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, INPUT};
use crate::ui::{loaded, page_count, page_param, pager, when};

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        AuditFilter {
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            from: get("from"),
            to: get("to"),
        }
    });
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let log = Resource::new(move || (filter.get(), page.get()), |(f, page)| admin_audit(f, Some(page)));
    view! {
        <Title text="Audit log · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Audit log"</h1>
        <p class="mt-2 max-w-prose">"Every sign-in, security change and admin action. Admin actions name the admin who acted and what they acted on."</p>
        {move || view! { <Filters f=filter.get()/> }}
        {loaded(log, 10, "Loading the audit log…", move |p: AuditPage| view! { <Lines p filter=filter.get_untracked()/> })}
    }
}

#[component]
fn Filters(f: AuditFilter) -> impl IntoView {
    let field =
        |label: &'static str, name: &'static str, kind: &'static str, value: String, list: Option<&'static str>| {
            let id = format!("audit-{name}");
            view! {
                <div>
                    <label for=id.clone() class="block font-medium">{label}</label>
                    <input id=id name=name type=kind value=value list=list maxlength="200" class=INPUT/>
                </div>
            }
        };
    let csv = format!("/admin/audit.csv?{}", f.query());
    view! {
        <form method="get" action="/admin/audit" class="mt-4 grid gap-3 sm:grid-cols-2 lg:grid-cols-5" aria-label="Filter the audit log">
            {field("Actor (email)", "actor", "search", f.actor.clone(), None)}
            {field("Action", "action", "search", f.action.clone(), Some("audit-events"))}
            {field("Target", "target", "search", f.target.clone(), None)}
            {field("From", "from", "date", f.from.clone(), None)}
            {field("To", "to", "date", f.to.clone(), None)}
            <div class="flex flex-wrap gap-3 sm:col-span-2 lg:col-span-5">
                <button type="submit" class=BUTTON>"Filter"</button>
                <a href="/admin/audit" class=BUTTON_SECONDARY>"Clear filters"</a>
                <a href=csv download="threadr-audit.csv" class=BUTTON_SECONDARY>"Download CSV"</a>
            </div>
        </form>
    }
}

#[component]
fn Lines(p: AuditPage, filter: AuditFilter) -> impl IntoView {
    let pages = page_count(p.total, AUDIT_PAGE_SIZE);
    let base = filter.query();
    let href = move |n: u32| {
        let sep = if base.is_empty() { "" } else { "&" };
        format!("/admin/audit?{base}{sep}page={n}")
    };
    let noun = if p.total == 1 { "event" } else { "events" };
    view! {
        <datalist id="audit-events">
            {p.events.iter().map(|e| view! { <option value=e.clone()></option> }).collect_view()}
        </datalist>
        <p role="status" class="mt-4 font-medium">{format!("{} {noun} match", p.total)}</p>
        {if p.lines.is_empty() {
            view! { <p class="mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center">"No events match these filters."</p> }.into_any()
        } else {
            view! {
                <div class="mt-3 overflow-x-auto" tabindex="0" role="region" aria-label="Audit events">
                    <table class="w-full min-w-[48rem] text-left text-sm">
                        <caption class="sr-only">"Audit events, newest first"</caption>
                        <thead>
                            <tr class="border-b border-slate-300 dark:border-slate-700">
                                <th scope="col" class="py-2 pr-3">"Time"</th><th scope="col" class="pr-3">"Action"</th>
                                <th scope="col" class="pr-3">"Actor"</th><th scope="col" class="pr-3">"Target"</th>
                                <th scope="col" class="pr-3">"IP"</th><th scope="col">"Details"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.lines.into_iter().map(|l| {
                                let target_link = l.target.as_deref().and_then(|t| t.strip_prefix("user:")).map(|id| format!("/admin/users/{id}"));
                                view! {
                                    <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                        <td class="py-2 pr-3 whitespace-nowrap">{when(l.at)}</td>
                                        <td class="pr-3 font-mono">{l.event}</td>
                                        <td class="pr-3 break-all">{l.actor.unwrap_or_else(|| "—".into())}</td>
                                        <td class="pr-3 break-all">{match (target_link, l.target) {
                                            (Some(href), Some(t)) => view! { <a href=href class="text-indigo-700 underline dark:text-indigo-300">{t}</a> }.into_any(),
                                            (_, t) => view! { <span>{t.unwrap_or_else(|| "—".into())}</span> }.into_any(),
                                        }}</td>
                                        <td class="pr-3">{l.ip.unwrap_or_else(|| "—".into())}</td>
                                        <td class="font-mono text-xs break-all">{l.detail}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {pager(p.page, pages, href)}
    }
}
