//! `/account` and its sub-pages: profile, email, password, referral link, devices and
//! account deletion.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::{
    ChangeEmail, ChangePassword, ConfirmEmailChange, DeleteAccount, EndSession, UpdateProfile, my_profile, my_sessions,
};
use super::model::{BIO_MAX, DeviceSession, Profile, avatar_initials};
use crate::features::accounts::{
    EMAIL_MAX, NAME_MAX, PASSWORD_MAX, SignOutEverywhere,
    pages::{on_success, token_from_query, use_auth},
};
use crate::ui::form::{BUTTON, BUTTON_DANGER, BUTTON_SECONDARY, FormError, Outcome, TextArea};
use crate::ui::{Field, loaded};

const SECTION: &str = "mt-8 border-t border-slate-200 pt-6 dark:border-slate-800";

/// The account area's own navigation.
#[component]
pub fn AccountNav(current: &'static str) -> impl IntoView {
    let link = move |href: &'static str, label: &'static str| {
        let here = href == current;
        view! {
            <li>
                <A href=href attr:aria-current=here.then_some("page") attr:class=if here {
                    "inline-flex min-h-11 items-center rounded-md bg-indigo-700 px-3 font-semibold text-white"
                } else {
                    "inline-flex min-h-11 items-center rounded-md px-3 text-indigo-700 underline underline-offset-4 hover:bg-slate-100 dark:text-indigo-300 dark:hover:bg-slate-800"
                }>{label}</A>
            </li>
        }
    };
    view! {
        <nav aria-label="Account" class="mb-6">
            <ul class="flex flex-wrap gap-2">
                {link("/account", "Profile")}
                {link("/account/addresses", "Addresses")}
                {link("/account/sessions", "Devices")}
                {link("/account/billing", "Billing")}
                {link("/account/referrals", "Referrals")}
                {link("/account/delete", "Delete account")}
            </ul>
        </nav>
    }
}

/// `/account`: profile, email, password and the referral link; a banner until the email is
/// confirmed.
#[component]
pub fn AccountPage() -> impl IntoView {
    // Loaded once: the forms below show their own outcome, which a reload would wipe.
    let profile = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="Your account"/>
        {loaded(profile, 8, "Loading your account…", move |p| view! { <AccountView profile=p/> })}
    }
}

#[component]
fn AccountView(profile: Profile) -> impl IntoView {
    let initials = avatar_initials(&profile.display_name);
    view! {
        {(!profile.verified).then(|| view! {
            <p role="status" class="mb-6 rounded-md border border-amber-700 bg-amber-50 p-4 text-amber-950 dark:bg-amber-950 dark:text-amber-50">
                "Please confirm your email address with the link we sent you. Until then you cannot pay or sell."
            </p>
        })}
        <div class="flex items-center gap-4">
            <span aria-hidden="true" class="inline-flex size-14 items-center justify-center rounded-full bg-indigo-700 text-xl font-bold text-white">{initials}</span>
            <div>
                <h1 class="text-3xl font-bold">"Your account"</h1>
                <p class="break-all text-slate-700 dark:text-slate-300">{profile.email.clone()}</p>
            </div>
        </div>
        <AccountNav current="/account"/>
        <ProfileForm profile=profile.clone()/>
        <EmailForm profile=profile.clone()/>
        <PasswordForm has_password=profile.has_password/>
        <Referral link=profile.referral_link.clone() count=profile.referred_members/>
    }
}

#[component]
fn ProfileForm(profile: Profile) -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let auth = use_auth();
    // The header shows the new name.
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(auth)) = (action.value().get(), auth) {
            auth.refresh();
        }
    });
    view! {
        <section aria-labelledby="profile-title">
            <h2 id="profile-title" class="text-xl font-semibold">"Profile"</h2>
            <ActionForm action attr:novalidate=true>
                <Field label="Display name" name="display_name" autocomplete="name" maxlength=NAME_MAX value=profile.display_name hint="How other members see you; 80 characters at most."/>
                <TextArea label="Bio" name="bio" maxlength=BIO_MAX value=profile.bio hint="A few words for your public profile; 500 characters at most."/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-4 {BUTTON}") disabled=move || action.pending().get()>"Save profile"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailForm(profile: Profile) -> impl IntoView {
    let action = ServerAction::<ChangeEmail>::new();
    view! {
        <section aria-labelledby="email-title" class=SECTION>
            <h2 id="email-title" class="text-xl font-semibold">"Email address"</h2>
            {profile.pending_email.map(|pending| view! {
                <p class="mt-2">"Waiting for confirmation: " <span class="break-all font-medium">{pending}</span></p>
            })}
            <ActionForm action attr:novalidate=true>
                <Field label="New email address" name="new_email" kind="email" autocomplete="email" maxlength=EMAIL_MAX hint="We send a link to the new address; your account keeps the current one until you use it."/>
                <CurrentPassword has_password=profile.has_password id="email-current-password"/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-4 {BUTTON}") disabled=move || action.pending().get()>"Change email"</button>
            </ActionForm>
        </section>
    }
}

/// The current password, asked again before security changes (not for accounts without one).
#[component]
fn CurrentPassword(has_password: bool, id: &'static str) -> impl IntoView {
    if has_password {
        view! { <Field label="Current password" name="current_password" id kind="password" autocomplete="current-password" maxlength=PASSWORD_MAX/> }.into_any()
    } else {
        view! { <input type="hidden" name="current_password" value=""/> }.into_any()
    }
}

