//! `/admin`: the portal key first (when set), then today's figures, what needs a look, and
//! the maintenance switch.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use super::maintenance::{AdminSetMaintenance, MESSAGE_MAX, MaintenanceState, admin_maintenance};
use super::nav::AdminNav;
use crate::error::AppError;
use crate::features::accounts::{AdminStepUp, admin_gate};
use crate::money::format_minor;
use crate::ui::form::{BUTTON, FormError, INPUT, Outcome};
use crate::ui::{Field, loaded};

/// Today's figures (since 00:00 UTC) and the queues that need a look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Today {
    pub sign_ups: i64,
    pub orders_paid: i64,
    /// GMV per currency today is summed in USD cents only (other currencies are listed apart
    /// in analytics).
    pub gmv_usd_cents: i64,
    pub fees_usd_cents: i64,
    pub emails_sent: i64,
    pub emails_dead: i64,
    pub webhooks_failed: i64,
    pub letters_waiting: i64,
    pub reports_open: i64,
}

#[server(prefix = "/api", endpoint = "admin/today")]
pub async fn admin_today() -> Result<Today, AppError> {
    crate::features::accounts::session::require_admin().await?;
    let state = crate::server::state::app_state()?;
    let today =
        state.clock.now().date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_else(|| state.clock.now());
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE created_at >= $1) AS sign_ups,
                (SELECT count(*) FROM orders WHERE paid_at >= $1) AS orders_paid,
                (SELECT coalesce(sum(subtotal_cents), 0)::bigint FROM orders WHERE paid_at >= $1 AND currency = 'usd') AS gmv_usd_cents,
                (SELECT coalesce(sum(fee_cents), 0)::bigint FROM orders WHERE paid_at >= $1 AND currency = 'usd') AS fees_usd_cents,
                (SELECT count(*) FROM email_outbox WHERE status = 'sent' AND sent_at >= $1) AS emails_sent,
                (SELECT count(*) FROM email_outbox WHERE status = 'dead') AS emails_dead,
                (SELECT count(*) FROM stripe_events WHERE status = 'failed') AS webhooks_failed,
                (SELECT count(*) FROM letters WHERE status = 'in_review' AND deleted_at IS NULL) AS letters_waiting,
                (SELECT count(*) FROM message_reports WHERE resolved_at IS NULL)
              + (SELECT count(*) FROM review_reports WHERE resolved_at IS NULL) AS reports_open",
    )
    .bind(today)
    .fetch_one(&state.db)
    .await?)
}

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let step_up = ServerAction::<AdminStepUp>::new();
    let gate = Resource::new(move || step_up.version().get(), |_| admin_gate());
    view! {
        <Title text="Admin"/>
        {loaded(gate, 3, "Loading the admin area…", move |needs_key| {
            if needs_key {
                view! { <StepUpForm action=step_up/> }.into_any()
            } else {
                view! { <AdminHome/> }.into_any()
            }
        })}
    }
}

#[component]
fn StepUpForm(action: ServerAction<AdminStepUp>) -> impl IntoView {
    view! {
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Admin portal key"</h1>
            <p class="mt-2">"Enter the admin portal key to open the admin area. You are asked once per session."</p>
            <ActionForm action attr:novalidate=true>
                <Field label="Admin portal key" name="key" kind="password" autocomplete="off" maxlength=200/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Open the admin area"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AdminHome() -> impl IntoView {
    let today = Resource::new(|| (), |_| admin_today());
    view! {
        <AdminNav/>
        <h1 class="text-3xl font-bold">"Admin"</h1>
        <section aria-labelledby="today-title" class="mt-6">
            <h2 id="today-title" class="text-xl font-semibold">"Today (UTC)"</h2>
            {loaded(today, 3, "Loading today's figures…", |t: Today| view! { <Figures t/> })}
        </section>
        <super::alerts::OpenAlerts/>
        <Maintenance/>
    }
}

#[component]
fn Figures(t: Today) -> impl IntoView {
    let figure = |label: &'static str, value: String, href: Option<&'static str>| {
        view! {
            <div class="rounded-lg border border-slate-300 p-4 dark:border-slate-700">
                <dt class="text-sm text-slate-700 dark:text-slate-300">{label}</dt>
                <dd class="mt-1 text-2xl font-semibold">
                    {match href {
                        Some(href) => view! { <a href=href class="underline underline-offset-4">{value}</a> }.into_any(),
                        None => view! { <span>{value}</span> }.into_any(),
                    }}
                </dd>
            </div>
        }
    };
    view! {
        <dl class="mt-3 grid gap-3 sm:grid-cols-3 lg:grid-cols-5">
            {figure("Sign-ups", t.sign_ups.to_string(), Some("/admin/users"))}
            {figure("Orders paid", t.orders_paid.to_string(), None)}
            {figure("Sales (USD)", format_minor(t.gmv_usd_cents, "usd"), None)}
            {figure("Platform fees (USD)", format_minor(t.fees_usd_cents, "usd"), None)}
            {figure("Emails sent", t.emails_sent.to_string(), None)}
            {figure("Emails given up", t.emails_dead.to_string(), None)}
            {figure("Failed webhooks", t.webhooks_failed.to_string(), None)}
            {figure("Letters to review", t.letters_waiting.to_string(), Some("/admin/letters?status=in_review"))}
            {figure("Open reports", t.reports_open.to_string(), None)}
        </dl>
    }
}

#[component]
fn Maintenance() -> impl IntoView {
    let set = ServerAction::<AdminSetMaintenance>::new();
    let current = Resource::new(move || set.version().get(), |_| admin_maintenance());
    view! {
        <section aria-labelledby="maintenance-title" class="mt-8 max-w-2xl rounded-lg border border-slate-300 p-4 dark:border-slate-700">
            <h2 id="maintenance-title" class="text-xl font-semibold">"Maintenance mode"</h2>
            {loaded(current, 2, "Loading the switch…", move |m: MaintenanceState| view! {
                <p class="mt-1">{if m.on { "On: visitors and members get a 503 page with the message. Admins keep the whole site." } else { "Off: the site is open." }}</p>
                <ActionForm action=set attr:novalidate=true>
                    <fieldset class="mt-3">
                        <legend class="font-medium">"Switch"</legend>
                        <div class="flex gap-6">
                            <label class="inline-flex min-h-11 items-center gap-2"><input type="radio" name="on" value="on" checked=m.on/>"On"</label>
                            <label class="inline-flex min-h-11 items-center gap-2"><input type="radio" name="on" value="off" checked=!m.on/>"Off"</label>
                        </div>
                    </fieldset>
                    <label for="maintenance-message" class="mt-3 block font-medium">"Message visitors read"</label>
                    <textarea id="maintenance-message" name="message" rows="2" maxlength=MESSAGE_MAX class=format!("{INPUT} py-2")>{m.message.clone()}</textarea>
                    <button type="submit" class=format!("mt-3 {BUTTON}") disabled=move || set.pending().get()>"Save the switch"</button>
                    <Outcome value=set.value()/>
                </ActionForm>
            })}
        </section>
    }
}
