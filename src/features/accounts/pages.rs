use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::api::{
    ConfirmEmail, ForgotPassword, RequestMagicLink, ResetPassword, SIGN_UP_DONE, SignIn, SignOut, SignUp, UseMagicLink,
    who_am_i,
};
use super::model::{CurrentUser, EMAIL_MAX, NAME_MAX, PASSWORD_MAX};
use super::sign_in_methods::{GoogleSignIn, GoogleSignInError};
use crate::error::AppError;
use crate::ui::Field;
use crate::ui::form::{BUTTON, FormError, Outcome, TEXT_LINK};

/// The signed-in user for the whole page, refetched after signing in or out.
#[derive(Clone, Copy)]
pub struct Auth {
    user: Resource<Result<Option<CurrentUser>, AppError>>,
    version: RwSignal<u32>,
}

impl Auth {
    pub fn refresh(&self) {
        self.version.update(|v| *v += 1);
    }
}

pub fn provide_current_user() {
    let version = RwSignal::new(0);
    let user = Resource::new(move || version.get(), |_| who_am_i());
    provide_context(Auth { user, version });
}

pub(super) fn use_auth() -> Option<Auth> {
    use_context::<Auth>()
}

/// Who is signed in, for pages outside accounts that differ for members (read it inside a
/// `Suspense`/`Transition`). `None` when `provide_current_user` was not called.
pub fn current_user() -> Option<Resource<Result<Option<CurrentUser>, AppError>>> {
    use_auth().map(|auth| auth.user)
}

/// When `value` turns Ok: refresh who is signed in, then go to `to` (if any).
pub(super) fn on_success<T: Clone + Send + Sync + 'static>(
    value: MappedSignal<Option<Result<T, AppError>>>,
    to: Option<&'static str>,
) {
    on_success_next(value, StoredValue::new(None), to);
}

/// The page to go on to after signing up or in (`?next=/pricing`), when it is on this site.
pub(super) fn next_from_query() -> StoredValue<Option<String>> {
    StoredValue::new(use_query_map().read_untracked().get("next").as_deref().and_then(super::model::safe_next))
}

/// When `value` turns Ok: refresh who is signed in, then go to `next`, else `fallback` (if any).
fn on_success_next<T: Clone + Send + Sync + 'static>(
    value: MappedSignal<Option<Result<T, AppError>>>,
    next: StoredValue<Option<String>>,
    fallback: Option<&'static str>,
) {
    let auth = use_auth();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = value.get() {
            if let Some(auth) = auth {
                auth.refresh();
            }
            match next.get_value() {
                // A full load: `next` may be a server route (the emailed portal link), which
                // the client-side router does not know.
                Some(to) => crate::ui::go_to(&to),
                None => {
                    if let Some(to) = fallback {
                        navigate(to, Default::default());
                    }
                }
            }
        }
    });
}

/// The `token` of an emailed link's address.
pub(super) fn token_from_query() -> StoredValue<String> {
    StoredValue::new(use_query_map().read_untracked().get("token").unwrap_or_default())
}

const LINK: &str = "inline-flex min-h-11 items-center rounded-md px-3 text-base text-slate-700 hover:bg-slate-100 dark:text-slate-200 dark:hover:bg-slate-800";

