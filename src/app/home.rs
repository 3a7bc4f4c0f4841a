use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::features::status::LiveStatusCard;

/// What Threadr does, one card per capability.
const CAPABILITIES: &[(&str, &str)] = &[
    ("X threads", "Paste text or a link and get numbered posts that each fit X's 280-character limit."),
    (
        "Product descriptions",
        "Name, category, key facts and tone in; a title and a description out, ready for your shop.",
    ),
    (
        "Formal letters",
        "Demand letters, complaints and refund requests drafted for you and reviewed before they are sent.",
    ),
    ("Marketplace", "Sell what you make with Stripe payouts, search, cart, reviews and messages with buyers."),
];

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section aria-labelledby="hero-title" class="py-6 sm:py-12">
            <h1 id="hero-title" class="text-3xl font-bold tracking-tight sm:text-5xl">
                "Write less. Publish more."
            </h1>
            <p class="mt-4 max-w-2xl text-lg text-slate-700 dark:text-slate-300">
                "Threadr turns your ideas into X threads, product descriptions and formal letters, and gives you a marketplace to sell what you make. Everything runs on our servers: your keys and your data never sit in your browser."
            </p>
            <div class="mt-8 flex flex-wrap items-center gap-4">
                <A href="/threads/new" attr:class="inline-flex min-h-14 items-center justify-center rounded-lg bg-indigo-700 px-8 text-lg font-semibold text-white shadow hover:bg-indigo-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700">
                    "Write a thread"
                </A>
                <p class="text-slate-700 dark:text-slate-300">"Free to try, no account needed."</p>
            </div>
        </section>
        <section aria-labelledby="capabilities-title" class="py-6">
            <h2 id="capabilities-title" class="text-2xl font-semibold">"What you can do"</h2>
            <ul class="mt-4 grid gap-4 sm:grid-cols-2">
                {CAPABILITIES
                    .iter()
                    .map(|(name, text)| {
                        view! {
                            <li class="rounded-lg border border-slate-200 p-5 dark:border-slate-800">
                                <h3 class="text-lg font-semibold">{*name}</h3>
                                <p class="mt-2 text-slate-700 dark:text-slate-300">{*text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <crate::features::catalogue::HomeCatalogueSections/>
        <LiveStatusCard/>
    }
}
