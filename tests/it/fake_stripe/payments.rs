//! Marketplace payments in the fake: one Checkout payment for a cart of several sellers' items,
//! then "separate charges and transfers" (Stripe Connect) as Stripe answers them.
//!
//! - `POST /v1/checkout/sessions` in `payment` mode with ad-hoc prices:
//!   `line_items[i][price_data][currency|unit_amount]`, `[price_data][product_data][name]` and
//!   `[product_data][metadata][…]`, `line_items[i][quantity]`, `line_items[i][metadata][…]`,
//!   `payment_intent_data[transfer_group|description|metadata][…]` and `expires_at` (30 minutes
//!   to 24 hours from now). A session whose items all name catalog `price`s stays the parent
//!   module's (the pass and the subscriptions, unchanged). Checkout's product for a line is not
//!   served: its `product_data[metadata]` is taken and dropped (the request log keeps it).
//! - `GET /v1/checkout/sessions/{id}/line_items` (of these sessions) and
//!   `POST /v1/checkout/sessions/{id}/expire` (of any open session).
//! - `GET /v1/payment_intents/{id}`, `GET /v1/charges/{id}`.
//! - `POST /v1/transfers`, `GET /v1/transfers/{id}`,
//!   `GET /v1/transfers?transfer_group=…&destination=…` (newest first).
//! - `POST /v1/transfers/{id}/reversals`, `GET /v1/transfers/{id}/reversals`.
//! - `POST /v1/refunds`, `GET /v1/refunds/{id}`.
//!
//! Paying such a session (the hosted page `GET /pay/{id}` or [`FakeStripe::pay`]) makes a
//! succeeded PaymentIntent and its Charge (card 4242, the PaymentIntent's `transfer_group`,
//! `description` and `metadata` from `payment_intent_data`); [`FakeStripe::fail_payment`] is a
//! declined card (the PaymentIntent `requires_payment_method` with a `last_payment_error`, a
//! failed Charge, the session still open; a later payment reuses the PaymentIntent, as Checkout
//! does). An expired session cannot be paid: its page answers 400.
//!
//! Transfers check what Stripe checks: a known destination (once the fake has Connect accounts,
//! any other `acct_…` is "No such destination"; one whose `transfers` capability is not active
//! is refused), and with a `source_transaction` a succeeded charge in the same currency whose
//! amount less refunds covers every transfer from it (less their reversals); such a transfer
//! without a `transfer_group` takes the charge's. Without a source the platform's balance is
//! not modelled: the transfer is made. Refunds and reversals refuse more than what is left with
//! Stripe's messages. Money moved is not otherwise checked (no balances, no payouts, no fees).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

use super::{
    Answer, CHECKOUT_PARAMS, CatalogPrice, FakeStripe, Inner, RETRIEVE_PARAMS, SessionParts, catalog, escape, invalid,
    missing, nested, no_such, not_found_page, now, object, ok, page, param, redirect, session_value, stripe_error,
    suffix, unknown_param, url_param,
};

const TRANSFER_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "description",
    "destination",
    "expand",
    "metadata",
    "source_transaction",
    "source_type",
    "transfer_group",
];
const LIST_TRANSFER_PARAMS: &[&str] =
    &["created", "destination", "ending_before", "expand", "limit", "starting_after", "transfer_group"];
const REVERSAL_PARAMS: &[&str] = &["amount", "description", "expand", "metadata", "refund_application_fee"];
const REFUND_PARAMS: &[&str] = &[
    "amount",
    "charge",
    "currency",
    "customer",
    "expand",
    "instructions_email",
    "metadata",
    "origin",
    "payment_intent",
    "reason",
    "refund_application_fee",
    "reverse_transfer",
];
const PAGE_PARAMS: &[&str] = &["ending_before", "expand", "limit", "starting_after"];
const PAYMENT_INTENT_RETRIEVE_PARAMS: &[&str] = &["client_secret", "expand"];

/// What Stripe takes inside `line_items[i]`, `[price_data]`, `[product_data]` and
/// `payment_intent_data`: anything else is refused by its full name, as Stripe does.
const LINE_ITEM_KEYS: &[&str] =
    &["adjustable_quantity", "dynamic_tax_rates", "metadata", "price", "price_data", "quantity", "tax_rates"];
const PRICE_DATA_KEYS: &[&str] =
    &["currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount", "unit_amount_decimal"];
const PRODUCT_DATA_KEYS: &[&str] =
    &["description", "images", "metadata", "name", "tax_code", "tax_details", "unit_label"];
const PAYMENT_INTENT_DATA_KEYS: &[&str] = &[
    "application_fee_amount",
    "capture_method",
    "description",
    "metadata",
    "on_behalf_of",
    "receipt_email",
    "setup_future_usage",
    "shipping",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_data",
    "transfer_group",
];
/// Real parameters of destination charges and manual capture, which the fake does not model:
/// refused rather than silently ignored.
const UNMODELLED_PAYMENT_INTENT_DATA: &[&str] =
    &["application_fee_amount", "capture_method", "on_behalf_of", "setup_future_usage", "transfer_data"];

/// Stripe's zero-decimal currencies: amounts are whole units.
const ZERO_DECIMAL: &[&str] =
    &["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];

/// A payment-mode session with ad-hoc prices, beyond its public object.
struct Plan {
    /// Its line items as `GET …/line_items` lists them.
    items: Vec<Value>,
    amount: i64,
    currency: String,
    transfer_group: Option<String>,
    description: Option<String>,
    /// `payment_intent_data[metadata]`: the PaymentIntent's and its charges'.
    metadata: Map<String, Value>,
    /// Made at the first payment attempt and kept for the next ones.
    payment_intent: Option<String>,
}

#[derive(Default)]
pub(super) struct Payments {
    plans: HashMap<String, Plan>,
    intents: HashMap<String, Value>,
    charges: HashMap<String, Value>,
    /// In the order they were made (listed newest first).
    transfers: Vec<Value>,
    reversals: Vec<Value>,
    refunds: Vec<Value>,
}

/// Answers the requests this module serves; `None` leaves the request to the parent's routes.
pub(super) fn route(
    inner: &mut Inner,
    origin: &str,
    method: &str,
    segments: &[&str],
    params: &[(String, String)],
) -> Option<Answer> {
    let answer = match (method, segments) {
        ("POST", ["checkout", "sessions"]) if ad_hoc(params) => {
            unknown_param(params, CHECKOUT_PARAMS).unwrap_or_else(|| create_session(inner, origin, params))
        }
        ("POST", ["checkout", "sessions", id, "expire"]) => {
            unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| expire_session(inner, id))
        }
        ("GET", ["checkout", "sessions", id, "line_items"]) => {
            unknown_param(params, PAGE_PARAMS).unwrap_or_else(|| line_items(inner, id, params))
        }
        ("GET", ["payment_intents", id]) => {
            unknown_param(params, PAYMENT_INTENT_RETRIEVE_PARAMS).unwrap_or_else(|| {
                inner.payments.intents.get(*id).cloned().map_or_else(|| no_such("payment_intent", id, "intent"), ok)
            })
        }
        ("GET", ["charges", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            inner.payments.charges.get(*id).cloned().map_or_else(|| no_such("charge", id, "charge"), ok)
        }),
        ("POST", ["transfers"]) => {
            unknown_param(params, TRANSFER_PARAMS).unwrap_or_else(|| create_transfer(inner, params))
        }
        ("GET", ["transfers"]) => {
            unknown_param(params, LIST_TRANSFER_PARAMS).unwrap_or_else(|| list_transfers(inner, params))
        }
        ("GET", ["transfers", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            find(&inner.payments.transfers, id).cloned().map_or_else(|| no_such("transfer", id, "transfer"), ok)
        }),
        ("POST", ["transfers", id, "reversals"]) => {
            unknown_param(params, REVERSAL_PARAMS).unwrap_or_else(|| create_reversal(inner, id, params))
        }
        ("GET", ["transfers", id, "reversals"]) => {
            unknown_param(params, PAGE_PARAMS).unwrap_or_else(|| list_reversals(inner, id, params))
        }
        ("POST", ["refunds"]) => unknown_param(params, REFUND_PARAMS).unwrap_or_else(|| create_refund(inner, params)),
        ("GET", ["refunds", id]) => unknown_param(params, RETRIEVE_PARAMS).unwrap_or_else(|| {
            find(&inner.payments.refunds, id).cloned().map_or_else(|| no_such("refund", id, "refund"), ok)
        }),
        _ => return None,
    };
    Some(answer)
}

