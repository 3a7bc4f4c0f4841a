//! The application shell: document, layout and the route table.
//! Each feature contributes its pages here with one `<Route>` line.

mod home;
mod layout;
mod not_found;
mod shell;

pub use not_found::NotFound;
pub use shell::shell;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::features::accounts::{
    AccountPage, AddressesPage, ConfirmEmailChangePage, DeleteAccountPage, ForgotPasswordPage, MagicLinkPage,
    ResetPasswordPage, SessionsPage, SignInPage, SignUpPage, VerifyEmailPage, provide_current_user,
};
use crate::features::admin::AdminHomePage;
use crate::features::assistant::AssistantPage;
use crate::features::email::{MailPage, MailboxPage};
use crate::features::history::HistoryListPage;
use crate::features::letters::{AdminLettersPage, LetterPage, LetterPrintPage, LettersPage, NewLetterPage};
use crate::features::status::StatusPage;
use crate::features::threads::{NewThreadPage, ThreadPage};
use crate::ui::toast::{Toasts, provide_toasts};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_toasts();
    provide_current_user();
    crate::features::commerce::provide_commerce_context();

    view! {
        // leptos_meta writes `<title>` without escaping: a member's text (a thread's or a
        // letter's title) with `</title><script>` would end the title early. Angle brackets
        // become look-alike quotes, for every page.
        <Title formatter=|page: String| {
            let page = page.replace('<', "‹").replace('>', "›");
            if page.is_empty() { "Threadr".to_string() } else { format!("{page} · Threadr") }
        }/>
        <Router>
            // One live connection per page for a signed-in member (messages, the badge).
            <crate::features::messaging::LiveMessages>
            <crate::features::admin::MaintenanceBanner/>
            <layout::Header/>
            <main id="main" tabindex="-1" class="mx-auto w-full max-w-5xl flex-1 px-4 py-8 focus:outline-none">
                <Routes fallback=NotFound>
                    // In-order streaming: the page works without JavaScript and still streams.
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::InOrder/>
                    // Async: the status code (503 when the database is down) is known before the
                    // first byte is sent.
                    <Route path=path!("/status") view=StatusPage ssr=SsrMode::Async/>
                    <Route path=path!("/threads/new") view=NewThreadPage/>
                    // Async: a missing thread answers 404 before the first byte.
                    <Route path=path!("/threads/:id") view=ThreadPage ssr=SsrMode::Async/>
                    <Route path=path!("/history") view=HistoryListPage/>
                    // One route for both addresses: a new conversation gets its id without a reload.
                    <Route path=path!("/assistant/:id?") view=AssistantPage ssr=SsrMode::Async/>
                    <Route path=path!("/tools/description") view=crate::features::tools::DescriptionPage/>
                    <Route path=path!("/tools/transcribe") view=crate::features::tools::TranscribePage/>
                    <Route path=path!("/tools/descriptions/:id") view=crate::features::tools::SavedDescriptionPage/>
                    <Route path=path!("/tools/transcripts/:id") view=crate::features::tools::SavedTranscriptPage/>
                    <Route path=path!("/sign-up") view=SignUpPage/>
                    // In-order: "Continue with Google" (known on the server) shows without JavaScript.
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::InOrder/>
                    <Route path=path!("/verify-email") view=VerifyEmailPage/>
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage/>
                    <Route path=path!("/reset-password") view=ResetPasswordPage/>
                    <Route path=path!("/sign-in/link") view=MagicLinkPage/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/pricing") view=crate::features::billing::PricingPage ssr=SsrMode::Async/>
                    <Route path=path!("/billing/success") view=crate::features::billing::CheckoutSuccessPage/>
                    <Route path=path!("/account/billing") view=crate::features::billing::BillingPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/referrals") view=crate::features::billing::ReferralsPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/addresses") view=AddressesPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/sessions") view=SessionsPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/delete") view=DeleteAccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/confirm-email") view=ConfirmEmailChangePage/>
                    <Route path=path!("/admin") view=AdminHomePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/mail") view=MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=crate::features::admin::AdminUsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view=crate::features::admin::AdminUserPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=crate::features::admin::audit::AdminAuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/analytics") view=crate::features::admin::analytics::AdminAnalyticsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/alerts") view=crate::features::admin::alerts::AdminAlertsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/products") view=crate::features::admin::AdminProductsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/reviews") view=crate::features::admin::AdminReviewsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks") view=crate::features::admin::AdminWebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks/:id") view=crate::features::admin::AdminWebhookPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/emails") view=crate::features::admin::AdminEmailsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/reports") view=crate::features::admin::AdminReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/orders") view=crate::features::admin::AdminOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/referrals") view=crate::features::admin::AdminReferralsPage ssr=SsrMode::Async/>
                    <Route path=path!("/letters") view=LettersPage ssr=SsrMode::Async/>
                    <Route path=path!("/letters/new") view=NewLetterPage/>
                    // Async: a letter someone else owns answers 404 before the first byte.
                    <Route path=path!("/letters/:id") view=LetterPage ssr=SsrMode::Async/>
                    <Route path=path!("/letters/:id/print") view=LetterPrintPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/letters") view=AdminLettersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/mail/:id") view=MailPage ssr=SsrMode::Async/>
                    // Async: the public catalogue pages answer 404 and fill <head> (title, meta,
                    // Open Graph) before the first byte; they read without JavaScript.
                    <Route path=path!("/products/:slug") view=crate::features::catalogue::ProductPage ssr=SsrMode::Async/>
                    <Route path=path!("/c/:slug") view=crate::features::catalogue::CategoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/sellers/:handle") view=crate::features::catalogue::SellerShopPage ssr=SsrMode::Async/>
                    <Route path=path!("/search") view=crate::features::catalogue::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell") view=crate::features::catalogue::SellPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell/new") view=crate::features::catalogue::NewListingPage/>
                    <Route path=path!("/sell/products/:id") view=crate::features::catalogue::EditListingPage/>
                    <Route path=path!("/cart") view=crate::features::commerce::CartPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout") view=crate::features::commerce::CheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/checkout/success") view=crate::features::commerce::PurchaseSuccessPage/>
                    <Route path=path!("/orders") view=crate::features::commerce::OrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/orders/:number") view=crate::features::commerce::OrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell/orders") view=crate::features::commerce::SellerOrdersPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell/orders/:number") view=crate::features::commerce::SellerOrderPage ssr=SsrMode::Async/>
                    <Route path=path!("/sell/payouts") view=crate::features::commerce::PayoutsPage ssr=SsrMode::Async/>
                    <Route path=path!("/favourites") view=crate::features::commerce::FavouritesPage ssr=SsrMode::Async/>
                    <Route path=path!("/messages") view=crate::features::messaging::MessagesPage ssr=SsrMode::Async/>
                    <Route path=path!("/messages/:id") view=crate::features::messaging::ConversationPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <layout::Footer/>
            <Toasts/>
            </crate::features::messaging::LiveMessages>
        </Router>
    }
}