/// Header links: sign in / sign up, or the account link and sign out.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let Some(auth) = use_auth() else { return ().into_any() };
    let sign_out = ServerAction::<SignOut>::new();
    on_success(sign_out.value(), Some("/"));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => view! {
                        <li><A href="/account" attr:class=LINK>{user.display_name}</A></li>
                        <li>
                            <ActionForm action=sign_out>
                                <button type="submit" class=LINK>"Sign out"</button>
                            </ActionForm>
                        </li>
                    }.into_any(),
                    _ => view! {
                        <li><A href="/sign-in" attr:class=LINK>"Sign in"</A></li>
                        <li><A href="/sign-up" attr:class=LINK>"Sign up"</A></li>
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let next = next_from_query();
    let sign_in_href = match next.get_value() {
        Some(next) => format!("/sign-in?next={}", urlencoding_path(&next)),
        None => "/sign-in".to_string(),
    };
    let done = move || matches!(action.value().get(), Some(Ok(_)));
    view! {
        <Title text="Create your account"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Create your account"</h1>
            <Show
                when=done
                fallback=move || view! {
                    <ActionForm action attr:novalidate=true>
                        <Field label="Name" name="display_name" autocomplete="name" maxlength=NAME_MAX hint="How other members see you; 80 characters at most."/>
                        <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=EMAIL_MAX/>
                        <Field label="Password" name="password" kind="password" autocomplete="new-password" maxlength=PASSWORD_MAX hint="At least 10 characters; not a common password."/>
                        {next.get_value().map(|next| view! { <input type="hidden" name="next" value=next/> })}
                        <FormError value=action.value()/>
                        <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Create account"</button>
                    </ActionForm>
                    <p class="mt-6">"Already have an account? " <A href=sign_in_href.clone() attr:class="inline-flex min-h-11 items-center text-indigo-700 underline dark:text-indigo-300">"Sign in"</A></p>
                }
            >
                <p role="status" class="mt-6 rounded-md border border-emerald-700 bg-emerald-50 p-4 text-emerald-950 dark:bg-emerald-950 dark:text-emerald-50">{SIGN_UP_DONE}</p>
            </Show>
        </section>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    on_success_next(action.value(), next_from_query(), Some("/account"));
    view! {
        <Title text="Sign in"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Sign in"</h1>
            <GoogleSignInError/>
            <GoogleSignIn/>
            <ActionForm action attr:novalidate=true>
                <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=EMAIL_MAX/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" maxlength=PASSWORD_MAX/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p class="mt-4"><A href="/forgot-password" attr:class=TEXT_LINK>"Forgot your password?"</A></p>
            <p>"New to Threadr? " <A href="/sign-up" attr:class=TEXT_LINK>"Create an account"</A></p>
            <MagicLinkForm/>
        </section>
    }
}

/// "Email me a sign-in link", under the password form.
#[component]
fn MagicLinkForm() -> impl IntoView {
    let action = ServerAction::<RequestMagicLink>::new();
    view! {
        <section aria-labelledby="magic-title" class="mt-8 border-t border-slate-200 pt-6 dark:border-slate-800">
            <h2 id="magic-title" class="text-xl font-semibold">"Sign in without a password"</h2>
            <ActionForm action attr:novalidate=true>
                <Field label="Email for a sign-in link" name="email" id="magic-email" kind="email" autocomplete="email" maxlength=EMAIL_MAX/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-4 {BUTTON}") disabled=move || action.pending().get()>"Email me a sign-in link"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    view! {
        <Title text="Reset your password"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Reset your password"</h1>
            <p class="mt-2">"We will email you a link to choose a new password. It works once, for an hour."</p>
            <ActionForm action attr:novalidate=true>
                <Field label="Email" name="email" kind="email" autocomplete="email" maxlength=EMAIL_MAX/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Send reset link"</button>
            </ActionForm>
        </section>
    }
}

/// `/reset-password?token=…`
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = token_from_query();
    let action = ServerAction::<ResetPassword>::new();
    on_success(action.value(), Some("/account"));
    view! {
        <Title text="Choose a new password"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Choose a new password"</h1>
            <ActionForm action attr:novalidate=true>
                <input type="hidden" name="token" value=token.get_value()/>
                <Field label="New password" name="password" kind="password" autocomplete="new-password" maxlength=PASSWORD_MAX hint="At least 10 characters; not a common password. Other devices will be signed out."/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Save new password"</button>
            </ActionForm>
        </section>
    }
}

/// `/sign-in/link?token=…`: one click signs in (scanners that open links use nothing up).
#[component]
pub fn MagicLinkPage() -> impl IntoView {
    let token = token_from_query();
    let action = ServerAction::<UseMagicLink>::new();
    on_success(action.value(), Some("/account"));
    view! {
        <Title text="Sign in with your link"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Sign in with your link"</h1>
            <ActionForm action>
                <input type="hidden" name="token" value=token.get_value()/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Sign in to Threadr"</button>
            </ActionForm>
        </section>
    }
}

/// `/verify-email?token=…`: confirming takes a click, so mail scanners that open links do
/// not use the token up.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = token_from_query();
    let action = ServerAction::<ConfirmEmail>::new();
    on_success_next(action.value(), next_from_query(), None);
    view! {
        <Title text="Confirm your email"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Confirm your email"</h1>
            <Show
                when=move || matches!(action.value().get(), Some(Ok(_)))
                fallback=move || view! {
                    <ActionForm action>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <p class="mt-4">"Confirm that this email address is yours to finish setting up your account."</p>
                        <FormError value=action.value()/>
                        <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Confirm my email"</button>
                    </ActionForm>
                }
            >
                <p role="status" class="mt-6">"Your email is confirmed and you are signed in."</p>
                <A href="/account" attr:class=format!("mt-4 {BUTTON}")>"Go to your account"</A>
            </Show>
        </section>
    }
}

/// A site path for a query value (only `/` and unreserved characters are kept as they are).
fn urlencoding_path(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