/// A checkout session with at least one `price_data` line is this module's.
fn ad_hoc(params: &[(String, String)]) -> bool {
    params.iter().any(|(k, _)| k.starts_with("line_items[") && k.contains("][price_data]["))
}

fn find<'a>(objects: &'a [Value], id: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["id"] == id)
}

fn int_param(params: &[(String, String)], name: &str) -> Result<Option<i64>, Answer> {
    match param(params, name) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| invalid(name, None, &format!("Invalid integer: {v}"))),
    }
}

fn currency_param(params: &[(String, String)], name: &str) -> Result<String, Answer> {
    let Some(sent) = param(params, name) else { return Err(missing(name)) };
    let currency = sent.to_ascii_lowercase();
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(currency)
    } else {
        Err(invalid(name, None, &format!("Invalid currency: {sent}.")))
    }
}

/// An amount as Stripe writes it in its messages: `$1,234.50`, `€3.00`, `¥500`, `12.00 CHF`.
fn money(amount: i64, currency: &str) -> String {
    let (whole, cents) =
        if ZERO_DECIMAL.contains(&currency) { (amount, None) } else { (amount / 100, Some(amount % 100)) };
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    let number = match cents {
        Some(c) => format!("{sign}{grouped}.{:02}", c.unsigned_abs()),
        None => format!("{sign}{grouped}"),
    };
    match currency {
        "usd" => format!("${number}"),
        "eur" => format!("€{number}"),
        "gbp" => format!("£{number}"),
        "jpy" => format!("¥{number}"),
        other => format!("{number} {}", other.to_uppercase()),
    }
}

/// `line_items[0][price_data][product_data][name]` → `["line_items", "0", "price_data", …]`.
fn key_path(key: &str) -> Vec<&str> {
    let mut parts = key.split('[');
    let mut path = vec![parts.next().unwrap_or_default()];
    path.extend(parts.map(|p| p.strip_suffix(']').unwrap_or(p)));
    path
}

/// Refuses a misspelt key inside the line items or `payment_intent_data`.
fn unknown_nested(params: &[(String, String)]) -> Option<Answer> {
    let known = |path: &[&str]| match path {
        ["line_items", i, rest @ ..] => {
            i.parse::<usize>().is_ok()
                && match rest {
                    [] => false,
                    ["price_data", field, deeper @ ..] => {
                        PRICE_DATA_KEYS.contains(field)
                            && match (*field, deeper) {
                                ("product_data", [product_field, ..]) => PRODUCT_DATA_KEYS.contains(product_field),
                                _ => true,
                            }
                    }
                    [field, ..] => LINE_ITEM_KEYS.contains(field),
                }
        }
        ["payment_intent_data", field, ..] => PAYMENT_INTENT_DATA_KEYS.contains(field),
        _ => true,
    };
    params
        .iter()
        .find(|(k, _)| !known(&key_path(k)))
        .map(|(k, _)| invalid(k, Some("parameter_unknown"), &format!("Received unknown parameter: {k}")))
}

/// One line of the cart as it was asked for.
struct Line {
    name: String,
    unit_amount: i64,
    quantity: i64,
    currency: String,
    metadata: Map<String, Value>,
    /// A catalog price named by `price` (the pass), next to ad-hoc ones.
    catalog: Option<&'static CatalogPrice>,
}

fn line(params: &[(String, String)], item: &str) -> Result<Line, Answer> {
    let name_of = |field: &str| format!("{item}{field}");
    let sent = |prefix: &str| params.iter().any(|(k, _)| k.starts_with(&name_of(prefix)));
    let price_param = name_of("[price]");
    let (name, unit_amount, currency, catalog_price) = match (param(params, &price_param), sent("[price_data][")) {
        (Some(_), true) => {
            return Err(invalid(
                &price_param,
                None,
                "You may only specify one of these parameters: price, price_data.",
            ));
        }
        (None, false) => return Err(missing(&name_of("[price_data]"))),
        (Some(price_id), false) => {
            let Some(price) = catalog(price_id) else {
                return Err(invalid(&price_param, Some("resource_missing"), &format!("No such price: '{price_id}'")));
            };
            if price.recurring {
                return Err(recurring_in_payment_mode());
            }
            (price.name.to_string(), price.amount, "usd".to_string(), Some(price))
        }
        (None, true) => {
            let currency = currency_param(params, &name_of("[price_data][currency]"))?;
            if sent("[price_data][recurring]") {
                return Err(recurring_in_payment_mode());
            }
            for unmodelled in ["[price_data][product]", "[price_data][unit_amount_decimal]"] {
                if param(params, &name_of(unmodelled)).is_some() {
                    let field = name_of(unmodelled);
                    let message = format!(
                        "The fake Stripe does not model `{field}`: give `product_data[name]` and an integer \
                         `unit_amount`."
                    );
                    return Err(invalid(&field, None, &message));
                }
            }
            let amount_param = name_of("[price_data][unit_amount]");
            let unit_amount = match int_param(params, &amount_param)? {
                None => return Err(missing(&amount_param)),
                Some(a) if a < 0 => {
                    return Err(invalid(&amount_param, None, "This value must be greater than or equal to 0."));
                }
                Some(a) => a,
            };
            let name_param = name_of("[price_data][product_data][name]");
            let Some(name) = param(params, &name_param) else { return Err(missing(&name_param)) };
            (name.to_string(), unit_amount, currency, None)
        }
    };
    let quantity_param = name_of("[quantity]");
    let quantity = match int_param(params, &quantity_param)? {
        None => return Err(missing(&quantity_param)),
        Some(q) if q < 1 => {
            return Err(invalid(&quantity_param, None, "This value must be greater than or equal to 1."));
        }
        Some(q) => q,
    };
    let metadata = nested(params, &name_of("[metadata]"));
    Ok(Line { name, unit_amount, quantity, currency, metadata, catalog: catalog_price })
}

fn recurring_in_payment_mode() -> Answer {
    invalid(
        "line_items",
        None,
        "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only \
         one-time prices.",
    )
}

/// The price Checkout makes for a `price_data` line: inactive, of a product made with it.
fn ad_hoc_price_object(id: &str, product: &str, currency: &str, unit_amount: i64, created: i64) -> Value {
    json!({
        "id": id,
        "object": "price",
        "active": false,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": null,
        "metadata": {},
        "nickname": null,
        "product": product,
        "recurring": null,
        "tax_behavior": "unspecified",
        "tiers_mode": null,
        "transform_quantity": null,
        "type": "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount.to_string(),
    })
}

/// A checkout session's line item (`object: "item"`) as `GET …/line_items` lists it.
fn line_item_object(id: &str, price: Value, description: &str, quantity: i64, metadata: Map<String, Value>) -> Value {
    let unit_amount = price["unit_amount"].as_i64().unwrap_or(0);
    json!({
        "id": id,
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": unit_amount * quantity,
        "amount_tax": 0,
        "amount_total": unit_amount * quantity,
        "currency": price["currency"].clone(),
        "description": description,
        "metadata": metadata,
        "price": price,
        "quantity": quantity,
    })
}

