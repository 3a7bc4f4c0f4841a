//! The admin area's section links, on every admin page.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// (address, label) of each admin section.
pub const SECTIONS: &[(&str, &str)] = &[
    ("/admin", "Dashboard"),
    ("/admin/analytics", "Analytics"),
    ("/admin/alerts", "Alerts"),
    ("/admin/users", "Users"),
    ("/admin/products", "Listings"),
    ("/admin/reviews", "Reviews"),
    ("/admin/reports", "Reported messages"),
    ("/admin/orders", "Orders"),
    ("/admin/referrals", "Referrals"),
    ("/admin/letters", "Letters"),
    ("/admin/webhooks", "Webhooks"),
    ("/admin/emails", "Email queue"),
    ("/admin/audit", "Audit log"),
    ("/admin/mail", "Dev mailbox"),
];

#[component]
pub fn AdminNav() -> impl IntoView {
    let location = use_location();
    view! {
        <nav aria-label="Admin sections" class="mb-6 overflow-x-auto">
            <ul class="flex flex-wrap gap-2">
                {SECTIONS.iter().map(|(href, label)| {
                    let href = *href;
                    let current = move || {
                        let path = location.pathname.get();
                        let here = if href == "/admin" { path == "/admin" } else { path == href || path.starts_with(&format!("{href}/")) };
                        here.then_some("page")
                    };
                    view! {
                        <li>
                            <a href=href aria-current=current
                               class="inline-flex min-h-11 items-center rounded-md border border-slate-300 px-3 font-medium hover:bg-slate-100 aria-[current=page]:border-indigo-700 aria-[current=page]:bg-indigo-50 dark:border-slate-700 dark:hover:bg-slate-800 dark:aria-[current=page]:bg-indigo-950">
                                {*label}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}
