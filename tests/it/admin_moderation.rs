//! Listing moderation in bulk: a filter finds them, one action hides, removes or restores them
//! all, each change is audited, and each seller gets one email naming their listings.

use crate::commerce_support::{Market, ROOMY, message};
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;
use uuid::Uuid;

async fn status(pool: &PgPool, id: Uuid) -> (String, Option<String>) {
    sqlx::query_as("SELECT status::text, removed_reason FROM products WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn slug(pool: &PgPool, id: Uuid) -> String {
    sqlx::query_scalar("SELECT slug FROM products WHERE id = $1").bind(id).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn an_admin_hides_every_listing_a_filter_finds_and_each_seller_is_told_once(pool: PgPool) {
    let m = Market::start_with(&pool, ROOMY).await;
    let sal = m.seller("sal@example.com", "sals-shop").await;
    let tom = m.seller("tom@example.com", "toms-shop").await;
    let lamps = [
        m.listing(&sal, "Brass counterfeit lamp", "40.00", "1").await,
        m.listing(&sal, "Copper counterfeit lamp", "45.00", "1").await,
        m.listing(&tom, "Glass counterfeit lamp", "30.00", "2").await,
    ];
    let desk = m.listing(&tom, "Oak desk", "120.00", "1").await;
    let admin = m.app.sign_in_admin(&pool, "root@example.com").await;
    let lamp_page = format!("/products/{}", slug(&pool, lamps[0]).await);
    assert_eq!(m.app.get(&lamp_page).await.status(), 200);

    let found: serde_json::Value = m
        .app
        .call_as("admin/products", &[("filter[q]", "counterfeit"), ("filter[status]", "active")], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 3);
    let form = [
        ("action", "hide"),
        ("reason", "Counterfeit brand goods"),
        ("all_matching", "true"),
        ("filter[q]", "counterfeit"),
        ("filter[status]", "active"),
    ];
    let res = m.app.call_as("admin/products/moderate", &form, Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<String>().await.unwrap(), "3 listings hidden; the sellers are told by email.");
    for lamp in lamps {
        assert_eq!(status(&pool, lamp).await, ("hidden".into(), Some("Counterfeit brand goods".into())));
    }
    assert_eq!(status(&pool, desk).await.0, "active", "what the filter did not find is untouched");
    assert_eq!(m.app.get(&lamp_page).await.status(), 404, "visitors no longer see it (the page cache forgot it)");

    let mails: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT recipient, template_data FROM email_outbox WHERE template = 'listings_moderated' ORDER BY recipient",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 2, "one email per seller");
    assert_eq!(mails[0].0, "sal@example.com");
    assert_eq!(mails[0].1["titles"], serde_json::json!(["Brass counterfeit lamp", "Copper counterfeit lamp"]));
    assert_eq!(mails[0].1["reason"], "Counterfeit brand goods");
    assert_eq!(mails[1].0, "tom@example.com");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE event = 'product_hidden' AND email = 'root@example.com' AND target LIKE 'product:%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 3, "one audit row per listing");

    // Hiding again changes nothing and says so; removing one by id takes it off for good.
    let again = m.app.call_as("admin/products/moderate", &form, Some(&admin)).await;
    assert_eq!(again.status(), 400, "nothing matches the active filter any more: {}", message(again).await);
    let one = lamps[0].to_string();
    let res = m
        .app
        .call_as(
            "admin/products/moderate",
            &[("action", "remove"), ("reason", "Repeat offence"), ("ids[0]", &one)],
            Some(&admin),
        )
        .await;
    assert_eq!(res.json::<String>().await.unwrap(), "1 listing removed; the sellers are told by email.");
    let relist = m.app.call_as("sell/status", &[("id", &one), ("change", "publish")], Some(&sal)).await;
    assert_eq!(relist.status(), 400, "a removed listing cannot be put back on sale by its seller");

    // Restore brings back what moderators took off sale, and nothing a seller paused.
    let ids: Vec<String> = lamps.iter().map(Uuid::to_string).collect();
    let res = m
        .app
        .call_as(
            "admin/products/moderate",
            &[
                ("action", "restore"),
                ("ids[0]", &ids[0]),
                ("ids[1]", &ids[1]),
                ("ids[2]", &ids[2]),
                ("ids[3]", &desk.to_string()),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(
        res.json::<String>().await.unwrap(),
        "3 listings restored; the sellers are told by email. 1 listing already so, left alone."
    );
    for lamp in lamps {
        assert_eq!(status(&pool, lamp).await, ("active".into(), None));
    }
    assert_eq!(m.app.get(&lamp_page).await.status(), 200);

    // Bad input: no reason, no selection, an unknown action, a member.
    let res = m.app.call_as("admin/products/moderate", &[("action", "hide"), ("ids[0]", &ids[0])], Some(&admin)).await;
    assert_eq!(message(res).await, "Give a reason: the seller is told it.");
    let res = m.app.call_as("admin/products/moderate", &[("action", "hide"), ("reason", "x")], Some(&admin)).await;
    assert_eq!(message(res).await, "Select at least one item, or all that match the filter.");
    let res = m
        .app
        .call_as("admin/products/moderate", &[("action", "burn"), ("reason", "x"), ("ids[0]", &ids[0])], Some(&admin))
        .await;
    assert_eq!(res.status(), 400);
    let res = m
        .app
        .call_as("admin/products/moderate", &[("action", "hide"), ("reason", "x"), ("ids[0]", &ids[0])], Some(&sal))
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(status(&pool, lamps[0]).await.0, "active", "refused actions change nothing");
}
