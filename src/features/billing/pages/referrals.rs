//! `/account/referrals`: the member's referral link, who joined through it, who has paid, and
//! the commissions earned.

use leptos::prelude::*;
use leptos_meta::Title;

use super::money;
use crate::features::accounts::AccountNav;
use crate::features::billing::api::get_referrals;
use crate::features::billing::model::Referrals;
use crate::ui::{day, loaded};

#[component]
pub fn ReferralsPage() -> impl IntoView {
    let referrals = Resource::new(|| (), |_| get_referrals());
    view! {
        <Title text="Your referrals"/>
        <AccountNav current="/account/referrals"/>
        <h1 class="text-3xl font-bold">"Your referrals"</h1>
        {loaded(referrals, 6, "Loading your referrals…", |r: Referrals| view! { <ReferralsView r/> })}
    }
}

#[component]
fn ReferralsView(r: Referrals) -> impl IntoView {
    let percent = format!("{}%", f64::from(r.commission_bps) / 100.0);
    let total = money(r.commission_total_cents, "usd");
    let joined = r.referrals.len();
    view! {
        <p class="mt-2 max-w-2xl">
            {format!("Share your link: when someone who signs up through it makes their first payment, you earn {percent} of it.")}
        </p>
        <p class="mt-2 break-all"><span class="font-semibold">"Your link: "</span><code>{r.link.clone()}</code></p>
        <dl class="mt-6 grid max-w-xl grid-cols-3 gap-4">
            <div><dt class="text-sm">"Joined"</dt><dd class="text-2xl font-bold">{joined}</dd></div>
            <div><dt class="text-sm">"Paid"</dt><dd class="text-2xl font-bold">{r.paid_count}</dd></div>
            <div><dt class="text-sm">"Earned"</dt><dd class="text-2xl font-bold">{total}</dd></div>
        </dl>
        {if r.referrals.is_empty() {
            view! {
                <p class="mt-6 rounded-md border border-dashed border-slate-400 p-6 text-center">
                    "Nobody has joined through your link yet. Share it with a friend who writes threads."
                </p>
            }.into_any()
        } else {
            view! {
                <div class="mt-6 overflow-x-auto">
                    <table class="w-full text-left">
                        <caption class="sr-only">"Members who joined through your link"</caption>
                        <thead><tr>
                            <th scope="col" class="py-2 pr-4">"Member"</th>
                            <th scope="col" class="py-2 pr-4">"Joined"</th>
                            <th scope="col" class="py-2 pr-4">"Paid"</th>
                            <th scope="col" class="py-2">"Commission"</th>
                        </tr></thead>
                        <tbody>
                            {r.referrals.into_iter().map(|row| view! {
                                <tr class="border-t border-slate-200 dark:border-slate-800">
                                    <td class="py-2 pr-4">{row.name}</td>
                                    <td class="py-2 pr-4">{day(row.signed_up_at)}</td>
                                    <td class="py-2 pr-4">{if row.commission_cents.is_some() { "Yes" } else { "Not yet" }}</td>
                                    <td class="py-2">{row.commission_cents.map_or("—".to_string(), |c| money(c, &row.currency))}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