fn create_session(inner: &mut Inner, origin: &str, params: &[(String, String)]) -> Answer {
    match param(params, "mode") {
        None => return missing("mode"),
        Some("payment") => {}
        Some("setup" | "subscription") => {
            return invalid("mode", None, "The fake Stripe takes `price_data` line items only in `payment` mode.");
        }
        Some(_) => return invalid("mode", None, "Invalid mode: must be one of payment, setup, or subscription"),
    }
    if let Some(answer) = unknown_nested(params) {
        return answer;
    }
    if params.iter().any(|(k, _)| k.starts_with("subscription_data[")) {
        return invalid("subscription_data", None, "You can not pass `subscription_data` in `payment` mode.");
    }
    let unmodelled = params.iter().find(|(k, _)| {
        let path = key_path(k);
        matches!(path.as_slice(), ["payment_intent_data", field, ..] if UNMODELLED_PAYMENT_INTENT_DATA.contains(field))
    });
    if let Some((k, _)) = unmodelled {
        let message =
            format!("The fake Stripe does not model `{k}`: only separate charges and transfers, captured at once.");
        return invalid(k, None, &message);
    }
    let mut lines = Vec::new();
    for i in 0.. {
        let item = format!("line_items[{i}]");
        if !params.iter().any(|(k, _)| k.starts_with(&format!("{item}["))) {
            break;
        }
        match line(params, &item) {
            Ok(line) => lines.push(line),
            Err(answer) => return answer,
        }
    }
    let currency = lines.first().map(|l| l.currency.clone()).unwrap_or_default();
    if let Some((i, other)) = lines.iter().enumerate().find(|(_, l)| l.currency != currency) {
        let message =
            format!("All line items must use the same currency: {currency} and {} were given.", other.currency);
        return invalid(&format!("line_items[{i}][price_data][currency]"), None, &message);
    }
    let created = now();
    let expires_at = match int_param(params, "expires_at") {
        Err(answer) => return answer,
        Ok(None) => created + 86_400,
        Ok(Some(at)) if at < created + 30 * 60 => {
            return invalid(
                "expires_at",
                None,
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            );
        }
        Ok(Some(at)) if at > created + 86_400 => {
            return invalid(
                "expires_at",
                None,
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            );
        }
        Ok(Some(at)) => at,
    };
    let (success_url, cancel_url) = match (url_param(params, "success_url"), url_param(params, "cancel_url")) {
        (Err(answer), _) | (_, Err(answer)) => return answer,
        (Ok(None), _) => return missing("success_url"),
        (_, Ok(None)) => return missing("cancel_url"),
        (Ok(Some(success)), Ok(Some(cancel))) => (success, cancel),
    };
    let customer = param(params, "customer");
    let customer_email = param(params, "customer_email");
    if customer.is_some() && customer_email.is_some() {
        return invalid("customer", None, "You may only specify one of these parameters: customer, customer_email.");
    }
    let id = inner.id("cs_test_");
    let mut items = Vec::new();
    for line in &lines {
        let item_id = inner.id("li_");
        let price = match line.catalog {
            Some(p) => super::price_object(p.id),
            None => {
                let price_id = inner.id("price_");
                let product = inner.id("prod_");
                ad_hoc_price_object(&price_id, &product, &line.currency, line.unit_amount, created)
            }
        };
        items.push(line_item_object(&item_id, price, &line.name, line.quantity, line.metadata.clone()));
    }
    let amount: i64 = lines.iter().map(|l| l.unit_amount * l.quantity).sum();
    let mut session = session_value(SessionParts {
        id: &id,
        customer,
        customer_email,
        mode: "payment",
        client_reference_id: param(params, "client_reference_id"),
        subscription: None,
        invoice: None,
        payment_intent: None,
        payment_status: "unpaid",
        amount_total: amount,
        created,
        metadata: nested(params, "metadata"),
        success_url: Some(&success_url),
        cancel_url: Some(&cancel_url),
        url: Some(format!("{origin}/pay/{id}")),
    });
    session["currency"] = json!(currency);
    session["expires_at"] = json!(expires_at);
    let plan = Plan {
        items,
        amount,
        currency,
        transfer_group: param(params, "payment_intent_data[transfer_group]").map(str::to_string),
        description: param(params, "payment_intent_data[description]").map(str::to_string),
        metadata: nested(params, "payment_intent_data[metadata]"),
        payment_intent: None,
    };
    inner.sessions.insert(id.clone(), session.clone());
    inner.payments.plans.insert(id, plan);
    ok(session)
}

/// The same session with another payment state, as Stripe shows it (`url` only while open).
fn session_with(session: &Value, payment_intent: Option<&str>, paid: bool, customer_email: Option<&str>) -> Value {
    let text = |name: &str| session[name].as_str();
    let mut rebuilt = session_value(SessionParts {
        id: text("id").unwrap_or_default(),
        customer: text("customer"),
        customer_email,
        mode: text("mode").unwrap_or("payment"),
        client_reference_id: text("client_reference_id"),
        subscription: None,
        invoice: None,
        payment_intent,
        payment_status: if paid { "paid" } else { "unpaid" },
        amount_total: session["amount_total"].as_i64().unwrap_or(0),
        created: session["created"].as_i64().unwrap_or_else(now),
        metadata: session["metadata"].as_object().cloned().unwrap_or_default(),
        success_url: text("success_url"),
        cancel_url: text("cancel_url"),
        url: if paid { None } else { text("url").map(str::to_string) },
    });
    for kept in ["currency", "expires_at"] {
        rebuilt[kept] = session[kept].clone();
    }
    rebuilt
}

/// The buyer's email: the session's `customer_email`, else its customer's.
fn buyer_email(inner: &Inner, session: &Value) -> Option<String> {
    session["customer_email"].as_str().map(str::to_string).or_else(|| {
        let customer = session["customer"].as_str()?;
        inner.customers.iter().find(|c| c["id"] == customer).and_then(|c| c["email"].as_str().map(str::to_string))
    })
}

/// One payment attempt on an open ad-hoc session: the PaymentIntent (reused across attempts)
/// and a new Charge; returns `(session, payment intent, its id)`.
fn attempt(inner: &mut Inner, id: &str, succeeds: bool) -> Option<(Value, Value, String)> {
    let session = inner.sessions.get(id).filter(|s| s["status"] == "open")?.clone();
    let plan = inner.payments.plans.get(id)?;
    let (amount, currency) = (plan.amount, plan.currency.clone());
    let (group, description, metadata) = (plan.transfer_group.clone(), plan.description.clone(), plan.metadata.clone());
    let earlier = plan.payment_intent.clone();
    let at = now();
    let intent_id = earlier.clone().unwrap_or_else(|| inner.id("pi_"));
    let charge_id = inner.id("ch_");
    let email = buyer_email(inner, &session);
    let customer = session["customer"].clone();
    let created = earlier.and_then(|pi| inner.payments.intents.get(&pi)?["created"].as_i64()).unwrap_or(at);

    let mut charge = charge_object(&charge_id, &intent_id, amount, &currency, succeeds, 0, group.as_deref(), at);
    charge["customer"] = customer.clone();
    charge["description"] = json!(description);
    charge["metadata"] = Value::Object(metadata.clone());
    charge["billing_details"]["email"] = json!(email);
    let status = if succeeds { "succeeded" } else { "requires_payment_method" };
    let mut intent = payment_intent_object(
        &intent_id,
        amount,
        &currency,
        status,
        Some(&charge_id),
        group.as_deref(),
        metadata,
        created,
    );
    intent["customer"] = customer;
    intent["description"] = json!(description);
    if !succeeds {
        intent["last_payment_error"]["payment_method"]["billing_details"]["email"] = json!(email);
    }
    inner.payments.charges.insert(charge_id, charge);
    inner.payments.intents.insert(intent_id.clone(), intent.clone());
    if let Some(plan) = inner.payments.plans.get_mut(id) {
        plan.payment_intent = Some(intent_id.clone());
    }
    let email = if succeeds { email } else { session["customer_email"].as_str().map(str::to_string) };
    let updated = session_with(&session, Some(&intent_id), succeeds, email.as_deref());
    inner.sessions.insert(id.to_string(), updated.clone());
    Some((updated, intent, intent_id))
}

/// A successful payment of an open session: an ad-hoc one gets its PaymentIntent and Charge,
/// any other completes as the parent module completes it. `None` if it is not open.
fn pay_session(inner: &mut Inner, id: &str) -> Option<Value> {
    if inner.sessions.get(id)?["status"] != "open" {
        return None;
    }
    if !inner.payments.plans.contains_key(id) {
        super::complete_session(inner, id);
        return inner.sessions.get(id).cloned();
    }
    attempt(inner, id, true).map(|(session, _, _)| session)
}

