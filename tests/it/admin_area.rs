//! The admin area: accounts (search, suspend, role, paid access, limits), the audit log with
//! its CSV, and maintenance mode followed by every instance.

use crate::accounts::{PASSWORD, message, sign_in_cookie, signed_up_and_confirmed};
use crate::helpers::{TestApp, config_with};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

async fn user_id(pool: &PgPool, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(pool).await.unwrap()
}

async fn json(res: reqwest::Response) -> serde_json::Value {
    res.json().await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_suspended_member_is_signed_out_everywhere_at_once_and_cannot_sign_in_until_restored(pool: PgPool) {
    let app = TestApp::spawn_with(
        pool.clone(),
        config_with(&[("AUTH_ATTEMPTS_PER_ACCOUNT", "100"), ("AUTH_ATTEMPTS_PER_IP", "1000")]),
    )
    .await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let phone = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    let laptop = sign_in_cookie(&app, "ada@example.com", PASSWORD).await.unwrap();
    assert_eq!(app.call_as("billing/overview", &[], Some(&phone)).await.status(), 200);
    let ada = user_id(&pool, "ada@example.com").await.to_string();

    let res = app.call_as("admin/users/ban", &[("id", &ada), ("reason", "  ")], Some(&admin)).await;
    assert_eq!(res.status(), 400, "a reason is required");
    let res =
        app.call_as("admin/users/ban", &[("id", &ada), ("reason", "selling counterfeit goods")], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let said: String = res.json().await.unwrap();
    assert_eq!(said, "ada@example.com is suspended; their sessions have ended.");
    for session in [&phone, &laptop] {
        assert_eq!(app.call_as("billing/overview", &[], Some(session)).await.status(), 401, "every session ended");
    }
    let refused = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(message(refused).await, threadr::features::accounts::admin_actions::ACCOUNT_SUSPENDED);
    let wrong = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", "not the password")]).await;
    assert_ne!(
        message(wrong).await,
        threadr::features::accounts::admin_actions::ACCOUNT_SUSPENDED,
        "no hint without the password"
    );
    let again = app.call_as("admin/users/ban", &[("id", &ada), ("reason", "twice")], Some(&admin)).await;
    assert_eq!(message(again).await, "This account is already suspended.");

    let listed = json(app.call_as("admin/users", &[("q", ""), ("filter", "suspended")], Some(&admin)).await).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["users"][0]["email"], "ada@example.com");
    let detail = json(app.call_as("admin/user", &[("id", &ada)], Some(&admin)).await).await;
    assert_eq!(detail["banned_reason"], "selling counterfeit goods");
    assert_eq!(detail["sessions"].as_array().unwrap().len(), 0);
    let banned = detail["audit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["event"] == "user_banned")
        .expect("the ban is in the trail");
    assert_eq!(banned["actor"], "root@example.com");

    let res = app.call_as("admin/users/unban", &[("id", &ada)], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let back = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(back.status(), 200, "restored accounts sign in: {}", back.text().await.unwrap_or_default());
    let trail: Vec<(String, String, String)> =
        sqlx::query_as("SELECT event, email::text, target FROM audit_log WHERE target IS NOT NULL ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let target = format!("user:{ada}");
    assert_eq!(
        trail,
        [
            ("user_banned".into(), "root@example.com".into(), target.clone()),
            ("user_unbanned".into(), "root@example.com".into(), target)
        ],
        "every admin action is one audit row naming the admin and the account"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn admins_cannot_lock_themselves_out_and_role_changes_end_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    let root = user_id(&pool, "root@example.com").await.to_string();
    let res = app.call_as("admin/users/ban", &[("id", &root), ("reason", "x")], Some(&admin)).await;
    assert_eq!(message(res).await, "You cannot suspend your own account.");
    let res = app.call_as("admin/users/role", &[("id", &root), ("role", "member")], Some(&admin)).await;
    assert_eq!(message(res).await, "You cannot change your own role; ask another admin.");
    let res = app.call_as("admin/users/role", &[("id", &root), ("role", "owner")], Some(&admin)).await;
    assert_eq!(res.status(), 400);
    let res = app.call_as("admin/users/ban", &[("id", &Uuid::nil().to_string()), ("reason", "x")], Some(&admin)).await;
    assert_eq!(res.status(), 404);

    signed_up_and_confirmed(&app, &pool, "bob@example.com").await;
    let bob_session = sign_in_cookie(&app, "bob@example.com", PASSWORD).await.unwrap();
    let bob = user_id(&pool, "bob@example.com").await.to_string();
    let res = app.call_as("admin/users/role", &[("id", &bob), ("role", "admin")], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.call_as("billing/overview", &[], Some(&bob_session)).await.status(),
        401,
        "a role change ends sessions"
    );
    let bob_admin = sign_in_cookie(&app, "bob@example.com", PASSWORD).await.unwrap();
    assert_eq!(app.call_as("admin/users", &[("q", "root"), ("filter", "")], Some(&bob_admin)).await.status(), 200);
    let res = app.call_as("admin/users/ban", &[("id", &bob), ("reason", "x")], Some(&admin)).await;
    assert_eq!(message(res).await, "Admins cannot be suspended; change the role to member first.");
    let admins =
        json(app.call_as("admin/users", &[("q", "EXAMPLE.com"), ("filter", "admins")], Some(&admin)).await).await;
    assert_eq!(admins["total"], 2, "search ignores case; the filter keeps admins");
    let none = json(app.call_as("admin/users", &[("q", "%"), ("filter", "")], Some(&admin)).await).await;
    assert_eq!(none["total"], 0, "% is a character, not a wildcard");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn paid_access_is_granted_until_a_day_and_revoked_and_limits_reset(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let ada_id = user_id(&pool, "ada@example.com").await;
    let ada = ada_id.to_string();
    let until = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    let res =
        app.call_as("admin/users/grant", &[("id", &ada), ("plan", "business"), ("until", &until)], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let line: String = res.json().await.unwrap();
    assert_eq!(line, format!("ada@example.com has Business until {until} 23:59 UTC"));
    let plan = threadr::features::quotas::entitlement(&pool, ada_id, chrono::Utc::now()).await.unwrap();
    assert_eq!(plan, threadr::features::quotas::Plan::Business);
    let res = app
        .call_as("admin/users/grant", &[("id", &ada), ("plan", "business"), ("until", "2020-01-01")], Some(&admin))
        .await;
    assert_eq!(message(res).await, "The end date must be today or later.");
    let res =
        app.call_as("admin/users/grant", &[("id", &ada), ("plan", "gold"), ("until", &until)], Some(&admin)).await;
    assert_eq!(res.status(), 400);
    let detail = json(app.call_as("admin/user", &[("id", &ada)], Some(&admin)).await).await;
    assert_eq!(detail["plan"], "Business");
    let res = app.call_as("admin/users/revoke", &[("id", &ada)], Some(&admin)).await;
    assert_eq!(res.json::<String>().await.unwrap(), "ada@example.com: 1 grant(s) ended");
    let plan = threadr::features::quotas::entitlement(&pool, ada_id, chrono::Utc::now()).await.unwrap();
    assert_eq!(plan, threadr::features::quotas::Plan::Free);

    for _ in 0..3 {
        sqlx::query("INSERT INTO auth_attempts (scope, key) VALUES ('sign_in', 'account:ada@example.com')")
            .execute(&pool)
            .await
            .unwrap();
    }
    let res = app.call_as("admin/users/reset-limits", &[("id", &ada)], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    let said = res.json::<String>().await.unwrap();
    assert!(said.starts_with("Limits cleared for ada@example.com ("), "{said}");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM auth_attempts WHERE key = 'account:ada@example.com'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT event FROM audit_log WHERE email = 'root@example.com' AND target IS NOT NULL ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(events, ["premium_granted", "premium_revoked", "rate_limits_reset"]);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_audit_log_filters_by_actor_action_target_and_day_and_exports_inert_csv(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    let admin = app.sign_in_admin(&pool, "root@example.com").await;
    signed_up_and_confirmed(&app, &pool, "ada@example.com").await;
    let _ = app.call("accounts/sign-in", &[("email", "ada@example.com"), ("password", "wrong password")]).await;
    sqlx::query("INSERT INTO audit_log (event, email, detail) VALUES ('sign_in_failed', '=cmd@example.com', '{}')")
        .execute(&pool)
        .await
        .unwrap();
    let target = user_id(&pool, "ada@example.com").await.to_string();
    app.call_as("admin/users/ban", &[("id", &target), ("reason", "spam, \"quoted\"")], Some(&admin)).await;
    sqlx::query("INSERT INTO audit_log (at, event, detail) VALUES (now() - interval '3 days', 'old_event', '{}')")
        .execute(&pool)
        .await
        .unwrap();

    let page = |form: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            json(app.call_as("admin/audit", &form, Some(&admin)).await).await
        }
    };
    let banned = page(vec![("filter[action]", "user_banned".into())]).await;
    assert_eq!(banned["total"], 1);
    assert_eq!(banned["lines"][0]["actor"], "root@example.com");
    assert_eq!(banned["lines"][0]["target"], format!("user:{target}"));
    let sign_ins = page(vec![("filter[action]", "sign_in".into())]).await;
    let events: Vec<&str> =
        sign_ins["lines"].as_array().unwrap().iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert!(events.contains(&"sign_in_failed") && events.contains(&"sign_in"), "a prefix finds its family: {events:?}");
    let by_target = page(vec![("filter[target]", target.clone())]).await;
    assert_eq!(by_target["total"], 1);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let today_only = page(vec![("filter[from]", today.clone()), ("filter[to]", today.clone())]).await;
    assert!(today_only["lines"].as_array().unwrap().iter().all(|l| l["event"] != "old_event"));
    let by_actor = page(vec![("filter[actor]", "ROOT@".into())]).await;
    assert!(by_actor["lines"].as_array().unwrap().iter().all(|l| l["actor"] == "root@example.com"));
    let res = app.call_as("admin/audit", &[("filter[from]", "last tuesday")], Some(&admin)).await;
    assert_eq!(res.status(), 400);
    assert!(banned["events"].as_array().unwrap().iter().any(|e| e == "old_event"), "the action filter's suggestions");

    let csv = app.get_as("/admin/audit.csv?action=user_banned", &admin).await;
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][2], "user_banned");
    assert!(rows[0][6].contains(r#""reason": "spam, \"quoted\"""#), "{}", &rows[0][6]);
    let all = app.get_as("/admin/audit.csv?actor=%3Dcmd", &admin).await.text().await.unwrap();
    for record in csv::Reader::from_reader(all.as_bytes()).records().map(Result::unwrap) {
        assert!(record[3].starts_with("'="), "a formula-looking actor is made inert: {:?}", &record[3]);
    }
    assert_eq!(app.get("/admin/audit.csv").await.status(), 401);
    let exported: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE event = 'audit_exported'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(exported, 2, "exports are audited too");
}

/// Polls `path` on `app` until it answers `status`, for at most `limit`.
async fn until_status(app: &TestApp, path: &str, status: u16, limit: Duration) -> reqwest::Response {
    let started = Instant::now();
    loop {
        let res = app.get(path).await;
        if res.status() == status || started.elapsed() > limit {
            return res;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn maintenance_closes_the_site_on_every_instance_but_health_webhooks_and_admins(pool: PgPool) {
    let one = TestApp::spawn(pool.clone()).await;
    let two = TestApp::spawn(pool.clone()).await;
    let admin = one.sign_in_admin(&pool, "root@example.com").await;
    signed_up_and_confirmed(&one, &pool, "ada@example.com").await;
    let member = sign_in_cookie(&one, "ada@example.com", PASSWORD).await.unwrap();
    assert_eq!(two.get("/pricing").await.status(), 200, "instance two has read the switch: off");

    let too_long = "x".repeat(501);
    let res = one.call_as("admin/maintenance/set", &[("on", "on"), ("message", &too_long)], Some(&admin)).await;
    assert_eq!(res.status(), 400);
    let res = one
        .call_as(
            "admin/maintenance/set",
            &[("on", "on"), ("message", "Upgrading the database <b>until 14:00</b>")],
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);

    let page = one.get("/pricing").await;
    assert_eq!(page.status(), 503, "the instance that switched follows at once");
    assert_eq!(page.headers()["retry-after"], "120");
    let html = page.text().await.unwrap();
    assert!(html.contains("Upgrading the database &lt;b&gt;until 14:00&lt;/b&gt;"), "{html}");
    let started = Instant::now();
    let other = until_status(&two, "/pricing", 503, Duration::from_secs(10)).await;
    assert_eq!(other.status(), 503, "the other instance follows");
    assert!(started.elapsed() < Duration::from_secs(5), "within seconds: {:?}", started.elapsed());

    assert_eq!(one.get_as("/account", &member).await.status(), 503, "members too");
    let api = one.call_as("billing/overview", &[], Some(&member)).await;
    assert_eq!(api.status(), 503);
    assert_eq!(message(api).await, "Upgrading the database <b>until 14:00</b>");
    assert_eq!(one.get("/health").await.status(), 200);
    let webhook = one.client.post(one.url("/webhooks/stripe")).body("{}").send().await.unwrap();
    assert_eq!(webhook.status(), 400, "Stripe's webhook is still heard (and refuses an unsigned body)");
    assert_eq!(one.get("/sign-in").await.status(), 200, "admins can still sign in");
    let admin_page = one.get_as("/pricing", &admin).await;
    assert_eq!(admin_page.status(), 200, "admins keep the site");
    assert!(admin_page.text().await.unwrap().contains("Maintenance mode is on"), "with a banner");
    let admin_again = sign_in_cookie(&two, "root@example.com", "a long admin secret").await;
    assert!(admin_again.is_some(), "an admin signs in during maintenance");

    let res = one.call_as("admin/maintenance/set", &[("on", "off"), ("message", "")], Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(one.get("/pricing").await.status(), 200);
    assert_eq!(until_status(&two, "/pricing", 200, Duration::from_secs(10)).await.status(), 200);
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event FROM audit_log WHERE event = 'maintenance_switched' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 2);
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn maintenance_mode_from_the_environment_is_written_for_every_instance(pool: PgPool) {
    let config = config_with(&[("MAINTENANCE_MODE", "true"), ("MAINTENANCE_MESSAGE", "Back at noon")]);
    threadr::features::admin::apply_startup_switch(&pool, config.maintenance.as_ref()).await.unwrap();
    let app = TestApp::spawn(pool.clone()).await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("Back at noon"));
    let config = config_with(&[("MAINTENANCE_MODE", "false")]);
    threadr::features::admin::apply_startup_switch(&pool, config.maintenance.as_ref()).await.unwrap();
    assert_eq!(until_status(&app, "/", 200, Duration::from_secs(10)).await.status(), 200);
    assert!(
        threadr::server::config::Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some("postgres://x@127.0.0.1/x".into()),
            "MAINTENANCE_MODE" => Some("sometimes".into()),
            _ => None,
        })
        .is_err()
    );
}
