//! The admin area: `/admin` asks for the admin portal key when ADMIN_PORTAL_KEY is set, then
//! lists the admin tools. Every admin server function is guarded by `require_admin`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::features::accounts::{AdminStepUp, admin_gate};
use crate::ui::form::{BUTTON, FormError, TEXT_LINK};
use crate::ui::{Field, loaded};

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let step_up = ServerAction::<AdminStepUp>::new();
    let gate = Resource::new(move || step_up.version().get(), |_| admin_gate());
    view! {
        <Title text="Admin"/>
        {loaded(gate, 3, "Loading the admin area…", move |needs_key| {
            if needs_key {
                view! { <StepUpForm action=step_up/> }.into_any()
            } else {
                view! { <AdminHome/> }.into_any()
            }
        })}
    }
}

#[component]
fn StepUpForm(action: ServerAction<AdminStepUp>) -> impl IntoView {
    view! {
        <section class="mx-auto max-w-md">
            <h1 class="text-3xl font-bold">"Admin portal key"</h1>
            <p class="mt-2">"Enter the admin portal key to open the admin area. You are asked once per session."</p>
            <ActionForm action attr:novalidate=true>
                <Field label="Admin portal key" name="key" kind="password" autocomplete="off" maxlength=200/>
                <FormError value=action.value()/>
                <button type="submit" class=format!("mt-6 {BUTTON}") disabled=move || action.pending().get()>"Open the admin area"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn AdminHome() -> impl IntoView {
    view! {
        <h1 class="text-3xl font-bold">"Admin"</h1>
        <ul class="mt-6 space-y-2">
            <li><A href="/admin/mail" attr:class=TEXT_LINK>"Dev mailbox"</A></li>
        </ul>
    }
}