fn expire_session(inner: &mut Inner, id: &str) -> Answer {
    let Some(session) = inner.sessions.get_mut(id) else { return no_such("checkout.session", id, "session") };
    let status = session["status"].as_str().unwrap_or_default().to_string();
    if status != "open" {
        return stripe_error(
            400,
            "invalid_request_error",
            None,
            None,
            &format!(
                "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a \
                 status of `{status}`."
            ),
        );
    }
    session["status"] = json!("expired");
    session["url"] = Value::Null;
    ok(session.clone())
}

fn line_items(inner: &Inner, id: &str, params: &[(String, String)]) -> Answer {
    match inner.payments.plans.get(id) {
        Some(plan) => {
            list(plan.items.iter().collect(), params, &format!("/v1/checkout/sessions/{id}/line_items"), "item")
        }
        None if inner.sessions.contains_key(id) => {
            invalid("session", None, "The fake Stripe lists the line items of sessions made with `price_data` only.")
        }
        None => no_such("checkout.session", id, "session"),
    }
}

/// A page of `objects` (already in Stripe's order) as a list object, with `limit` (10 unless
/// told), `starting_after` and `ending_before`.
fn list(mut objects: Vec<&Value>, params: &[(String, String)], url: &str, kind: &str) -> Answer {
    let limit = match int_param(params, "limit") {
        Err(answer) => return answer,
        Ok(None) => 10,
        Ok(Some(limit @ 1..=100)) => limit as usize,
        Ok(Some(limit)) if limit < 1 => {
            return invalid("limit", None, "This value must be greater than or equal to 1.");
        }
        Ok(Some(_)) => return invalid("limit", None, "This value must be less than or equal to 100."),
    };
    if let Some(after) = param(params, "starting_after") {
        let Some(position) = objects.iter().position(|o| o["id"] == after) else {
            return no_such(kind, after, "starting_after");
        };
        objects.drain(..=position);
    }
    if let Some(before) = param(params, "ending_before") {
        let Some(position) = objects.iter().position(|o| o["id"] == before) else {
            return no_such(kind, before, "ending_before");
        };
        objects.truncate(position);
        let has_more = objects.len() > limit;
        let page = objects.split_off(objects.len().saturating_sub(limit));
        return ok(json!({ "object": "list", "data": page, "has_more": has_more, "url": url }));
    }
    let has_more = objects.len() > limit;
    objects.truncate(limit);
    ok(json!({ "object": "list", "data": objects, "has_more": has_more, "url": url }))
}

/// A card payment method as a declined attempt's `last_payment_error` carries it.
fn card_payment_method(id: &str, last4: &str, created: i64) -> Value {
    json!({
        "id": id,
        "object": "payment_method",
        "allow_redisplay": "limited",
        "billing_details": billing_details(),
        "card": {
            "brand": "visa",
            "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass" },
            "country": "US",
            "display_brand": "visa",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": format!("fakeFingerprint{last4}"),
            "funding": "credit",
            "generated_from": null,
            "last4": last4,
            "networks": { "available": ["visa"], "preferred": null },
            "regulated_status": "unregulated",
            "three_d_secure_usage": { "supported": true },
            "wallet": null,
        },
        "created": created,
        "customer": null,
        "customer_account": null,
        "livemode": false,
        "metadata": {},
        "type": "card",
    })
}

/// What Checkout collects from a card payer (the email is set by the fake when it knows it).
fn billing_details() -> Value {
    json!({
        "address": {
            "city": null, "country": "US", "line1": null, "line2": null, "postal_code": "10001", "state": null,
        },
        "email": null,
        "name": "Test Buyer",
        "phone": null,
        "tax_id": null,
    })
}

/// A PaymentIntent as Checkout makes it for a card payment (`capture_method`
/// `automatic_async`). `succeeded`: `amount_received` is the amount and the payment method
/// `pm_` + the charge id's suffix. `requires_payment_method` with a `latest_charge`: that charge
/// was declined (`last_payment_error` is Stripe's `card_declined`/`generic_decline` for card
/// 4000 0000 0000 0002). `customer` and `description` are null: set them on the value.
#[allow(clippy::too_many_arguments)] // one argument per field tests vary, as the parent's builders
pub fn payment_intent_object(
    id: &str,
    amount: i64,
    currency: &str,
    status: &str,
    latest_charge: Option<&str>,
    transfer_group: Option<&str>,
    metadata: Map<String, Value>,
    created: i64,
) -> Value {
    let succeeded = status == "succeeded";
    let declined = match latest_charge {
        Some(charge) if status == "requires_payment_method" => json!({
            "charge": charge,
            "code": "card_declined",
            "decline_code": "generic_decline",
            "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            "message": "Your card was declined.",
            "payment_method": card_payment_method(&format!("pm_{}", suffix(charge)), "0002", created),
            "type": "card_error",
        }),
        _ => Value::Null,
    };
    let payment_method = latest_charge.filter(|_| succeeded).map(|charge| format!("pm_{}", suffix(charge)));
    object([
        json!({
            "id": id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": { "tip": {} },
            "amount_received": if succeeded { amount } else { 0 },
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": null,
            "canceled_at": null,
            "cancellation_reason": null,
            "capture_method": "automatic_async",
            "client_secret": format!("{id}_secret_{}", suffix(id)),
            "confirmation_method": "automatic",
            "created": created,
            "currency": currency,
            "customer": null,
            "customer_account": null,
            "description": null,
            "excluded_payment_method_types": null,
        }),
        json!({
            "last_payment_error": declined,
            "latest_charge": latest_charge,
            "livemode": false,
            "metadata": metadata,
            "next_action": null,
            "on_behalf_of": null,
            "payment_method": payment_method,
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null, "mandate_options": null, "network": null,
                    "request_three_d_secure": "automatic",
                },
            },
            "payment_method_types": ["card"],
            "processing": null,
            "receipt_email": null,
            "review": null,
            "setup_future_usage": null,
            "shipping": null,
            "source": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": status,
            "transfer_data": null,
            "transfer_group": transfer_group,
        }),
    ])
}

/// A card charge of `payment_intent`: `succeeded` (card 4242, captured, balance transaction
/// `txn_` + the id's suffix, `refunded` once `amount_refunded` is the amount) or declined
/// (status `failed`, card 0002, `card_declined`). `customer`, `description`, `metadata` and the
/// billing email are empty: set them on the value.
#[allow(clippy::too_many_arguments)] // one argument per field tests vary, as the parent's builders
pub fn charge_object(
    id: &str,
    payment_intent: &str,
    amount: i64,
    currency: &str,
    succeeded: bool,
    amount_refunded: i64,
    transfer_group: Option<&str>,
    created: i64,
) -> Value {
    let outcome = if succeeded {
        json!({
            "advice_code": null, "network_advice_code": null, "network_decline_code": null,
            "network_status": "approved_by_network", "reason": null, "risk_level": "normal", "risk_score": 32,
            "seller_message": "Payment complete.", "type": "authorized",
        })
    } else {
        json!({
            "advice_code": null, "network_advice_code": null, "network_decline_code": null,
            "network_status": "declined_by_network", "reason": "generic_decline", "risk_level": "normal",
            "risk_score": 20, "seller_message": "The bank did not return any further details with this decline.",
            "type": "issuer_declined",
        })
    };
    let last4 = if succeeded { "4242" } else { "0002" };
    let card = json!({
        "amount_authorized": if succeeded { json!(amount) } else { Value::Null },
        "authorization_code": null,
        "brand": "visa",
        "checks": { "address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass" },
        "country": "US",
        "exp_month": 12,
        "exp_year": 2034,
        "extended_authorization": { "status": "disabled" },
        "fingerprint": format!("fakeFingerprint{last4}"),
        "funding": "credit",
        "incremental_authorization": { "status": "unavailable" },
        "installments": null,
        "last4": last4,
        "mandate": null,
        "multicapture": { "status": "unavailable" },
        "network": "visa",
        "network_token": { "used": false },
        "network_transaction_id": format!("fake{}", suffix(id)),
        "overcapture": { "maximum_amount_capturable": amount, "status": "unavailable" },
        "regulated_status": "unregulated",
        "three_d_secure": null,
        "wallet": null,
    });
    object([
        json!({
            "id": id,
            "object": "charge",
            "amount": amount,
            "amount_captured": if succeeded { amount } else { 0 },
            "amount_refunded": amount_refunded,
            "application": null,
            "application_fee": null,
            "application_fee_amount": null,
            "balance_transaction": succeeded.then(|| format!("txn_{}", suffix(id))),
            "billing_details": billing_details(),
            "calculated_statement_descriptor": "THREADR",
            "captured": succeeded,
            "created": created,
            "currency": currency,
            "customer": null,
            "description": null,
            "disputed": false,
            "failure_balance_transaction": null,
            "failure_code": (!succeeded).then_some("card_declined"),
            "failure_message": (!succeeded).then_some("Your card was declined."),
        }),
        json!({
            "fraud_details": {},
            "livemode": false,
            "metadata": {},
            "on_behalf_of": null,
            "outcome": outcome,
            "paid": succeeded,
            "payment_intent": payment_intent,
            "payment_method": format!("pm_{}", suffix(id)),
            "payment_method_details": { "card": card, "type": "card" },
            "radar_options": {},
            "receipt_email": null,
            "receipt_number": null,
            "receipt_url": succeeded.then(|| format!("https://pay.stripe.com/receipts/payment/{id}")),
            "refunded": succeeded && amount_refunded >= amount,
            "review": null,
            "shipping": null,
            "source": null,
            "source_transfer": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": if succeeded { "succeeded" } else { "failed" },
            "transfer_data": null,
            "transfer_group": transfer_group,
        }),
    ])
}