#[component]
fn PasswordForm(has_password: bool) -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    view! {
        <section aria-labelledby="password-title" class=SECTION>
            <h2 id="password-title" class="text-xl font-semibold">{if has_password { "Password" } else { "Set a password" }}</h2>
            <ActionForm action attr:novalidate=true>
                <CurrentPassword has_password id="password-current-password"/>
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" maxlength=PASSWORD_MAX hint="At least 10 characters; not a common password. Other devices will be signed out."/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-4 {BUTTON}") disabled=move || action.pending().get()>{if has_password { "Change password" } else { "Set password" }}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Referral(link: String, count: i64) -> impl IntoView {
    view! {
        <section aria-labelledby="referral-title" class=SECTION>
            <h2 id="referral-title" class="text-xl font-semibold">"Invite friends"</h2>
            <p class="mt-2">"People who sign up within 30 days of opening your link count as referred by you."</p>
            <label for="referral-link" class="mt-4 block font-medium">"Your referral link"</label>
            <input id="referral-link" readonly value=link class="mt-1 block min-h-11 w-full rounded-md border border-slate-400 bg-slate-50 px-3 dark:border-slate-600 dark:bg-slate-900"/>
            <p class="mt-2">{format!("Members you referred: {count}")}</p>
        </section>
    }
}

/// `/account/confirm-email?token=…`: finishes an email change (a click, so mail scanners that
/// open links use nothing up).
#[component]
pub fn ConfirmEmailChangePage() -> impl IntoView {
    let token = token_from_query();
    let action = ServerAction::<ConfirmEmailChange>::new();
    on_success(action.value(), None);
    view! {
        <Title text="Confirm your new email"/>
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Confirm your new email"</h1>
            <ActionForm action>
                <input type="hidden" name="token" value=token.get_value()/>
                <Outcome value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Use this email address"</button>
            </ActionForm>
        </section>
    }
}

/// `/account/sessions`: every signed-in browser, with a way to end each one.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let sessions = Resource::new(move || end.version().get(), |_| my_sessions());
    view! {
        <Title text="Your devices"/>
        <h1 class="text-3xl font-bold">"Your devices"</h1>
        <AccountNav current="/account/sessions"/>
        <p>"Browsers and devices signed in to your account. End any you do not recognise."</p>
        <FormError value=end.value()/>
        {loaded(sessions, 4, "Loading your devices…", move |list: Vec<DeviceSession>| view! {
            <ul class="mt-4 divide-y divide-slate-200 dark:divide-slate-800">
                {list.into_iter().map(|s| view! { <SessionRow session=s end/> }).collect_view()}
            </ul>
        })}
        <SignOutEverywhereButton/>
    }
}

#[component]
fn SessionRow(session: DeviceSession, end: ServerAction<EndSession>) -> impl IntoView {
    let device = session.device();
    let label = format!("End session on {device}");
    let seen = crate::ui::when(session.last_seen_at);
    let since = session.signed_in_at.format("%-d %b %Y").to_string();
    view! {
        <li class="flex flex-wrap items-center justify-between gap-3 py-3">
            <div>
                <p class="font-medium">{device}{session.current.then(|| view! { <span class="ml-2 rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-900 dark:text-emerald-50">"This device"</span> })}</p>
                <p class="text-sm text-slate-700 dark:text-slate-300">
                    {format!("Signed in {since} · last active {seen}")}
                    {session.ip.map(|ip| format!(" · {ip}"))}
                </p>
            </div>
            {(!session.current).then(|| view! {
                <ActionForm action=end>
                    <input type="hidden" name="id" value=session.id.to_string()/>
                    <button type="submit" class=BUTTON_SECONDARY aria-label=label.clone()>"End session"</button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn SignOutEverywhereButton() -> impl IntoView {
    let action = ServerAction::<SignOutEverywhere>::new();
    on_success(action.value(), Some("/sign-in"));
    view! {
        <section aria-labelledby="everywhere-title" class=SECTION>
            <h2 id="everywhere-title" class="text-xl font-semibold">"Sign out everywhere"</h2>
            <p class="mt-2">"Lost a device? Sign out on every device and browser, this one included."</p>
            <ActionForm action>
                <button type="submit" class=format!("mt-4 {BUTTON}")>"Sign out everywhere"</button>
            </ActionForm>
        </section>
    }
}

/// `/account/delete`: deleting needs the email typed again (and the password).
#[component]
pub fn DeleteAccountPage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="Delete your account"/>
        <h1 class="text-3xl font-bold">"Delete your account"</h1>
        <AccountNav current="/account/delete"/>
        {loaded(profile, 4, "Loading…", |p: Profile| view! { <DeleteForm profile=p/> })}
    }
}

#[component]
fn DeleteForm(profile: Profile) -> impl IntoView {
    let action = ServerAction::<DeleteAccount>::new();
    on_success(action.value(), Some("/?deleted=1"));
    view! {
        <section class="max-w-xl">
            <p>"Deleting your account signs you out everywhere and erases your name, email, bio, addresses and sign-in methods. Orders and payments stay on record, without your name, because we must keep them for accounting. This cannot be undone."</p>
            <ActionForm action attr:novalidate=true>
                <Field label="Type your email address to confirm" name="confirm_email" kind="email" autocomplete="off" maxlength=EMAIL_MAX/>
                <p class="text-sm text-slate-700 dark:text-slate-300">{format!("Your email address is {}", profile.email)}</p>
                <CurrentPassword has_password=profile.has_password id="delete-current-password"/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON_DANGER}") disabled=move || action.pending().get()>"Delete my account"</button>
            </ActionForm>
        </section>
    }
}
