//! Billing's pages.

mod account;
mod pricing;
mod referrals;
mod success;

pub use account::BillingPage;
pub use pricing::PricingPage;
pub use referrals::ReferralsPage;
pub use success::CheckoutSuccessPage;

use leptos::prelude::*;

/// "$9.99" and friends.
pub(super) fn money(cents: i64, currency: &str) -> String {
    crate::money::format_minor(cents, currency)
}

/// A short notice in the page's flow (status, not an alert).
#[component]
pub(super) fn Notice(children: Children) -> impl IntoView {
    view! {
        <p role="status" class="mt-4 rounded-md border border-sky-700 bg-sky-50 p-4 text-sky-950 dark:bg-sky-950 dark:text-sky-50">
            {children()}
        </p>
    }
}
