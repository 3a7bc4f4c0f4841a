//! Header and footer shared by every page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::features::accounts::{AccountMenu, current_user};

/// Primary navigation. Features add their entry here when their pages land.
const NAV: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/threads/new", "New thread"),
    ("/tools/description", "Descriptions"),
    ("/tools/transcribe", "Transcribe"),
    ("/pricing", "Pricing"),
    ("/status", "Status"),
];

const NAV_LINK: &str = "flex min-h-11 items-center rounded-md px-3 text-base text-slate-700 hover:bg-slate-100 aria-[current=page]:font-semibold aria-[current=page]:text-indigo-700 dark:text-slate-200 dark:hover:bg-slate-800 dark:aria-[current=page]:text-indigo-300 focus-visible:outline-2 focus-visible:outline-indigo-600";

/// Entries only members have: their saved work.
#[component]
fn MemberNav() -> impl IntoView {
    let Some(user) = current_user() else { return ().into_any() };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(user.await, Ok(Some(_)))
                    .then(|| view! {
                        <li><A href="/history" attr:class=NAV_LINK>"History"</A></li>
                        <li><A href="/assistant" attr:class=NAV_LINK>"Assistant"</A></li>
                        <li><A href="/orders" attr:class=NAV_LINK>"Orders"</A></li>
                        <li><A href="/favourites" attr:class=NAV_LINK>"Favourites"</A></li>
                        <li><A href="/sell" attr:class=NAV_LINK>"Sell"</A></li>
                        <li><A href="/letters" attr:class=NAV_LINK>"Letters"</A></li>
                    })
            })}
        </Transition>
    }
    .into_any()
}

#[component]
pub fn Header() -> impl IntoView {
    let (menu_open, set_menu_open) = signal(false);

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-white focus:px-4 focus:py-3 focus:text-slate-900 focus:shadow">
            "Skip to content"
        </a>
        <header class="border-b border-slate-200 bg-white/90 dark:border-slate-800 dark:bg-slate-950/90">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4 py-2">
                <A href="/" attr:class="inline-flex min-h-11 items-center gap-2 rounded text-xl font-bold tracking-tight focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
                    <span aria-hidden="true" class="inline-block h-6 w-6 rounded bg-indigo-600"></span>
                    "Threadr"
                </A>
                <div class="ml-auto md:order-last md:ml-2">
                    <crate::features::commerce::CartBadge/>
                </div>
                <button
                    type="button"
                    class="inline-flex min-h-11 min-w-11 items-center justify-center gap-2 rounded-md border border-slate-300 px-3 text-sm font-medium md:hidden dark:border-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
                    aria-controls="primary-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    <svg aria-hidden="true" viewBox="0 0 20 20" class="h-5 w-5" fill="currentColor">
                        <path d="M3 5h14v2H3zM3 9h14v2H3zM3 13h14v2H3z"/>
                    </svg>
                    "Menu"
                </button>
                <nav
                    id="primary-nav"
                    aria-label="Primary"
                    // Following a link closes the phone menu.
                    on:click=move |_| set_menu_open.set(false)
                    class=move || {
                        if menu_open.get() { "w-full md:block md:w-auto" } else { "hidden w-full md:block md:w-auto" }
                    }
                >
                    <ul class="flex flex-col gap-1 py-2 md:flex-row md:py-0">
                        {NAV
                            .iter()
                            .map(|(href, label)| {
                                view! {
                                    <li>
                                        <A href=*href attr:class=NAV_LINK>
                                            {*label}
                                        </A>
                                    </li>
                                }
                            })
                            .collect_view()}
                        <MemberNav/>
                        <crate::features::messaging::MessagesBadge class=NAV_LINK/>
                        <AccountMenu/>
                    </ul>
                </nav>
            </div>
            <div class="mx-auto max-w-5xl px-4 pb-2">
                <crate::features::catalogue::HeaderSearch/>
            </div>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-slate-200 py-6 text-sm text-slate-600 dark:border-slate-800 dark:text-slate-400">
            <div class="mx-auto flex max-w-5xl flex-wrap items-center justify-between gap-2 px-4">
                <p>"© Threadr · version " {crate::VERSION}</p>
                <A href="/status" attr:class="inline-flex min-h-11 items-center underline underline-offset-4 hover:text-slate-900 dark:hover:text-white">
                    "System status"
                </A>
            </div>
        </footer>
    }
}