/// A transfer to a connected account. `reversals` are its reversals, newest first (as the
/// transfer's `reversals` list shows them); `amount_reversed` and `reversed` follow from them.
/// Its balance transaction is `txn_` and the payment it made on the destination `py_` + the
/// id's suffix; `description` is null: set it on the value.
#[allow(clippy::too_many_arguments)] // one argument per field tests vary, as the parent's builders
pub fn transfer_object(
    id: &str,
    amount: i64,
    currency: &str,
    destination: &str,
    source_transaction: Option<&str>,
    transfer_group: Option<&str>,
    reversals: &[Value],
    metadata: Map<String, Value>,
    created: i64,
) -> Value {
    let amount_reversed: i64 = reversals.iter().filter_map(|r| r["amount"].as_i64()).sum();
    json!({
        "id": id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": amount_reversed,
        "balance_transaction": format!("txn_{}", suffix(id)),
        "created": created,
        "currency": currency,
        "description": null,
        "destination": destination,
        "destination_payment": format!("py_{}", suffix(id)),
        "livemode": false,
        "metadata": metadata,
        "reversals": {
            "object": "list",
            "data": reversals,
            "has_more": false,
            "total_count": reversals.len(),
            "url": format!("/v1/transfers/{id}/reversals"),
        },
        "reversed": amount_reversed >= amount,
        "source_transaction": source_transaction,
        "source_type": "card",
        "transfer_group": transfer_group,
    })
}

/// A reversal of (part of) `transfer`: its balance transaction is `txn_` and the refund of the
/// destination's payment `pyr_` + the id's suffix.
pub fn transfer_reversal_object(
    id: &str,
    transfer: &str,
    amount: i64,
    currency: &str,
    metadata: Map<String, Value>,
    created: i64,
) -> Value {
    json!({
        "id": id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": format!("txn_{}", suffix(id)),
        "created": created,
        "currency": currency,
        "destination_payment_refund": format!("pyr_{}", suffix(id)),
        "metadata": metadata,
        "source_refund": null,
        "transfer": transfer,
    })
}

/// A succeeded card refund of `charge` (balance transaction `txn_` + the id's suffix).
#[allow(clippy::too_many_arguments)] // one argument per field tests vary, as the parent's builders
pub fn refund_object(
    id: &str,
    charge: &str,
    payment_intent: Option<&str>,
    amount: i64,
    currency: &str,
    reason: Option<&str>,
    metadata: Map<String, Value>,
    created: i64,
) -> Value {
    json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": format!("txn_{}", suffix(id)),
        "charge": charge,
        "created": created,
        "currency": currency,
        "destination_details": {
            "card": {
                "reference": null, "reference_status": "pending", "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": metadata,
        "payment_intent": payment_intent,
        "reason": reason,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    })
}

fn create_transfer(inner: &mut Inner, params: &[(String, String)]) -> Answer {
    let amount = match int_param(params, "amount") {
        Err(answer) => return answer,
        Ok(None) => return missing("amount"),
        Ok(Some(a)) if a < 1 => return invalid("amount", None, "This value must be greater than or equal to 1."),
        Ok(Some(a)) => a,
    };
    let currency = match currency_param(params, "currency") {
        Ok(currency) => currency,
        Err(answer) => return answer,
    };
    let Some(destination) = param(params, "destination") else { return missing("destination") };
    let known = &inner.accounts;
    if !destination.starts_with("acct_") || (!known.is_empty() && !known.contains_key(destination)) {
        return invalid("destination", Some("resource_missing"), &format!("No such destination: '{destination}'"));
    }
    if known.get(destination).is_some_and(|a| a["capabilities"]["transfers"] != "active") {
        return invalid(
            "destination",
            Some("insufficient_capabilities_for_transfer"),
            "Your destination account needs to have at least one of the following capabilities enabled: transfers, \
             crypto_transfers, legacy_payments",
        );
    }
    let mut transfer_group = param(params, "transfer_group").map(str::to_string);
    let source = param(params, "source_transaction");
    if let Some(source) = source {
        let Some(charge) = inner.payments.charges.get(source) else {
            return invalid("source_transaction", Some("resource_missing"), &format!("No such charge: '{source}'"));
        };
        if charge["status"] != "succeeded" {
            return invalid(
                "source_transaction",
                None,
                &format!("The charge {source} did not succeed: it cannot be the source of a transfer."),
            );
        }
        let charge_currency = charge["currency"].as_str().unwrap_or_default();
        if charge_currency != currency {
            return invalid(
                "currency",
                None,
                &format!(
                    "The currency of source_transaction's balance transaction ({charge_currency}) must be the same \
                     as the transfer currency ({currency})."
                ),
            );
        }
        let field = |o: &Value, name: &str| o[name].as_i64().unwrap_or(0);
        let available = field(charge, "amount") - field(charge, "amount_refunded");
        let earlier: Vec<&Value> =
            inner.payments.transfers.iter().filter(|t| t["source_transaction"] == source).collect();
        let used: i64 = earlier.iter().map(|t| field(t, "amount") - field(t, "amount_reversed")).sum();
        if used + amount > available {
            let mut message = format!(
                "Transfers using this transaction as a source must not exceed the source amount of {}.",
                money(available, &currency)
            );
            match earlier.len() {
                0 => {}
                1 => message.push_str(&format!(
                    " (There is already a transfer using this source, amounting to {}.)",
                    money(used, &currency)
                )),
                n => message.push_str(&format!(
                    " (There are already {n} transfers using this source, amounting to {}.)",
                    money(used, &currency)
                )),
            }
            return stripe_error(400, "invalid_request_error", None, Some("amount"), &message);
        }
        if transfer_group.is_none() {
            transfer_group = charge["transfer_group"].as_str().map(str::to_string);
        }
    }
    let id = inner.id("tr_");
    let metadata = nested(params, "metadata");
    let mut transfer =
        transfer_object(&id, amount, &currency, destination, source, transfer_group.as_deref(), &[], metadata, now());
    transfer["description"] = json!(param(params, "description"));
    inner.payments.transfers.push(transfer.clone());
    ok(transfer)
}

fn list_transfers(inner: &Inner, params: &[(String, String)]) -> Answer {
    let field = |name: &str| param(params, name);
    let transfers: Vec<&Value> = inner
        .payments
        .transfers
        .iter()
        .rev()
        .filter(|t| field("transfer_group").is_none_or(|g| t["transfer_group"] == g))
        .filter(|t| field("destination").is_none_or(|d| t["destination"] == d))
        .collect();
    list(transfers, params, "/v1/transfers", "transfer")
}

