//! Stripe Connect in the fake: Express accounts (`POST /v1/accounts`, `GET /v1/accounts/{id}`),
//! onboarding links (`POST /v1/account_links`) and the hosted onboarding page the browser meets.
//!
//! A new account can take no charges and Stripe asks for its owner's details. The hosted page
//! `GET /connect/{link}` offers "Finish onboarding" (`/connect/{link}/finish`: charges and
//! payouts enabled, nothing more due, 303 to the link's `return_url`) and "Leave for now"
//! (`/connect/{link}/leave`: 303 to `return_url` with the account unchanged). A link is single
//! use, as Stripe's are: opening it again sends the browser to its `refresh_url`.

use axum::{
    extract::{Path, State},
    response::{Html, IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{Answer, FakeStripe, Inner, escape, missing, no_such, now, ok, page, param, redirect};

/// What Stripe asks a new Express account for before it may take charges.
const NEW_ACCOUNT_REQUIREMENTS: [&str; 4] =
    ["business_profile.url", "external_account", "individual.verification.document", "tos_acceptance.date"];

pub(super) const ACCOUNT_PARAMS: &[&str] =
    &["type", "email", "country", "capabilities", "business_type", "metadata", "expand"];
pub(super) const ACCOUNT_LINK_PARAMS: &[&str] = &["account", "type", "refresh_url", "return_url", "collect", "expand"];

pub(super) struct Link {
    account: String,
    refresh_url: String,
    return_url: String,
    used: bool,
}

/// An Express account object as Stripe's API answers it. `enabled`: onboarding finished.
pub fn account_object(id: &str, email: Option<&str>, enabled: bool, created: i64) -> Value {
    let due: Vec<&str> = if enabled { Vec::new() } else { NEW_ACCOUNT_REQUIREMENTS.to_vec() };
    let status = if enabled { "active" } else { "inactive" };
    json!({
        "id": id,
        "object": "account",
        "business_profile": { "mcc": null, "name": null, "product_description": null, "support_address": null,
                              "support_email": null, "support_phone": null, "support_url": null, "url": null },
        "business_type": if enabled { json!("individual") } else { Value::Null },
        "capabilities": { "card_payments": status, "transfers": status },
        "charges_enabled": enabled,
        "controller": { "fees": { "payer": "application" }, "is_controller": true,
                        "losses": { "payments": "application" }, "requirement_collection": "stripe",
                        "stripe_dashboard": { "type": "express" }, "type": "application" },
        "country": "US",
        "created": created,
        "default_currency": "usd",
        "details_submitted": enabled,
        "email": email,
        "external_accounts": { "object": "list", "data": [], "has_more": false, "url": format!("/v1/accounts/{id}/external_accounts") },
        "future_requirements": { "alternatives": [], "current_deadline": null, "currently_due": [], "disabled_reason": null,
                                 "errors": [], "eventually_due": [], "past_due": [], "pending_verification": [] },
        "metadata": {},
        "payouts_enabled": enabled,
        "requirements": {
            "alternatives": [],
            "current_deadline": null,
            "currently_due": due,
            "disabled_reason": if enabled { Value::Null } else { json!("requirements.past_due") },
            "errors": [],
            "eventually_due": due,
            "past_due": due,
            "pending_verification": []
        },
        "settings": null,
        "tos_acceptance": { "date": if enabled { json!(created) } else { Value::Null } },
        "type": "express"
    })
}

pub(super) fn create_account(inner: &mut Inner, params: &[(String, String)]) -> Answer {
    match param(params, "type") {
        None => return missing("type"),
        Some("express") => {}
        Some(other) => {
            return super::invalid("type", None, &format!("The fake only creates express accounts, not {other:?}."));
        }
    }
    let id = inner.id("acct_");
    let mut account = account_object(&id, param(params, "email"), false, now());
    account["metadata"] = Value::Object(super::nested(params, "metadata"));
    inner.accounts.insert(id, account.clone());
    ok(account)
}

pub(super) fn retrieve_account(inner: &Inner, id: &str) -> Answer {
    inner.accounts.get(id).cloned().map_or_else(|| no_such("account", id, "account"), ok)
}

pub(super) fn create_link(inner: &mut Inner, origin: &str, params: &[(String, String)]) -> Answer {
    let Some(account) = param(params, "account") else { return missing("account") };
    if !inner.accounts.contains_key(account) {
        return no_such("account", account, "account");
    }
    match param(params, "type") {
        None => return missing("type"),
        Some("account_onboarding" | "account_update") => {}
        Some(other) => return super::invalid("type", None, &format!("Invalid type: {other:?}.")),
    }
    let (Some(refresh_url), Some(return_url)) = (param(params, "refresh_url"), param(params, "return_url")) else {
        return missing(if param(params, "refresh_url").is_none() { "refresh_url" } else { "return_url" });
    };
    let link_id = inner.id("link_");
    let created = now();
    inner.account_links.insert(
        link_id.clone(),
        Link {
            account: account.to_string(),
            refresh_url: refresh_url.to_string(),
            return_url: return_url.to_string(),
            used: false,
        },
    );
    ok(json!({
        "object": "account_link",
        "created": created,
        "expires_at": created + 300,
        "url": format!("{origin}/connect/{link_id}")
    }))
}

impl FakeStripe {
    /// The account as `GET /v1/accounts/{id}` answers it.
    pub fn account(&self, id: &str) -> Option<Value> {
        self.lock().accounts.get(id).cloned()
    }

    /// Onboarding finished (as the hosted page's button does); returns the updated account.
    pub fn finish_onboarding(&self, id: &str) -> Option<Value> {
        let mut inner = self.lock();
        let account = inner.accounts.get_mut(id)?;
        let email = account["email"].as_str().map(str::to_string);
        let created = account["created"].as_i64().unwrap_or_else(now);
        let metadata = account["metadata"].clone();
        *account = account_object(id, email.as_deref(), true, created);
        account["metadata"] = metadata;
        Some(account.clone())
    }
}

/// Opens a link once; a second visit goes to its `refresh_url`, as an expired link would.
fn open(fake: &FakeStripe, link: &str) -> Result<(String, String), Box<Response>> {
    let mut inner = fake.lock();
    let Some(found) = inner.account_links.get_mut(link) else { return Err(Box::new(super::not_found_page())) };
    if found.used {
        return Err(Box::new(redirect(&found.refresh_url)));
    }
    Ok((found.account.clone(), found.return_url.clone()))
}

pub(super) async fn onboarding_page(State(fake): State<FakeStripe>, Path(link): Path<String>) -> Response {
    let (account, _) = match open(&fake, &link) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let body = format!(
        "<h1>Set up payouts for your shop</h1><p>Stripe Express onboarding for account {}.</p>\
         <p><a href=\"/connect/{link}/finish\">Finish onboarding</a></p>\
         <p><a href=\"/connect/{link}/leave\">Leave for now</a></p>",
        escape(&account)
    );
    Html(page("Stripe Express onboarding (fake)", &body)).into_response()
}

pub(super) async fn finish(State(fake): State<FakeStripe>, Path(link): Path<String>) -> Response {
    let (account, return_url) = match open(&fake, &link) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    fake.finish_onboarding(&account);
    use_up(&fake, &link);
    redirect(&return_url)
}

pub(super) async fn leave(State(fake): State<FakeStripe>, Path(link): Path<String>) -> Response {
    let (_, return_url) = match open(&fake, &link) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    use_up(&fake, &link);
    redirect(&return_url)
}

fn use_up(fake: &FakeStripe, link: &str) {
    if let Some(found) = fake.lock().account_links.get_mut(link) {
        found.used = true;
    }
}
