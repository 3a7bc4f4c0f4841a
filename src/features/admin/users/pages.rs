//! `/admin/users` (search by email or name, filters) and `/admin/users/:id` (the account with
//! its plan, sessions, orders, letters and audit trail, and the admin's actions on it).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::api::{
    AdminBanUser, AdminGrantPremium, AdminResetLimits, AdminRevokePremium, AdminSetRole, AdminUnbanUser, admin_user,
    admin_users,
};
use super::model::{USERS_PAGE_SIZE, UserDetail, UserFilter, UserList, UserRow};
use crate::error::AppError;
use crate::features::accounts::Role;
use crate::features::admin::nav::AdminNav;
use crate::money::format_minor;
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY, INPUT, TEXT_LINK};
use crate::ui::{day, loaded, page_count, page_param, pager, when};

const TABLE_WRAP: &str = "mt-3 overflow-x-auto";
const EMPTY: &str = "mt-3 rounded-lg border border-dashed border-slate-400 p-6 text-center";

fn list_href(q: &str, filter: UserFilter, page: u32) -> String {
    let mut parts = Vec::new();
    if !q.is_empty() {
        parts.push(format!("q={}", crate::features::admin::audit::encode(q)));
    }
    if filter != UserFilter::All {
        parts.push(format!("filter={}", filter.as_str()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() { "/admin/users".into() } else { format!("/admin/users?{}", parts.join("&")) }
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let filter = Memo::new(move |_| UserFilter::parse(&query.read().get("filter").unwrap_or_default()));
    let page = Memo::new(move |_| page_param(query.read().get("page")));
    let users = Resource::new(
        move || (q.get(), filter.get(), page.get()),
        |(q, filter, page)| admin_users(q, filter.as_str().to_string(), Some(page)),
    );
    view! {
        <Title text="Users · Admin"/>
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Users"</h1>
        <form method="get" action="/admin/users" class="mt-4 flex flex-wrap items-end gap-3" role="search" aria-label="Find accounts">
            <div class="min-w-64 flex-1">
                <label for="users-q" class="block font-medium">"Email or name"</label>
                <input id="users-q" name="q" type="search" maxlength="200" class=INPUT value=move || q.get()/>
            </div>
            <div>
                <label for="users-filter" class="block font-medium">"Show"</label>
                <select id="users-filter" name="filter" class=INPUT>
                    {UserFilter::ALL.iter().map(|(f, label)| view! {
                        <option value=f.as_str() selected=move || filter.get() == *f>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class=BUTTON>"Search"</button>
        </form>
        {loaded(users, 10, "Loading accounts…", move |list: UserList| view! { <UserTable list q=q.get_untracked() filter=filter.get_untracked()/> })}
    }
}

#[component]
fn UserTable(list: UserList, q: String, filter: UserFilter) -> impl IntoView {
    let pages = page_count(list.total, USERS_PAGE_SIZE);
    let noun = if list.total == 1 { "account" } else { "accounts" };
    view! {
        <p role="status" class="mt-4 font-medium">{format!("{} {noun}", list.total)}</p>
        {if list.users.is_empty() {
            view! { <p class=EMPTY>"No account matches. Try part of the email or the name."</p> }.into_any()
        } else {
            view! {
                <div class=TABLE_WRAP tabindex="0" role="region" aria-label="Accounts">
                    <table class="w-full min-w-[40rem] text-left">
                        <caption class="sr-only">"Accounts, newest first"</caption>
                        <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                            <th scope="col" class="py-2 pr-3">"Email"</th><th scope="col" class="pr-3">"Name"</th>
                            <th scope="col" class="pr-3">"Role"</th><th scope="col" class="pr-3">"Status"</th><th scope="col">"Joined"</th>
                        </tr></thead>
                        <tbody>
                            {list.users.into_iter().map(|u| view! {
                                <tr class="border-b border-slate-200 dark:border-slate-800">
                                    <td class="py-1 pr-3 break-all"><a href=format!("/admin/users/{}", u.id) class=TEXT_LINK>{u.email.clone()}</a></td>
                                    <td class="pr-3">{u.display_name.clone()}</td>
                                    <td class="pr-3">{role_label(u.role)}</td>
                                    <td class="pr-3">{status_label(&u)}</td>
                                    <td>{day(u.created_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        {pager(list.page, pages, move |n| list_href(&q, filter, n))}
    }
}

fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Member => "Member",
    }
}

fn status_label(u: &UserRow) -> &'static str {
    if u.banned_at.is_some() {
        "Suspended"
    } else if u.verified {
        "Active"
    } else {
        "Email not confirmed"
    }
}

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<Uuid>().ok()));
    let ban = ServerAction::<AdminBanUser>::new();
    let unban = ServerAction::<AdminUnbanUser>::new();
    let role = ServerAction::<AdminSetRole>::new();
    let grant = ServerAction::<AdminGrantPremium>::new();
    let revoke = ServerAction::<AdminRevokePremium>::new();
    let limits = ServerAction::<AdminResetLimits>::new();
    let changed = move || {
        (
            ban.version().get(),
            unban.version().get(),
            role.version().get(),
            grant.version().get(),
            revoke.version().get(),
        )
    };
    let detail = Resource::new(
        move || (id.get(), changed()),
        |(id, _)| async move {
            match id {
                Some(id) => admin_user(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let actions = Actions { ban, unban, role, grant, revoke, limits };
    // The answer of whichever action ran last.
    let last: RwSignal<Option<Result<String, AppError>>> = RwSignal::new(None);
    let follow = move |value: MappedSignal<Option<Result<String, AppError>>>| {
        Effect::new(move |_| {
            if let Some(answer) = value.get() {
                last.set(Some(answer));
            }
        });
    };
    follow(ban.value());
    follow(unban.value());
    follow(role.value());
    follow(grant.value());
    follow(revoke.value());
    follow(limits.value());
    view! {
        <Title text="Account · Admin"/>
        <AdminNav/>
        <p><a href="/admin/users" class=TEXT_LINK>"← All users"</a></p>
        // Above the account, so the message stays while the account reloads into its new state.
        <p role="status" class="mt-4 text-emerald-800 empty:hidden dark:text-emerald-300">{move || last.get().and_then(Result::ok)}</p>
        <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{move || last.get().and_then(Result::err).map(|e| e.to_string())}</p>
        {loaded(detail, 12, "Loading the account…", move |d: UserDetail| view! { <Detail d actions/> })}
    }
}

#[derive(Clone, Copy)]
struct Actions {
    ban: ServerAction<AdminBanUser>,
    unban: ServerAction<AdminUnbanUser>,
    role: ServerAction<AdminSetRole>,
    grant: ServerAction<AdminGrantPremium>,
    revoke: ServerAction<AdminRevokePremium>,
    limits: ServerAction<AdminResetLimits>,
}

#[component]
fn Detail(d: UserDetail, actions: Actions) -> impl IntoView {
    let u = d.user.clone();
    let id = u.id;
    let suspended = u.banned_at.is_some();
    let in_a_month = d.default_until.clone();
    view! {
        <h1 class="mt-2 text-3xl font-bold break-all">{u.email.clone()}</h1>
        <dl class="mt-4 grid max-w-2xl grid-cols-[auto_1fr] gap-x-6 gap-y-1">
            <dt class="font-medium">"Name"</dt><dd>{u.display_name.clone()}</dd>
            <dt class="font-medium">"Role"</dt><dd>{role_label(u.role)}</dd>
            <dt class="font-medium">"Status"</dt><dd>{status_label(&u)}</dd>
            {d.banned_reason.clone().map(|r| view! { <dt class="font-medium">"Suspended because"</dt><dd>{r}</dd> })}
            <dt class="font-medium">"Plan"</dt><dd>{d.plan.clone()}</dd>
            <dt class="font-medium">"Joined"</dt><dd>{when(u.created_at)}</dd>
        </dl>

        <section aria-labelledby="actions-title" class="mt-8 grid gap-6 lg:grid-cols-2">
            <h2 id="actions-title" class="sr-only">"Actions"</h2>
            {if suspended {
                view! {
                    <ActionForm action=actions.unban attr:class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                        <h3 class="text-lg font-semibold">"Suspension"</h3>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <p class="mt-1">"The account cannot sign in."</p>
                        <button type="submit" class=format!("mt-3 {BUTTON}")>"Lift the suspension"</button>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <ActionForm action=actions.ban attr:novalidate=true attr:class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                        <h3 class="text-lg font-semibold">"Suspend the account"</h3>
                        <input type="hidden" name="id" value=id.to_string()/>
                        <label for="ban-reason" class="mt-2 block font-medium">"Reason (for admins)"</label>
                        <textarea id="ban-reason" name="reason" rows="2" maxlength="500" class=format!("{INPUT} py-2")></textarea>
                        <button type="submit" class=format!("mt-3 {BUTTON_DANGER}") disabled=d.is_me>"Suspend and end all sessions"</button>
                    </ActionForm>
                }.into_any()
            }}
            <ActionForm action=actions.role attr:class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                <h3 class="text-lg font-semibold">"Role"</h3>
                <input type="hidden" name="id" value=id.to_string()/>
                <label for="user-role" class="mt-2 block font-medium">"Role"</label>
                <select id="user-role" name="role" class=INPUT>
                    <option value="member" selected=u.role == Role::Member>"Member"</option>
                    <option value="admin" selected=u.role == Role::Admin>"Admin"</option>
                </select>
                <button type="submit" class=format!("mt-3 {BUTTON_SECONDARY}") disabled=d.is_me>"Change the role"</button>
            </ActionForm>
            <div class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                <ActionForm action=actions.grant attr:novalidate=true>
                    <h3 class="text-lg font-semibold">"Paid access"</h3>
                    <input type="hidden" name="id" value=id.to_string()/>
                    <label for="grant-plan" class="mt-2 block font-medium">"Plan"</label>
                    <select id="grant-plan" name="plan" class=INPUT>
                        <option value="pro">"Pro"</option>
                        <option value="business">"Business"</option>
                        <option value="starter">"Starter"</option>
                        <option value="pass">"30-day pass"</option>
                    </select>
                    <label for="grant-until" class="mt-2 block font-medium">"Until (the end of this day, UTC)"</label>
                    <input id="grant-until" name="until" type="date" value=in_a_month class=INPUT/>
                    <button type="submit" class=format!("mt-3 {BUTTON}")>"Grant"</button>
                </ActionForm>
                <ActionForm action=actions.revoke attr:class="mt-4">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" class=BUTTON_SECONDARY>"End granted access now"</button>
                </ActionForm>
            </div>
            <ActionForm action=actions.limits attr:class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                <h3 class="text-lg font-semibold">"Rate limits"</h3>
                <input type="hidden" name="id" value=id.to_string()/>
                <p class="mt-1">"Clears sign-in lockouts for this email and the addresses it used, and the per-minute limits."</p>
                <button type="submit" class=format!("mt-3 {BUTTON_SECONDARY}")>"Reset rate limits"</button>
            </ActionForm>
        </section>

        <Listing title="Paid access history" empty="No grants, passes or subscriptions." headers=&["Plan", "Source", "From", "Until"]
            rows=d.grants.iter().map(|g| vec![g.plan.clone(), g.source.clone(), day(g.starts_at),
                match (g.revoked_at, g.ends_at) { (Some(r), _) => format!("ended {}", day(r)), (None, Some(e)) => day(e), (None, None) => "open-ended".into() }]).collect()/>
        <Listing title="Sessions" empty="No signed-in sessions." headers=&["Started", "Last seen", "IP", "Browser"]
            rows=d.sessions.iter().map(|s| vec![when(s.created_at), when(s.last_seen_at), s.ip.clone().unwrap_or_default(), s.user_agent.clone().unwrap_or_default()]).collect()/>
        <Listing title="Orders" empty="No orders bought or sold." headers=&["Order", "Side", "Status", "Amount", "Placed"]
            rows=d.orders.iter().map(|o| vec![o.number.clone(), o.side.clone(), o.status.clone(), format_minor(o.subtotal_cents, &o.currency), day(o.created_at)]).collect()/>
        <Listing title="Letters" empty="No letters." headers=&["Title", "Status", "Last change"]
            rows=d.letters.iter().map(|l| vec![l.title.clone(), l.status.clone(), when(l.updated_at)]).collect()/>
        <Listing title="Audit trail" empty="Nothing recorded." headers=&["Time", "Action", "By", "Details"]
            rows=d.audit.iter().map(|a| vec![when(a.at), a.event.clone(), a.actor.clone().unwrap_or_default(), a.detail.clone()]).collect()/>
        <p class="mt-4"><a href=format!("/admin/audit?target=user:{id}") class=TEXT_LINK>"Everything admins did to this account"</a></p>
    }
}

/// A titled table of text cells, or its empty line.
#[component]
fn Listing(
    title: &'static str,
    empty: &'static str,
    headers: &'static [&'static str],
    rows: Vec<Vec<String>>,
) -> impl IntoView {
    let slug = title.to_lowercase().replace(' ', "-");
    view! {
        <section aria-labelledby=format!("{slug}-title") class="mt-8">
            <h2 id=format!("{slug}-title") class="text-xl font-semibold">{title}</h2>
            {if rows.is_empty() {
                view! { <p class=EMPTY>{empty}</p> }.into_any()
            } else {
                view! {
                    <div class=TABLE_WRAP tabindex="0" role="region" aria-label=title>
                        <table class="w-full min-w-[36rem] text-left text-sm">
                            <thead><tr class="border-b border-slate-300 dark:border-slate-700">
                                {headers.iter().map(|h| view! { <th scope="col" class="py-2 pr-3">{*h}</th> }).collect_view()}
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr class="border-b border-slate-200 align-top dark:border-slate-800">
                                        {r.into_iter().map(|c| view! { <td class="py-1 pr-3 break-all">{c}</td> }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