fn create_reversal(inner: &mut Inner, transfer_id: &str, params: &[(String, String)]) -> Answer {
    let Some(transfer) = find(&inner.payments.transfers, transfer_id) else {
        return no_such("transfer", transfer_id, "id");
    };
    let currency = transfer["currency"].as_str().unwrap_or("usd").to_string();
    let left = transfer["amount"].as_i64().unwrap_or(0) - transfer["amount_reversed"].as_i64().unwrap_or(0);
    if left <= 0 {
        let message = format!("The transfer {transfer_id} is already fully reversed.");
        return stripe_error(400, "invalid_request_error", None, None, &message);
    }
    let amount = match int_param(params, "amount") {
        Err(answer) => return answer,
        Ok(None) => left,
        Ok(Some(a)) if a < 1 => return invalid("amount", None, "This value must be greater than or equal to 1."),
        Ok(Some(a)) if a > left => {
            let message = format!(
                "Reversal amount ({}) is greater than the amount left to reverse on the transfer ({}).",
                money(a, &currency),
                money(left, &currency)
            );
            return invalid("amount", None, &message);
        }
        Ok(Some(a)) => a,
    };
    let id = inner.id("trr_");
    let reversal = transfer_reversal_object(&id, transfer_id, amount, &currency, nested(params, "metadata"), now());
    inner.payments.reversals.push(reversal.clone());
    let newest_first: Vec<Value> =
        inner.payments.reversals.iter().rev().filter(|r| r["transfer"] == transfer_id).cloned().collect();
    if let Some(transfer) = inner.payments.transfers.iter_mut().find(|t| t["id"] == transfer_id) {
        let reversed: i64 = newest_first.iter().filter_map(|r| r["amount"].as_i64()).sum();
        transfer["amount_reversed"] = json!(reversed);
        transfer["reversed"] = json!(reversed >= transfer["amount"].as_i64().unwrap_or(0));
        transfer["reversals"]["total_count"] = json!(newest_first.len());
        transfer["reversals"]["data"] = Value::Array(newest_first);
    }
    ok(reversal)
}

fn list_reversals(inner: &Inner, transfer_id: &str, params: &[(String, String)]) -> Answer {
    if find(&inner.payments.transfers, transfer_id).is_none() {
        return no_such("transfer", transfer_id, "id");
    }
    let reversals: Vec<&Value> =
        inner.payments.reversals.iter().rev().filter(|r| r["transfer"] == transfer_id).collect();
    list(reversals, params, &format!("/v1/transfers/{transfer_id}/reversals"), "transfer_reversal")
}

fn create_refund(inner: &mut Inner, params: &[(String, String)]) -> Answer {
    let payments = &inner.payments;
    let charge_id = match (param(params, "charge"), param(params, "payment_intent")) {
        (None, None) => {
            return stripe_error(
                400,
                "invalid_request_error",
                Some("parameter_missing"),
                None,
                "One of the following params should be provided for this request: payment_intent or charge.",
            );
        }
        (Some(charge), intent) => {
            let Some(found) = payments.charges.get(charge) else {
                return invalid("charge", Some("resource_missing"), &format!("No such charge: '{charge}'"));
            };
            if let Some(intent) = intent.filter(|pi| found["payment_intent"] != *pi) {
                let message = format!("The charge {charge} does not belong to the PaymentIntent {intent}.");
                return invalid("payment_intent", None, &message);
            }
            charge.to_string()
        }
        (None, Some(intent)) => {
            let Some(found) = payments.intents.get(intent) else {
                return invalid(
                    "payment_intent",
                    Some("resource_missing"),
                    &format!("No such payment_intent: '{intent}'"),
                );
            };
            match found["latest_charge"].as_str().filter(|_| found["status"] == "succeeded") {
                Some(charge) => charge.to_string(),
                None => {
                    let message = format!("This PaymentIntent ({intent}) does not have a successful charge to refund.");
                    return invalid("payment_intent", None, &message);
                }
            }
        }
    };
    let Some(charge) = payments.charges.get(&charge_id) else { return no_such("charge", &charge_id, "charge") };
    if charge["status"] != "succeeded" {
        return invalid(
            "charge",
            None,
            &format!("The charge {charge_id} did not succeed: there is nothing to refund."),
        );
    }
    let currency = charge["currency"].as_str().unwrap_or("usd").to_string();
    let left = charge["amount"].as_i64().unwrap_or(0) - charge["amount_refunded"].as_i64().unwrap_or(0);
    if left <= 0 {
        let message = format!("Charge {charge_id} has already been refunded.");
        return stripe_error(400, "invalid_request_error", Some("charge_already_refunded"), None, &message);
    }
    let amount = match int_param(params, "amount") {
        Err(answer) => return answer,
        Ok(None) => left,
        Ok(Some(a)) if a < 1 => return invalid("amount", None, "This value must be greater than or equal to 1."),
        Ok(Some(a)) if a > left => {
            let message = format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                money(a, &currency),
                money(left, &currency)
            );
            return invalid("amount", None, &message);
        }
        Ok(Some(a)) => a,
    };
    let reason = match param(params, "reason") {
        None => None,
        Some(reason @ ("duplicate" | "fraudulent" | "requested_by_customer")) => Some(reason),
        Some(_) => {
            return invalid(
                "reason",
                None,
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            );
        }
    };
    let intent = charge["payment_intent"].as_str().map(str::to_string);
    let id = inner.id("re_");
    let refund =
        refund_object(&id, &charge_id, intent.as_deref(), amount, &currency, reason, nested(params, "metadata"), now());
    if let Some(charge) = inner.payments.charges.get_mut(&charge_id) {
        let refunded = charge["amount_refunded"].as_i64().unwrap_or(0) + amount;
        charge["amount_refunded"] = json!(refunded);
        charge["refunded"] = json!(refunded >= charge["amount"].as_i64().unwrap_or(0));
    }
    inner.payments.refunds.push(refund.clone());
    ok(refund)
}

impl FakeStripe {
    /// A successful payment of the open session `session_id`, as its hosted page makes it;
    /// returns the completed session (`None` if there is no such open session).
    pub fn pay(&self, session_id: &str) -> Option<Value> {
        pay_session(&mut self.lock(), session_id)
    }

    /// A declined card on the open ad-hoc session `session_id`: returns the PaymentIntent
    /// (`requires_payment_method`, `last_payment_error`), as `payment_intent.payment_failed`
    /// carries it. The session stays open and now names the PaymentIntent.
    pub fn fail_payment(&self, session_id: &str) -> Option<Value> {
        attempt(&mut self.lock(), session_id, false).map(|(_, intent, _)| intent)
    }

    /// The open session `id` expired (as when its `expires_at` passes); returns it as the
    /// `checkout.session.expired` event carries it.
    pub fn expire_checkout_session(&self, id: &str) -> Option<Value> {
        let answer = expire_session(&mut self.lock(), id);
        answer.status.is_success().then_some(answer.body)
    }

    /// The line items of an ad-hoc session, in the order they were given.
    pub fn checkout_line_items(&self, session_id: &str) -> Vec<Value> {
        self.lock().payments.plans.get(session_id).map(|plan| plan.items.clone()).unwrap_or_default()
    }

    pub fn payment_intent(&self, id: &str) -> Option<Value> {
        self.lock().payments.intents.get(id).cloned()
    }

    pub fn charge(&self, id: &str) -> Option<Value> {
        self.lock().payments.charges.get(id).cloned()
    }

    pub fn transfer(&self, id: &str) -> Option<Value> {
        find(&self.lock().payments.transfers, id).cloned()
    }

    /// Every transfer, in the order they were made.
    pub fn transfers(&self) -> Vec<Value> {
        self.lock().payments.transfers.clone()
    }

    /// Every transfer reversal, in the order they were made.
    pub fn reversals(&self) -> Vec<Value> {
        self.lock().payments.reversals.clone()
    }

    /// Every refund, in the order they were made.
    pub fn refunds(&self) -> Vec<Value> {
        self.lock().payments.refunds.clone()
    }
}

