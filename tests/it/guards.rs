//! Every server function is either public on purpose or refuses signed-out callers: a new
//! endpoint fails this test until someone decides which it is.

use crate::helpers::TestApp;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;

/// Endpoints anyone may call (signing in needs no session).
const PUBLIC: &[&str] = &[
    "accounts/sign-up",
    "accounts/confirm-email",
    "accounts/sign-in",
    "accounts/sign-out",
    "accounts/me",
    "accounts/forgot-password",
    "accounts/reset-password",
    "accounts/magic-link",
    "accounts/use-magic-link",
    "accounts/confirm-email-change",
    "status/live",
    "status/system",
    "accounts/sign-in-methods",
    // Visitors try thread generation; limits are per IP.
    "threads/generate",
    "quotas/usage",
    // Visitors try product descriptions too (limits per IP); the access check answers
    // "signed out" to them.
    "tools/describe",
    "tools/transcription-access",
    // Visitors compare plans before signing up.
    "billing/pricing",
    // The marketplace is public to read (listings on sale only; a seller also sees their own).
    "catalogue/categories",
    "catalogue/home",
    "catalogue/product",
    "catalogue/seller",
    "catalogue/category",
    "catalogue/search",
    "catalogue/suggest",
    // Visitors fill a cart in their session; it joins their account's cart when they sign in.
    "commerce/cart",
    "commerce/cart-count",
    "commerce/cart-add",
    "commerce/cart-quantity",
    "commerce/cart-remove",
    // A product page's panel and a shop's reviews are public to read; visitors' favourite ids
    // are none.
    "commerce/product-panel",
    "commerce/seller-reviews",
    "commerce/favourite-ids",
    // The header asks on every page: visitors get no live stream (None).
    "messages/live-start",
    // Every page asks; only admins get the maintenance banner's text.
    "maintenance-notice",
];

