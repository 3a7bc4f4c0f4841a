//! Which ways to sign in this server offers (password and emailed links always; Google when
//! configured), the "Continue with Google" link, and the messages for Google sign-in errors,
//! which come back to `/sign-in?error=<code>`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub google: bool,
}

/// The codes Google sign-in sends back to `/sign-in?error=…`.
pub mod google_error {
    /// No pending sign-in, a wrong `state`, or one older than 10 minutes.
    pub const EXPIRED: &str = "google_expired";
    /// Google answered with an error (the person cancelled, or it refused).
    pub const DENIED: &str = "google_denied";
    /// An account with that email exists but its email is not confirmed: no link.
    pub const UNVERIFIED_ACCOUNT: &str = "google_unverified_account";
    /// Google did not vouch for the email address.
    pub const EMAIL_UNVERIFIED: &str = "google_email_unverified";
    /// Too many sign-ins started from one address.
    pub const RATE_LIMITED: &str = "google_rate_limited";
    /// Anything else (bad token, provider down, conflict).
    pub const FAILED: &str = "google_failed";
}

/// What the sign-in page says for a Google sign-in error code.
pub fn google_error_message(code: &str) -> Option<&'static str> {
    use google_error::*;
    Some(match code {
        EXPIRED => "Your Google sign-in expired or was started in another tab. Try again.",
        DENIED => "Google did not sign you in (it was cancelled or refused). Try again, or sign in another way.",
        UNVERIFIED_ACCOUNT => {
            "An account with this email already exists but its address is not confirmed yet. Confirm your email with the link we sent you, or reset your password, then continue with Google."
        }
        EMAIL_UNVERIFIED => "Google has not verified this email address, so we cannot sign you in with it.",
        FAILED => "We could not sign you in with Google. Try again, or sign in another way.",
        RATE_LIMITED => "Too many sign-in attempts from your network. Wait a few minutes, then try again.",
        _ => return None,
    })
}

/// The sign-in methods this server offers.
#[server(prefix = "/api", endpoint = "accounts/sign-in-methods")]
pub async fn get_sign_in_methods() -> Result<SignInMethods, AppError> {
    let state = crate::server::state::app_state()?;
    Ok(SignInMethods { google: state.google.is_some() })
}

/// "Continue with Google", only when Google sign-in is configured. A plain link with
/// `rel="external"`: the browser (not the client-side router) goes to the server route.
#[component]
pub fn GoogleSignIn() -> impl IntoView {
    let methods = Resource::new(|| (), |_| get_sign_in_methods());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                matches!(methods.await, Ok(SignInMethods { google: true })).then(|| view! {
                    <p class="mt-6">
                        <a
                            href="/auth/google/start"
                            rel="external"
                            class="inline-flex min-h-11 w-full items-center justify-center gap-2 rounded-md border border-slate-400 bg-white px-5 font-semibold text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-700 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800"
                        >
                            "Continue with Google"
                        </a>
                    </p>
                })
            })}
        </Suspense>
    }
}

/// The message for `?error=<code>` after a failed Google sign-in.
#[component]
pub fn GoogleSignInError() -> impl IntoView {
    let query = use_query_map();
    let message = move || query.read().get("error").and_then(|code| google_error_message(&code));
    view! {
        <p role="alert" class="mt-4 text-red-700 empty:hidden dark:text-red-300">{message}</p>
    }
}
