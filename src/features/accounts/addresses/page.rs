//! `/account/addresses`: the member's shipping addresses.

use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use super::api::{DeleteAddress, SaveAddress, SetDefaultAddress, my_addresses};
use super::countries::COUNTRIES;
use super::model::{ADDRESSES_MAX, Address, Limits};
use crate::features::accounts::settings::AccountNav;
use crate::ui::form::{BUTTON, BUTTON_SECONDARY, FormError, Select};
use crate::ui::{Field, loaded};

#[component]
pub fn AddressesPage() -> impl IntoView {
    let save = ServerAction::<SaveAddress>::new();
    let remove = ServerAction::<DeleteAddress>::new();
    let make_default = ServerAction::<SetDefaultAddress>::new();
    let editing = RwSignal::new(None::<Uuid>);
    let addresses = Resource::new(
        move || (save.version().get(), remove.version().get(), make_default.version().get()),
        |_| my_addresses(),
    );
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <Title text="Your addresses"/>
        <h1 class="text-3xl font-bold">"Your addresses"</h1>
        <AccountNav current="/account/addresses"/>
        <FormError value=remove.value()/>
        <FormError value=make_default.value()/>
        {loaded(addresses, 4, "Loading your addresses…", move |list: Vec<Address>| {
            let count = list.len();
            view! {
                {list.is_empty().then(|| view! {
                    <p class="rounded-md border border-dashed border-slate-400 p-6 text-center">"No addresses yet. Add one below and checkout will use it."</p>
                })}
                <ul class="grid gap-4 sm:grid-cols-2">
                    {list.into_iter().map(|a| view! { <AddressCard address=a save editing remove make_default/> }).collect_view()}
                </ul>
                <p class="mt-4 text-sm text-slate-700 dark:text-slate-300">{format!("{count} of {ADDRESSES_MAX} addresses")}</p>
            }
        })}
        <Show when=move || editing.get().is_none()>
            <section aria-labelledby="add-title" class="mt-8 max-w-xl border-t border-slate-200 pt-6 dark:border-slate-800">
                <h2 id="add-title" class="text-xl font-semibold">"Add an address"</h2>
                <AddressForm save address=None/>
            </section>
        </Show>
    }
}

#[component]
fn AddressCard(
    address: Address,
    save: ServerAction<SaveAddress>,
    editing: RwSignal<Option<Uuid>>,
    remove: ServerAction<DeleteAddress>,
    make_default: ServerAction<SetDefaultAddress>,
) -> impl IntoView {
    let id = address.id;
    let name = format!("{}, {}", address.full_name, address.line1);
    let stored = StoredValue::new(address.clone());
    view! {
        <li class="rounded-md border border-slate-300 p-4 dark:border-slate-700">
            <Show
                when=move || editing.get() == Some(id)
                fallback=move || {
                    let a = stored.get_value();
                    let (edit_label, default_label, delete_label) =
                        (format!("Edit {name}"), format!("Make {name} the default"), format!("Delete {name}"));
                    view! {
                        {a.is_default.then(|| view! { <p class="mb-2 text-sm font-semibold text-emerald-800 dark:text-emerald-300">"Default address"</p> })}
                        <address class="not-italic">
                            {a.lines().into_iter().map(|l| view! { <span class="block break-words">{l}</span> }).collect_view()}
                        </address>
                        <div class="mt-3 flex flex-wrap gap-2">
                            <button type="button" class=BUTTON_SECONDARY aria-label=edit_label on:click=move |_| editing.set(Some(id))>"Edit"</button>
                            {(!a.is_default).then(|| view! {
                                <ActionForm action=make_default>
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <button type="submit" class=BUTTON_SECONDARY aria-label=default_label.clone()>"Make default"</button>
                                </ActionForm>
                            })}
                            <ActionForm action=remove>
                                <input type="hidden" name="id" value=id.to_string()/>
                                <button type="submit" class=BUTTON_SECONDARY aria-label=delete_label>"Delete"</button>
                            </ActionForm>
                        </div>
                    }
                }
            >
                <h2 class="text-lg font-semibold">"Edit address"</h2>
                <AddressForm save address=Some(stored.get_value())/>
                <button type="button" class=format!("mt-2 {BUTTON_SECONDARY}") on:click=move |_| editing.set(None)>"Cancel"</button>
            </Show>
        </li>
    }
}

/// The add / edit form. Field names nest under `address[…]` (the server function's struct).
/// Checkout shows it too, for a new address without leaving the page.
#[component]
pub fn AddressForm(save: ServerAction<SaveAddress>, address: Option<Address>) -> impl IntoView {
    let a = address.clone().unwrap_or(Address {
        id: Uuid::nil(),
        full_name: String::new(),
        line1: String::new(),
        line2: String::new(),
        city: String::new(),
        region: String::new(),
        postal_code: String::new(),
        country: String::new(),
        phone: String::new(),
        is_default: false,
    });
    let editing = address.is_some();
    view! {
        <ActionForm action=save attr:novalidate=true>
            {editing.then(|| view! { <input type="hidden" name="id" value=a.id.to_string()/> })}
            <Field label="Full name" name="address[full_name]" autocomplete="shipping name" maxlength=Limits::FULL_NAME value=a.full_name hint="80 characters at most."/>
            <Field label="Address line 1" name="address[line1]" autocomplete="shipping address-line1" maxlength=Limits::LINE value=a.line1 hint="Street and number; 100 characters at most."/>
            <Field label="Address line 2 (optional)" name="address[line2]" autocomplete="shipping address-line2" maxlength=Limits::LINE value=a.line2/>
            <Field label="City" name="address[city]" autocomplete="shipping address-level2" maxlength=Limits::CITY value=a.city/>
            <Field label="State or region (optional)" name="address[region]" autocomplete="shipping address-level1" maxlength=Limits::REGION value=a.region/>
            <Field label="Postal code" name="address[postal_code]" autocomplete="shipping postal-code" maxlength=Limits::POSTAL_CODE value=a.postal_code hint="Letters, digits, spaces and hyphens; 12 characters at most."/>
            <Select label="Country" name="address[country]" options=COUNTRIES selected=a.country placeholder="Choose a country" autocomplete="shipping country"/>
            <Field label="Phone (optional)" name="address[phone]" kind="tel" autocomplete="shipping tel" maxlength=Limits::PHONE value=a.phone hint="For the courier; digits, spaces and + - ( )."/>
            {(!a.is_default).then(|| view! {
                <div class="mt-4 flex min-h-11 items-center gap-3">
                    <input id=if editing { "make-default-edit" } else { "make-default" } type="checkbox" name="make_default" value="on" class="size-5"/>
                    <label for=if editing { "make-default-edit" } else { "make-default" }>"Make this my default address"</label>
                </div>
            })}
            <FormError value=save.value()/>
            <button type="submit" class=format!("mt-4 {BUTTON}") disabled=move || save.pending().get()>{if editing { "Save address" } else { "Add address" }}</button>
        </ActionForm>
    }
}
