//! Listing photos through the app's own route: each upload is the raw body with its name in the
//! query, checked and re-encoded before anything is recorded; at most eight; only the seller's
//! own listing; reordering and deleting through server functions; deleted photos' files swept.
//! What each bad upload gets is a 4xx with `{"message"}` and nothing stored.

use crate::catalogue_sellers::{become_seller, create, listing_form, signed_in};
use crate::fake_stripe::FakeStripe;
use crate::helpers::{TestApp, config_with, count, site_options};
use crate::image_fixtures as fx;
use serde_json::Value;
use sqlx::PgPool;
use threadr::server::db::MIGRATOR;
use threadr::server::state::AppState;
use uuid::Uuid;

async fn upload(app: &TestApp, cookie: Option<&str>, product: Uuid, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let mut req = app.client.post(app.url(&format!("/sell/products/{product}/images?name={name}"))).body(bytes);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = req.send().await.expect("upload sent");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn photos_are_checked_kept_in_order_and_only_the_sellers(pool: PgPool) {
    let fake = FakeStripe::start().await;
    let media = tempfile::tempdir().unwrap();
    let media_dir = media.path().display().to_string();
    let app = TestApp::spawn_with(
        pool.clone(),
        crate::billing_support::stripe_config(&fake.base_url, &[("MEDIA_DIR", media_dir.as_str())]),
    )
    .await;
    let ada = signed_in(&app, &pool, "ada@example.com").await;
    become_seller(&app, &fake, &pool, &ada, "ada-shop").await;
    let desk = create(&app, &ada, &listing_form("Walnut desk", "120", "1", "furniture")).await;

    // Bad files: refused with their reason, nothing recorded or stored.
    let jpeg = fx::with_exif(&fx::jpeg(640, 480), 1);
    let mut polyglot = fx::png(64, 64);
    polyglot.extend_from_slice(fx::SCRIPT);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("photo.png", jpeg.clone(), 415, "is a JPEG image but its name ends in .png"),
        ("cat.png", polyglot, 422, "extra data after its end"),
        ("drawing.svg", fx::SVG.as_bytes().to_vec(), 415, "not a JPEG, PNG or WebP"),
        ("page.jpg", fx::HTML.as_bytes().to_vec(), 415, "not a JPEG, PNG or WebP"),
        ("big.jpg", vec![0xFF; 9 * 1024 * 1024], 413, "larger than 8 MB"),
        ("bomb.png", fx::png_declaring(50_000, 50_000), 422, "50000 × 50000"),
        ("half.jpg", fx::jpeg(640, 480)[..2000].to_vec(), 422, "damaged or incomplete"),
        ("empty.jpg", Vec::new(), 422, "empty"),
    ];
    for (name, bytes, status, says) in cases {
        let (got, body) = upload(&app, Some(&ada), desk, name, bytes).await;
        assert_eq!(got, status, "{name}: {body}");
        assert!(body["message"].as_str().unwrap_or("").contains(says), "{name}: {body}");
    }
    assert_eq!(count(&pool, "SELECT count(*) FROM product_images").await, 0);
    assert_eq!(std::fs::read_dir(media.path()).map(|d| d.count()).unwrap_or(0), 0, "nothing stored");

    // Signed out, or someone else's listing: refused before the body is read.
    assert_eq!(upload(&app, None, desk, "a.jpg", jpeg.clone()).await.0, 401);
    let bob = signed_in(&app, &pool, "bob@example.com").await;
    become_seller(&app, &fake, &pool, &bob, "bob-shop").await;
    assert_eq!(upload(&app, Some(&bob), desk, "a.jpg", jpeg.clone()).await.0, 404);

    // Good ones, up to eight; a WebP is stored re-encoded.
    let (status, list) = upload(&app, Some(&ada), desk, "front.jpg", jpeg.clone()).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["card"], serde_json::json!([600, 450]));
    assert_eq!(list[0]["full"], serde_json::json!([640, 480]), "never upscaled");
    let first = list[0]["id"].as_str().unwrap().to_string();
    let (status, _) = upload(&app, Some(&ada), desk, "side.webp", fx::webp(300, 300)).await;
    assert_eq!(status, 200);
    for n in 0..6 {
        assert_eq!(upload(&app, Some(&ada), desk, &format!("more{n}.png"), fx::png(100, 80)).await.0, 200);
    }
    let (status, body) = upload(&app, Some(&ada), desk, "ninth.jpg", jpeg.clone()).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("at most 8 photos"));
    assert_eq!(count(&pool, "SELECT count(*) FROM product_images").await, 8);

    // Served with immutable caching and nosniff; the stored JPEG has no Exif left.
    let served = app.get(&format!("/media/products/{first}/full.jpg")).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert!(served.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let bytes = served.bytes().await.unwrap();
    assert!(!fx::contains(&bytes, b"Exif") && !fx::contains(&bytes, fx::EXIF_MAKE));
    assert_eq!(app.get(&format!("/media/products/{first}/../../secret")).await.status(), 404);

    // Reordering must name each photo once; Bob cannot touch them.
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id::text FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(desk)
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut reversed: Vec<(String, String)> = vec![("product".into(), desk.to_string())];
    reversed.extend(ids.iter().rev().enumerate().map(|(n, id)| (format!("order[{n}]"), id.clone())));
    let reorder = |form: Vec<(String, String)>, cookie: String| {
        let app = &app;
        async move { crate::catalogue_sellers::call_owned(app, "sell/reorder-images", &form, &cookie).await }
    };
    assert_eq!(reorder(reversed.clone(), bob.clone()).await.status(), 404);
    let res = reorder(reversed[..3].to_vec(), ada.clone()).await;
    assert_eq!(res.status(), 400, "a partial order is refused");
    let res = reorder(reversed, ada.clone()).await;
    assert_eq!(res.status(), 200);
    let now: Vec<String> =
        sqlx::query_scalar("SELECT id::text FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(desk)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(now, ids.iter().rev().cloned().collect::<Vec<_>>());

    // Deleting a photo closes the gap; its files go with the sweep.
    let product = desk.to_string();
    let res = app.call_as("sell/delete-image", &[("product", &product), ("image", &first)], Some(&ada)).await;
    assert_eq!(res.status(), 200);
    let positions: Vec<i16> =
        sqlx::query_scalar("SELECT position FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(desk)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(positions, (0..7).collect::<Vec<i16>>());
    let state = AppState::new(config_with(&[("MEDIA_DIR", media_dir.as_str())]), site_options(), pool.clone());
    assert_eq!(threadr::features::catalogue::sweep_deleted_photos(&state).await.unwrap(), 1);
    assert_eq!(app.get(&format!("/media/products/{first}/full.jpg")).await.status(), 404);

    // Deleting the listing deletes every photo with it.
    assert_eq!(app.call_as("sell/delete", &[("id", &product)], Some(&ada)).await.status(), 200);
    assert_eq!(threadr::features::catalogue::sweep_deleted_photos(&state).await.unwrap(), 7);
    assert_eq!(count(&pool, "SELECT count(*) FROM orphaned_images").await, 0);
}