/// Endpoints for signed-in users or admins, with arguments that decode (so the guard, not
/// the argument check, is what answers).
const GUARDED: &[(&str, &[(&str, &str)])] = &[
    ("billing/checkout", &[("plan", "pro")]),
    ("billing/checkout-progress", &[("session_id", "cs_test_1")]),
    ("billing/overview", &[]),
    ("billing/portal", &[]),
    ("billing/referrals", &[]),
    ("sell/dashboard", &[]),
    ("sell/start", &[("handle", "ada-shop")]),
    ("sell/continue-onboarding", &[]),
    (
        "sell/create",
        &[
            ("form[title]", "Desk"),
            ("form[description]", ""),
            ("form[price]", "10"),
            ("form[currency]", "USD"),
            ("form[stock]", "1"),
            ("form[category]", "furniture"),
            ("form[condition]", "good"),
        ],
    ),
    ("sell/listing", &[("id", "00000000-0000-0000-0000-000000000000")]),
    (
        "sell/update",
        &[
            ("id", "00000000-0000-0000-0000-000000000000"),
            ("form[title]", "Desk"),
            ("form[description]", ""),
            ("form[price]", "10"),
            ("form[currency]", "USD"),
            ("form[stock]", "1"),
            ("form[category]", "furniture"),
            ("form[condition]", "good"),
        ],
    ),
    ("sell/status", &[("id", "00000000-0000-0000-0000-000000000000"), ("change", "publish")]),
    ("sell/delete", &[("id", "00000000-0000-0000-0000-000000000000")]),
    (
        "sell/reorder-images",
        &[("product", "00000000-0000-0000-0000-000000000000"), ("order[0]", "00000000-0000-0000-0000-000000000000")],
    ),
    (
        "sell/delete-image",
        &[("product", "00000000-0000-0000-0000-000000000000"), ("image", "00000000-0000-0000-0000-000000000000")],
    ),
    ("tools/description", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("tools/transcript", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("accounts/sign-out-everywhere", &[]),
    ("accounts/profile", &[]),
    ("accounts/update-profile", &[("display_name", "X"), ("bio", "")]),
    ("accounts/change-password", &[("current_password", "x"), ("new_password", "a long new secret")]),
    ("accounts/change-email", &[("new_email", "x@example.com"), ("current_password", "x")]),
    ("accounts/sessions", &[]),
    ("accounts/end-session", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("accounts/delete-account", &[("confirm_email", "x@example.com"), ("current_password", "x")]),
    ("accounts/addresses", &[]),
    (
        "accounts/save-address",
        &[
            ("address[full_name]", "A"),
            ("address[line1]", "B"),
            ("address[city]", "C"),
            ("address[postal_code]", "1"),
            ("address[country]", "DE"),
        ],
    ),
    ("accounts/default-address", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("accounts/delete-address", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("admin/gate", &[]),
    ("admin/step-up", &[("key", "x")]),
    ("mail/list", &[]),
    ("mail/get", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("mail/test", &[("to", "x@example.com")]),
    ("mail/retry", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("threads/create", &[("posts[0]", "x"), ("numbering", "1/7")]),
    ("assistant/send", &[("message", "x"), ("retry", "false")]),
    ("assistant/conversations", &[]),
    ("assistant/conversation", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("assistant/rename", &[("id", "00000000-0000-0000-0000-000000000000"), ("title", "x")]),
    ("assistant/delete", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("threads/get", &[("id", "00000000-0000-0000-0000-000000000000")]),
    (
        "threads/save",
        &[("id", "00000000-0000-0000-0000-000000000000"), ("posts[0]", "x"), ("numbering", "1/7"), ("version", "1")],
    ),
    ("threads/rename", &[("id", "00000000-0000-0000-0000-000000000000"), ("title", "x")]),
    ("threads/duplicate", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("threads/delete", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("threads/restore", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("history/list", &[("kind", "all"), ("query", ""), ("page", "1")]),
    ("history/delete", &[("kind", "thread"), ("id", "00000000-0000-0000-0000-000000000000")]),
    ("history/restore", &[("kind", "thread"), ("id", "00000000-0000-0000-0000-000000000000")]),
    ("letters/create", &[("input[letter_type]", "general")]),
    ("letters/update", &[("id", "00000000-0000-0000-0000-000000000000"), ("input[letter_type]", "general")]),
    ("letters/get", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("letters/list", &[]),
    ("letters/delete", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("letters/generate", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("letters/save-body", &[("id", "00000000-0000-0000-0000-000000000000"), ("body", "x")]),
    ("letters/submit", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("letters/queue", &[("status", ""), ("age", "any")]),
    ("letters/comment", &[("id", "00000000-0000-0000-0000-000000000000"), ("comment", "x")]),
    ("letters/review-edit", &[("id", "00000000-0000-0000-0000-000000000000"), ("body", "x")]),
    ("letters/approve", &[("id", "00000000-0000-0000-0000-000000000000"), ("comment", "")]),
    ("letters/return", &[("id", "00000000-0000-0000-0000-000000000000"), ("comment", "x")]),
    (
        "letters/send",
        &[("id", "00000000-0000-0000-0000-000000000000"), ("method", "post"), ("posted_on", "2026-01-01")],
    ),
    ("letters/reset-stuck", &[]),
    ("commerce/checkout", &[]),
    (
        "commerce/pay",
        &[("address", "00000000-0000-0000-0000-000000000000"), ("currency", "USD"), ("total_cents", "100")],
    ),
    ("commerce/purchase-progress", &[("purchase", "00000000-0000-0000-0000-000000000000")]),
    ("commerce/orders", &[("seller", "false"), ("filter", ""), ("page", "1")]),
    ("commerce/order", &[("number", "TH-100001"), ("seller", "false")]),
    ("commerce/ship", &[("number", "TH-100001"), ("carrier", "UPS"), ("tracking_number", "1Z")]),
    ("commerce/delivered", &[("number", "TH-100001")]),
    ("commerce/refund", &[("number", "TH-100001"), ("amount", "1.00"), ("restock", "false"), ("reason", "")]),
    ("commerce/review", &[("item", "00000000-0000-0000-0000-000000000000"), ("rating", "5"), ("body", "")]),
    ("commerce/review-reply", &[("review", "00000000-0000-0000-0000-000000000000"), ("reply", "x")]),
    ("commerce/review-report", &[("review", "00000000-0000-0000-0000-000000000000"), ("reason", "x")]),
    (
        "admin/commerce/review-hidden",
        &[("review", "00000000-0000-0000-0000-000000000000"), ("hidden", "true"), ("reason", "")],
    ),
    ("commerce/favourite", &[("product", "00000000-0000-0000-0000-000000000000")]),
    ("commerce/favourites", &[]),
    ("commerce/payouts", &[("currency", "")]),
    ("admin/commerce/refund", &[("number", "TH-100001"), ("amount", "1.00"), ("restock", "false"), ("reason", "")]),
    ("messages/start", &[("order", "TH-100001")]),
    ("messages/list", &[]),
    ("messages/conversation", &[("id", "00000000-0000-0000-0000-000000000000")]),
    ("messages/send", &[("conversation", "00000000-0000-0000-0000-000000000000"), ("text", "hi")]),
    ("messages/edit", &[("id", "1"), ("text", "hi")]),
    ("messages/delete", &[("id", "1")]),
    ("messages/read", &[("conversation", "00000000-0000-0000-0000-000000000000"), ("through", "1")]),
    ("messages/typing", &[("conversation", "00000000-0000-0000-0000-000000000000")]),
    ("messages/block", &[("conversation", "00000000-0000-0000-0000-000000000000"), ("blocked", "true")]),
    ("messages/report", &[("message", "1"), ("reason", "spam")]),
    ("messages/email-notices", &[]),
    ("messages/set-email-notices", &[("on", "false")]),
    ("admin/today", &[]),
    ("admin/maintenance", &[]),
    ("admin/maintenance/set", &[("on", "off"), ("message", "")]),
    ("admin/users", &[("q", ""), ("filter", "")]),
    ("admin/user", &[("id", ZERO)]),
    ("admin/users/ban", &[("id", ZERO), ("reason", "spam")]),
    ("admin/users/unban", &[("id", ZERO)]),
    ("admin/users/role", &[("id", ZERO), ("role", "member")]),
    ("admin/users/grant", &[("id", ZERO), ("plan", "pro"), ("until", "2099-01-01")]),
    ("admin/users/revoke", &[("id", ZERO)]),
    ("admin/users/reset-limits", &[("id", ZERO)]),
    ("admin/audit", &[("filter[actor]", "")]),
    ("admin/analytics", &[("from", ""), ("to", ""), ("days", "")]),
    ("admin/alerts", &[]),
    ("admin/alerts/history", &[]),
    ("admin/alerts/check", &[]),
    ("admin/products", &[]),
    ("admin/products/moderate", &[("action", "hide"), ("reason", "x"), ("all_matching", "true")]),
    ("admin/reviews", &[]),
    ("admin/reviews/moderate", &[("action", "hide"), ("reason", "x"), ("all_matching", "true")]),
    ("admin/webhooks", &[]),
    ("admin/webhook", &[("id", "evt_1")]),
    ("admin/webhooks/replay", &[("all_failed", "true")]),
    ("admin/emails", &[]),
    ("admin/emails/retry", &[("all_dead", "true")]),
    ("admin/emails/provider", &[("provider", "")]),
    ("admin/reports", &[]),
    ("admin/reports/resolve", &[("message", "1"), ("action", "dismiss")]),
    ("admin/orders", &[]),
    ("admin/referrals", &[]),
];

const ZERO: &str = "00000000-0000-0000-0000-000000000000";

/// The admins' endpoints: a member gets 403, and an admin who has not entered the portal key
/// is asked for it (403 `step_up_required`).
const ADMIN_ONLY: &[&str] = &[
    "mail/list",
    "mail/get",
    "mail/test",
    "mail/retry",
    "letters/queue",
    "letters/comment",
    "letters/review-edit",
    "letters/approve",
    "letters/return",
    "letters/send",
    "letters/reset-stuck",
    "admin/commerce/review-hidden",
    "admin/commerce/refund",
    "admin/today",
    "admin/maintenance",
    "admin/maintenance/set",
    "admin/users",
    "admin/user",
    "admin/users/ban",
    "admin/users/unban",
    "admin/users/role",
    "admin/users/grant",
    "admin/users/revoke",
    "admin/users/reset-limits",
    "admin/audit",
    "admin/analytics",
    "admin/alerts",
    "admin/alerts/history",
    "admin/alerts/check",
    "admin/products",
    "admin/products/moderate",
    "admin/reviews",
    "admin/reviews/moderate",
    "admin/webhooks",
    "admin/webhook",
    "admin/webhooks/replay",
    "admin/emails",
    "admin/emails/retry",
    "admin/emails/provider",
    "admin/reports",
    "admin/reports/resolve",
    "admin/orders",
    "admin/referrals",
];

/// The admin area's pages and files, walked by visitors, members and admins without the key.
const ADMIN_PAGES: &[&str] = &[
    "/admin/users",
    "/admin/users/00000000-0000-0000-0000-000000000000",
    "/admin/audit",
    "/admin/products",
    "/admin/reviews",
    "/admin/webhooks",
    "/admin/webhooks/evt_1",
    "/admin/emails",
    "/admin/reports",
    "/admin/orders",
    "/admin/referrals",
    "/admin/letters",
    "/admin/mail",
    "/admin/audit.csv",
    // Operators' detailed health check (also open to OPS_TOKEN; tests/it/observability.rs).
    "/api/health/detailed",
    "/admin/analytics",
    "/admin/analytics.csv?chart=mrr",
    "/admin/alerts",
];

#[sqlx::test(migrator = "MIGRATOR")]
async fn every_server_function_is_public_on_purpose_or_guarded(pool: PgPool) {
    // Every endpoint from one address within the minute: the per-minute limit must not answer.
    let app = TestApp::spawn_with(pool, crate::helpers::config_with(&[("REQUESTS_PER_MINUTE", "100000")])).await;
    let registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    assert!(registered.len() > 20, "the registry is filled: {registered:?}");
    for endpoint in &registered {
        let public = PUBLIC.contains(&endpoint.as_str());
        let guarded = GUARDED.iter().find(|(e, _)| e == endpoint);
        assert!(public || guarded.is_some(), "{endpoint} is new: add it to PUBLIC, or guard it and add it to GUARDED");
        if let Some((_, form)) = guarded {
            let res = app.call(endpoint, form).await;
            assert_eq!(res.status(), 401, "{endpoint} answers signed-out callers with 401");
        }
    }
    for (endpoint, _) in GUARDED {
        assert!(registered.iter().any(|r| r == endpoint), "{endpoint} is listed but no longer exists");
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admin_endpoints_and_pages_refuse_members_and_ask_admins_for_the_portal_key(pool: PgPool) {
    use crate::accounts::{PASSWORD, sign_in_cookie, signed_up_and_confirmed};
    use crate::helpers::config_with;
    const KEY: &str = "the admin portal key for guards";
    let config = config_with(&[("ADMIN_PORTAL_KEY", KEY), ("REQUESTS_PER_MINUTE", "100000")]);
    let app = TestApp::spawn_with(pool.clone(), config).await;
    let admin = app.sign_in_admin(&pool, "root@guards.test").await;
    signed_up_and_confirmed(&app, &pool, "member@guards.test").await;
    let member = sign_in_cookie(&app, "member@guards.test", PASSWORD).await.expect("member signed in");
    for endpoint in ADMIN_ONLY {
        let (_, form) =
            GUARDED.iter().find(|(e, _)| e == endpoint).unwrap_or_else(|| panic!("{endpoint} is in GUARDED"));
        assert_eq!(app.call(endpoint, form).await.status(), 401, "{endpoint}: a visitor gets 401");
        assert_eq!(app.call_as(endpoint, form, Some(&member)).await.status(), 403, "{endpoint}: a member gets 403");
        let res = app.call_as(endpoint, form, Some(&admin)).await;
        assert_eq!(res.status(), 403, "{endpoint}: an admin without the portal key is asked for it");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "step_up_required", "{endpoint}: {body}");
    }
    assert_eq!(app.get("/admin").await.status(), 401, "/admin: a visitor gets 401");
    assert_eq!(app.get_as("/admin", &member).await.status(), 403, "/admin: a member gets 403");
    let gate = app.get_as("/admin", &admin).await;
    assert_eq!(gate.status(), 200, "/admin asks an admin for the key");
    assert!(gate.text().await.unwrap().contains("Open the admin area"), "with the portal key form");
    for page in ADMIN_PAGES {
        assert_eq!(app.get(page).await.status(), 401, "{page}: a visitor gets 401");
        assert_eq!(app.get_as(page, &member).await.status(), 403, "{page}: a member gets 403");
        let res = app.get_as(page, &admin).await;
        assert_eq!(res.status(), 403, "{page}: an admin without the portal key gets 403");
        if !page.ends_with(".csv") {
            let html = res.text().await.unwrap();
            assert!(html.contains("admin portal key"), "{page} asks for the portal key");
        }
    }
}
