use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{GetLiveStatus, get_live_status, get_system_status};
use super::model::{DatabaseHealth, LiveStatus, SystemStatus, human_duration};
use crate::ui::{Skeleton, loaded, toast::use_toaster};

/// The home page's status card: rendered on the server, refreshable after hydration.
#[component]
pub fn LiveStatusCard() -> impl IntoView {
    let toaster = use_toaster();
    let initial = Resource::new(|| (), |_| get_live_status());
    let refresh = ServerAction::<GetLiveStatus>::new();
    Effect::new(move |_| match refresh.value().get() {
        Some(Ok(_)) => toaster.success("Status refreshed"),
        Some(Err(e)) => toaster.error(e.to_string()),
        None => {}
    });

    view! {
        <section aria-labelledby="live-status-title" class="mt-6 rounded-lg border border-slate-200 p-5 dark:border-slate-800">
            <div class="flex flex-wrap items-center justify-between gap-3">
                <h2 id="live-status-title" class="text-xl font-semibold">"Live status"</h2>
                <button
                    type="button"
                    class="inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-4 font-semibold text-white hover:bg-indigo-800 disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700"
                    aria-busy=move || refresh.pending().get().to_string()
                    disabled=move || refresh.pending().get()
                    on:click=move |_| {
                        refresh.dispatch(GetLiveStatus {});
                    }
                >
                    "Refresh status"
                </button>
            </div>
            <Suspense fallback=|| view! { <div class="mt-4"><Skeleton lines=3 label="Checking status…"/></div> }>
                {move || Suspend::new(async move {
                    let first = initial.await;
                    view! {
                        {move || match refresh.value().get().unwrap_or_else(|| first.clone()) {
                            Ok(status) => view! { <LiveStatusFacts status/> }.into_any(),
                            Err(e) => view! { <p role="alert" class="mt-4 text-red-700 dark:text-red-300">{e.to_string()}</p> }.into_any(),
                        }}
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LiveStatusFacts(status: LiveStatus) -> impl IntoView {
    let (database, tone) = match status.database {
        DatabaseHealth::Reachable { latency_ms } => {
            (format!("Reachable ({latency_ms:.1} ms)"), "text-emerald-800 dark:text-emerald-300")
        }
        DatabaseHealth::Unreachable => ("Unreachable".to_string(), "text-red-700 dark:text-red-300"),
    };
    view! {
        <dl class="mt-4 grid grid-cols-[auto_1fr] gap-x-6 gap-y-2">
            <dt class="font-medium">"Version"</dt>
            <dd>{status.version}</dd>
            <dt class="font-medium">"Database"</dt>
            <dd class=tone>{database}</dd>
            <dt class="font-medium">"Checked at"</dt>
            <dd>
                <time datetime=status.checked_at.to_rfc3339()>
                    {status.checked_at.format("%H:%M:%S%.3f UTC").to_string()}
                </time>
            </dd>
        </dl>
    }
}

/// `/status`: needs the database, so it answers 503 with the error page when it is down.
#[component]
pub fn StatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| get_system_status());
    loaded(status, 6, "Loading system status…", |status| view! { <SystemStatusView status/> })
}

#[component]
fn SystemStatusView(status: SystemStatus) -> impl IntoView {
    let rows: Vec<(&str, String)> = vec![
        ("Version", status.version),
        ("Uptime", human_duration(status.uptime_secs)),
        ("PostgreSQL", status.postgres_version),
        ("Migrations applied", status.migrations_applied.to_string()),
        ("Latest migration", status.latest_migration.unwrap_or_else(|| "none".into())),
        ("Database connections", format!("{} open, {} idle", status.pool_size, status.pool_idle)),
    ];
    view! {
        <Title text="System status"/>
        <h1 class="text-3xl font-bold">"System status"</h1>
        <p class="mt-2 text-slate-700 dark:text-slate-300">"All systems operational."</p>
        <dl class="mt-6 grid grid-cols-1 gap-x-6 gap-y-2 sm:grid-cols-[auto_1fr]">
            {rows
                .into_iter()
                .map(|(label, value)| view! { <dt class="font-medium">{label}</dt><dd class="mb-2 sm:mb-0">{value}</dd> })
                .collect_view()}
        </dl>
    }
}