/// The hosted Checkout page: an expired session cannot be paid (400); an ad-hoc session is
/// paid here and the browser sent to its `success_url`; any other goes to the parent's page.
pub(super) async fn pay_page(State(fake): State<FakeStripe>, Path(id): Path<String>) -> Response {
    let (status, cancel_url, ours) = {
        let inner = fake.lock();
        let session = inner.sessions.get(&id);
        let text = |name: &str| session.and_then(|s| s[name].as_str()).map(str::to_string);
        (text("status"), text("cancel_url"), inner.payments.plans.contains_key(&id))
    };
    if status.as_deref() == Some("expired") {
        let back = cancel_url
            .map(|url| format!("<p><a href=\"{}\">Return to the shop</a></p>", escape(&url)))
            .unwrap_or_default();
        let body = format!(
            "<h1>This checkout session has expired</h1>\n<p>Nothing was charged. Start the checkout again from the \
             shop.</p>\n{back}"
        );
        return (StatusCode::BAD_REQUEST, Html(page("Checkout session expired (fake Stripe)", &body))).into_response();
    }
    if !ours {
        return super::pay(State(fake), Path(id)).await;
    }
    let success = {
        let mut inner = fake.lock();
        pay_session(&mut inner, &id);
        inner.sessions.get(&id).and_then(|s| s["success_url"].as_str()).map(str::to_string)
    };
    match success {
        Some(url) => redirect(&url.replace("{CHECKOUT_SESSION_ID}", &id)),
        None => not_found_page(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SECRET_KEY, event};
    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    async fn post(fake: &FakeStripe, path: &str, key: Option<&str>, form: &[(&str, &str)]) -> (u16, Value) {
        let mut request = client().post(format!("{}{path}", fake.base_url)).bearer_auth(SECRET_KEY).form(form);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    async fn get(fake: &FakeStripe, path: &str) -> (u16, Value) {
        let response = client().get(format!("{}{path}", fake.base_url)).bearer_auth(SECRET_KEY).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    /// A cart of two sellers' items: 2 × 12.50 and 1 × 30.00 USD.
    fn cart(expires_at: &str) -> Vec<(&'static str, String)> {
        [
            ("mode", "payment"),
            ("line_items[0][price_data][currency]", "usd"),
            ("line_items[0][price_data][unit_amount]", "1250"),
            ("line_items[0][price_data][product_data][name]", "Linen scarf"),
            ("line_items[0][price_data][product_data][metadata][listing_id]", "l-1"),
            ("line_items[0][quantity]", "2"),
            ("line_items[1][price_data][currency]", "usd"),
            ("line_items[1][price_data][unit_amount]", "3000"),
            ("line_items[1][price_data][product_data][name]", "Clay mug"),
            ("line_items[1][quantity]", "1"),
            ("line_items[1][metadata][seller]", "s-2"),
            ("payment_intent_data[transfer_group]", "order-9"),
            ("payment_intent_data[description]", "Threadr order 9"),
            ("payment_intent_data[metadata][order_id]", "9"),
            ("metadata[order_id]", "9"),
            ("client_reference_id", "user-7"),
            ("customer_email", "buyer@example.com"),
            ("success_url", "http://app.test/orders/9?session_id={CHECKOUT_SESSION_ID}"),
            ("cancel_url", "http://app.test/cart"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .chain([("expires_at", expires_at.to_string())])
        .collect()
    }

    /// A transfer of the order's group, from the charge `source` when given.
    fn transfer_form<'a>(amount: &'a str, seller: &'a str, source: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
        let mut form = vec![
            ("amount", amount),
            ("currency", "usd"),
            ("destination", seller),
            ("transfer_group", "order-9"),
            ("metadata[order_id]", "9"),
        ];
        form.extend(source.map(|s| ("source_transaction", s)));
        form
    }

    async fn open_session(fake: &FakeStripe) -> Value {
        let form = cart(&(now() + 3600).to_string());
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, session) = post(fake, "v1/checkout/sessions", Some("cart-9"), &form).await;
        assert_eq!(status, 200, "{session}");
        session
    }

    #[tokio::test]
    async fn a_cart_session_is_paid_on_its_page_and_makes_a_payment_intent_and_a_charge() {
        let fake = FakeStripe::start().await;
        let session = open_session(&fake).await;
        let id = session["id"].as_str().unwrap();
        assert_eq!((session["amount_total"].as_i64(), session["currency"].as_str()), (Some(5500), Some("usd")));
        assert_eq!((session["status"].as_str(), session["payment_intent"].as_null()), (Some("open"), Some(())));
        let (_, items) = get(&fake, &format!("v1/checkout/sessions/{id}/line_items?limit=1")).await;
        assert_eq!((items["object"].as_str(), items["has_more"].as_bool()), (Some("list"), Some(true)));
        assert_eq!(items["data"][0]["amount_total"], 2500);
        assert_eq!(items["data"][0]["price"]["product"].as_str().map(|p| p.starts_with("prod_")), Some(true));
        assert_eq!(fake.checkout_line_items(id)[1]["metadata"]["seller"], "s-2");

        let response = client().get(session["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], format!("http://app.test/orders/9?session_id={id}").as_str());
        let paid = fake.checkout_session(id).unwrap();
        assert_eq!((paid["status"].as_str(), paid["payment_status"].as_str()), (Some("complete"), Some("paid")));
        let intent_id = paid["payment_intent"].as_str().unwrap();
        let (status, intent) = get(&fake, &format!("v1/payment_intents/{intent_id}")).await;
        assert_eq!(
            (status, intent["status"].as_str(), intent["amount_received"].as_i64()),
            (200, Some("succeeded"), Some(5500))
        );
        assert_eq!(
            (intent["transfer_group"].as_str(), intent["metadata"]["order_id"].as_str()),
            (Some("order-9"), Some("9"))
        );
        let charge_id = intent["latest_charge"].as_str().unwrap();
        let (_, charge) = get(&fake, &format!("v1/charges/{charge_id}")).await;
        assert_eq!(charge, fake.charge(charge_id).unwrap());
        assert_eq!(
            (charge["paid"].as_bool(), charge["billing_details"]["email"].as_str()),
            (Some(true), Some("buyer@example.com"))
        );
        assert_eq!(fake.payment_intent(intent_id).unwrap(), intent);
        // Paid once: a second visit only redirects.
        assert!(fake.pay(id).is_none());
    }

    #[tokio::test]
    async fn a_declined_card_leaves_the_session_open_and_the_next_payment_reuses_the_payment_intent() {
        let fake = FakeStripe::start().await;
        let id = open_session(&fake).await["id"].as_str().unwrap().to_string();
        let failed = fake.fail_payment(&id).unwrap();
        assert_eq!(failed["status"], "requires_payment_method");
        assert_eq!(failed["last_payment_error"]["decline_code"], "generic_decline");
        let session = fake.checkout_session(&id).unwrap();
        assert_eq!(
            (session["status"].as_str(), session["payment_intent"].as_str()),
            (Some("open"), failed["id"].as_str())
        );
        let failed_charge = fake.charge(failed["latest_charge"].as_str().unwrap()).unwrap();
        assert_eq!((failed_charge["status"].as_str(), failed_charge["paid"].as_bool()), (Some("failed"), Some(false)));

        let paid = fake.pay(&id).unwrap();
        assert_eq!(paid["payment_intent"], failed["id"]);
        let intent = fake.payment_intent(failed["id"].as_str().unwrap()).unwrap();
        assert_eq!((intent["status"].as_str(), intent["last_payment_error"].as_null()), (Some("succeeded"), Some(())));
        assert_ne!(intent["latest_charge"], failed["latest_charge"]);
    }

    #[tokio::test]
    async fn an_expired_session_cannot_be_paid_nor_expired_again() {
        let fake = FakeStripe::start().await;
        let session = open_session(&fake).await;
        let id = session["id"].as_str().unwrap();
        let (status, expired) = post(&fake, &format!("v1/checkout/sessions/{id}/expire"), Some("expire-9"), &[]).await;
        assert_eq!((status, expired["status"].as_str(), expired["url"].as_null()), (200, Some("expired"), Some(())));
        let response = client().get(session["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(response.status(), 400);
        assert!(response.text().await.unwrap().contains("<h1>This checkout session has expired</h1>"));
        assert!(fake.pay(id).is_none() && fake.fail_payment(id).is_none());
        let (status, body) = post(&fake, &format!("v1/checkout/sessions/{id}/expire"), None, &[]).await;
        assert_eq!(status, 400);
        assert_eq!(
            body["error"]["message"],
            "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \
             `expired`."
        );
        assert!(fake.expire_checkout_session(id).is_none());
    }

    #[tokio::test]
    async fn sessions_refuse_what_stripe_refuses() {
        let fake = FakeStripe::start().await;
        let early = cart(&(now() + 600).to_string());
        let early: Vec<(&str, &str)> = early.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = post(&fake, "v1/checkout/sessions", None, &early).await;
        assert_eq!((status, body["error"]["param"].as_str()), (400, Some("expires_at")));
        assert!(body["error"]["message"].as_str().unwrap().contains("at least 30 minutes"));
        let late = cart(&(now() + 90_000).to_string());
        let late: Vec<(&str, &str)> = late.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, body) = post(&fake, "v1/checkout/sessions", None, &late).await;
        assert!(body["error"]["message"].as_str().unwrap().contains("less than 24 hours"));

        let mut typo = cart(&(now() + 3600).to_string());
        typo.push(("line_items[1][price_data][product_data][nme]", "x".into()));
        let typo: Vec<(&str, &str)> = typo.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (_, body) = post(&fake, "v1/checkout/sessions", None, &typo).await;
        assert_eq!(
            body["error"]["message"],
            "Received unknown parameter: line_items[1][price_data][product_data][nme]"
        );
        let (status, body) = get(&fake, "v1/checkout/sessions/cs_test_nope/line_items").await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("resource_missing")));
    }

    #[tokio::test]
    async fn transfers_reversals_and_refunds_keep_within_what_is_left() {
        let fake = FakeStripe::start().await;
        let id = open_session(&fake).await["id"].as_str().unwrap().to_string();
        let intent = fake.pay(&id).unwrap()["payment_intent"].as_str().unwrap().to_string();
        let charge = fake.payment_intent(&intent).unwrap()["latest_charge"].as_str().unwrap().to_string();
        let source = charge.as_str();
        let (status, a) =
            post(&fake, "v1/transfers", Some("tr-1"), &transfer_form("2500", "acct_seller1", Some(source))).await;
        assert_eq!((status, a["destination_payment"].as_str().map(|p| p.starts_with("py_"))), (200, Some(true)));
        let (status, body) =
            post(&fake, "v1/transfers", None, &transfer_form("3001", "acct_seller2", Some(source))).await;
        assert_eq!(status, 400);
        assert_eq!(
            body["error"]["message"],
            "Transfers using this transaction as a source must not exceed the source amount of $55.00. (There is \
             already a transfer using this source, amounting to $25.00.)"
        );
        let second = transfer_form("3000", "acct_seller2", Some(source));
        let (status, b) = post(&fake, "v1/transfers", None, &second).await;
        assert_eq!(status, 200);
        let (_, listed) = get(&fake, "v1/transfers?transfer_group=order-9").await;
        assert_eq!(
            listed["data"].as_array().map(|d| d.iter().map(|t| t["id"].clone()).collect::<Vec<_>>()),
            Some(vec![b["id"].clone(), a["id"].clone()])
        );

        let a_id = a["id"].as_str().unwrap();
        let reversals = format!("v1/transfers/{a_id}/reversals");
        let (status, body) = post(&fake, &reversals, None, &[("amount", "2501")]).await;
        assert_eq!((status, body["error"]["param"].as_str()), (400, Some("amount")));
        let (status, reversal) = post(&fake, &reversals, Some("trr-1"), &[("amount", "1000")]).await;
        assert_eq!((status, reversal["object"].as_str()), (200, Some("transfer_reversal")));
        let (_, rest) = post(&fake, &reversals, None, &[]).await;
        assert_eq!(rest["amount"], 1500);
        let reversed = fake.transfer(a_id).unwrap();
        assert_eq!((reversed["amount_reversed"].as_i64(), reversed["reversed"].as_bool()), (Some(2500), Some(true)));
        assert_eq!(reversed["reversals"]["data"][0]["id"], rest["id"]);
        let (_, body) = post(&fake, &reversals, None, &[]).await;
        assert_eq!(body["error"]["message"], format!("The transfer {a_id} is already fully reversed."));
        assert_eq!(fake.reversals().len(), 2);

        let (status, refund) = post(
            &fake,
            "v1/refunds",
            Some("re-1"),
            &[("payment_intent", &intent), ("amount", "2500"), ("reason", "requested_by_customer")],
        )
        .await;
        assert_eq!((status, refund["charge"].as_str()), (200, Some(charge.as_str())));
        let (_, body) = post(&fake, "v1/refunds", None, &[("payment_intent", &intent), ("amount", "3001")]).await;
        assert_eq!(
            body["error"]["message"],
            "Refund amount ($30.01) is greater than unrefunded amount on charge ($30.00)"
        );
        let (_, fetched) = get(&fake, &format!("v1/refunds/{}", refund["id"].as_str().unwrap())).await;
        assert_eq!(fetched, refund);
        let (_, whole) = post(&fake, "v1/refunds", None, &[("charge", &charge)]).await;
        assert_eq!(whole["amount"], 3000);
        let refunded = fake.charge(&charge).unwrap();
        assert_eq!((refunded["amount_refunded"].as_i64(), refunded["refunded"].as_bool()), (Some(5500), Some(true)));
        let (_, body) = post(&fake, "v1/refunds", None, &[("charge", &charge)]).await;
        assert_eq!(body["error"]["code"], "charge_already_refunded");
        assert_eq!(fake.refunds().len(), 2);
        assert_eq!(fake.transfers().len(), 2);
    }

    #[tokio::test]
    async fn transfers_go_only_to_known_accounts_that_take_transfers() {
        let fake = FakeStripe::start().await;
        let (_, account) = post(&fake, "v1/accounts", None, &[("type", "express")]).await;
        let account = account["id"].as_str().unwrap().to_string();
        let (status, body) = post(&fake, "v1/transfers", None, &transfer_form("100", "acct_unknown", None)).await;
        assert_eq!((status, body["error"]["message"].as_str()), (400, Some("No such destination: 'acct_unknown'")));
        let to_new = transfer_form("100", &account, None);
        let (_, body) = post(&fake, "v1/transfers", None, &to_new).await;
        assert_eq!(body["error"]["code"], "insufficient_capabilities_for_transfer");
        fake.finish_onboarding(&account);
        let (status, _) = post(&fake, "v1/transfers", None, &to_new).await;
        assert_eq!(status, 200);
    }

    #[test]
    fn the_builders_make_the_objects_events_carry() {
        use super::super::{
            charge_object, payment_intent_object, refund_object, transfer_object, transfer_reversal_object,
        };
        let reversal = transfer_reversal_object("trr_1", "tr_1", 400, "usd", Map::new(), 1_780_000_100);
        let transfer = transfer_object(
            "tr_1",
            1000,
            "usd",
            "acct_1",
            Some("ch_1"),
            Some("order-1"),
            &[reversal],
            Map::new(),
            1_780_000_000,
        );
        assert_eq!((transfer["amount_reversed"].as_i64(), transfer["reversed"].as_bool()), (Some(400), Some(false)));
        let charge = charge_object("ch_1", "pi_1", 1000, "usd", true, 1000, Some("order-1"), 1_780_000_000);
        assert_eq!((charge["refunded"].as_bool(), charge["balance_transaction"].as_str()), (Some(true), Some("txn_1")));
        let failed =
            payment_intent_object("pi_2", 1000, "usd", "requires_payment_method", Some("ch_2"), None, Map::new(), 1);
        assert_eq!(failed["last_payment_error"]["payment_method"]["card"]["last4"], "0002");
        let refund = refund_object("re_1", "ch_1", Some("pi_1"), 1000, "usd", Some("duplicate"), Map::new(), 1);
        let payload = event("evt_1", "charge.refunded", 1_780_000_000, charge);
        assert!(payload.contains("\"type\": \"charge.refunded\""));
        assert_eq!(
            (refund["status"].as_str(), transfer["reversals"]["total_count"].as_u64()),
            (Some("succeeded"), Some(1))
        );
        assert_eq!(money(123_456_789, "usd"), "$1,234,567.89");
        assert_eq!((money(500, "jpy"), money(7, "chf")), ("¥500".to_string(), "0.07 CHF".to_string()));
    }
}
