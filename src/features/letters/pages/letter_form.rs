//! The guided form, grouped in fieldsets, every field labelled with its own error. Used to
//! start a letter and to change a draft.

use leptos::prelude::*;

use super::common::{AreaField, INPUT, TextField};
use crate::features::letters::model::{
    ADDRESS_MAX, DATES_MAX, EMAIL_MAX, FACTS_MAX, FieldErrors, FieldName, LetterInput, LetterType, NAME_MAX,
    OUTCOME_MAX,
};

const LEGEND: &str = "text-xl font-semibold";
const FIELDSET: &str = "mt-6 rounded-lg border border-slate-300 p-4 dark:border-slate-700";

/// A field's value and setter on the shared form signal.
macro_rules! field {
    ($input:ident, $name:ident) => {
        (
            Signal::derive(move || $input.with(|i| i.$name.clone())),
            Callback::new(move |v: String| $input.update(|i| i.$name = v)),
        )
    };
}

#[component]
pub fn LetterFields(input: RwSignal<LetterInput>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let error = move |f: FieldName| Signal::derive(move || errors.with(|e| e.get(f)));
    let (sender_name, set_sender_name) = field!(input, sender_name);
    let (sender_address, set_sender_address) = field!(input, sender_address);
    let (sender_email, set_sender_email) = field!(input, sender_email);
    let (recipient_name, set_recipient_name) = field!(input, recipient_name);
    let (recipient_address, set_recipient_address) = field!(input, recipient_address);
    let (recipient_email, set_recipient_email) = field!(input, recipient_email);
    let (facts, set_facts) = field!(input, facts);
    let (dates, set_dates) = field!(input, relevant_dates);
    let (amount, set_amount) = field!(input, amount);
    let (currency, set_currency) = field!(input, currency);
    let (outcome, set_outcome) = field!(input, desired_outcome);
    let (deadline, set_deadline) = field!(input, deadline);
    let type_error = error(FieldName::LetterType);
    let facts_count = Memo::new(move |_| facts.with(|f| f.chars().count()));
    view! {
        <fieldset class=FIELDSET>
            <legend class=LEGEND>"The letter"</legend>
            <div class="mt-2">
                <label for="letter-type" class="block font-medium">"Letter type (required)"</label>
                <select
                    id="letter-type"
                    class=INPUT
                    aria-invalid=move || type_error.get().is_some().to_string()
                    aria-describedby="letter-type-hint letter-type-error"
                    on:change=move |e| input.update(|i| i.letter_type = event_target_value(&e))
                >
                    <option value="" selected=move || input.with(|i| i.letter_type.is_empty())>"Choose a type…"</option>
                    {LetterType::ALL
                        .into_iter()
                        .map(|t| view! {
                            <option value=t.as_str() selected=move || input.with(|i| i.letter_type == t.as_str())>{t.label()}</option>
                        })
                        .collect_view()}
                </select>
                <p id="letter-type-hint" class="text-sm text-slate-700 dark:text-slate-300">
                    {move || input.with(|i| i.letter_type.parse::<LetterType>().ok()).map(|t| format!("For letters that {}.", t.purpose()))}
                </p>
                <p id="letter-type-error" role="alert" class="mt-1 text-sm text-red-700 empty:hidden dark:text-red-300">{move || type_error.get()}</p>
            </div>
        </fieldset>
        <fieldset class=FIELDSET>
            <legend class=LEGEND>"You (the sender)"</legend>
            <TextField label="Your name" id="sender-name" value=sender_name on_change=set_sender_name error=error(FieldName::SenderName) autocomplete="name" maxlength=NAME_MAX required=true/>
            <AreaField label="Your postal address" id="sender-address" value=sender_address on_change=set_sender_address error=error(FieldName::SenderAddress) rows=3 maxlength=ADDRESS_MAX hint="Printed at the top of the letter."/>
            <TextField label="Your email" id="sender-email" kind="email" value=sender_email on_change=set_sender_email error=error(FieldName::SenderEmail) autocomplete="email" maxlength=EMAIL_MAX/>
        </fieldset>
        <fieldset class=FIELDSET>
            <legend class=LEGEND>"The recipient"</legend>
            <TextField label="Recipient's name" id="recipient-name" value=recipient_name on_change=set_recipient_name error=error(FieldName::RecipientName) maxlength=NAME_MAX required=true hint="A person or a company."/>
            <AreaField label="Recipient's postal address" id="recipient-address" value=recipient_address on_change=set_recipient_address error=error(FieldName::RecipientAddress) rows=3 maxlength=ADDRESS_MAX hint="An address or an email is needed to send the letter."/>
            <TextField label="Recipient's email" id="recipient-email" kind="email" value=recipient_email on_change=set_recipient_email error=error(FieldName::RecipientEmail) maxlength=EMAIL_MAX hint="Needed if the letter is to be sent by email."/>
        </fieldset>
        <fieldset class=FIELDSET>
            <legend class=LEGEND>"What happened"</legend>
            <AreaField label="What happened" id="facts" value=facts on_change=set_facts error=error(FieldName::Facts) rows=8 maxlength=FACTS_MAX required=true hint="The facts in your own words: who, what, when. Only these facts go into the letter."/>
            <p class="mt-1 text-sm text-slate-700 dark:text-slate-300" aria-live="polite">
                {move || format!("{} of {} characters", facts_count.get(), FACTS_MAX)}
            </p>
            <AreaField label="Relevant dates" id="relevant-dates" value=dates on_change=set_dates error=error(FieldName::RelevantDates) rows=3 maxlength=DATES_MAX hint="For example: invoice sent 1 September; due 1 October."/>
        </fieldset>
        <fieldset class=FIELDSET>
            <legend class=LEGEND>"What you want"</legend>
            <AreaField label="What you want" id="desired-outcome" value=outcome on_change=set_outcome error=error(FieldName::DesiredOutcome) rows=3 maxlength=OUTCOME_MAX required=true hint="The outcome you ask for, such as payment in full or a refund."/>
            <div class="grid gap-x-4 sm:grid-cols-[1fr_8rem]">
                <TextField label="Amount" id="amount" value=amount on_change=set_amount error=error(FieldName::Amount) hint="Optional, like 1234.50." autocomplete="off" maxlength=20/>
                <TextField label="Currency" id="currency" value=currency on_change=set_currency error=error(FieldName::Currency) hint="USD if empty." maxlength=3 autocomplete="off"/>
            </div>
            <TextField label="Deadline" id="deadline" kind="date" value=deadline on_change=set_deadline error=error(FieldName::Deadline) hint="Optional: the date by which you expect a reply. Not in the past."/>
        </fieldset>
    }
}
