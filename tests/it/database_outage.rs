//! The database goes away while the app runs: health stays up, pages that need the
//! database answer 503 with the error page, and the app recovers by itself.

use crate::{helpers::TestApp, proxy::OutageProxy};
use sqlx::{PgPool, postgres::PgConnectOptions};
use std::{
    net::{SocketAddr, ToSocketAddrs},
    time::{Duration, Instant},
};
use threadr::server::db::{MIGRATOR, pool_options};

fn upstream_of(options: &PgConnectOptions) -> SocketAddr {
    (options.get_host(), options.get_port()).to_socket_addrs().expect("resolve").next().expect("an address")
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn losing_the_database_gives_503_pages_and_recovery_without_restart(pool: PgPool) {
    let direct = pool.connect_options();
    let proxy = OutageProxy::start(upstream_of(&direct)).await;
    let through_proxy = (*direct).clone().host("127.0.0.1").port(proxy.addr.port());
    let config = crate::helpers::config_with(&[("DATABASE_POOL_SIZE", "4")]);
    let app_pool = pool_options(&config).connect_with(through_proxy).await.expect("pool through proxy");
    let app = TestApp::spawn_with(app_pool, config).await;

    assert_eq!(app.get("/status").await.status(), 200);

    proxy.down().await;

    let started = Instant::now();
    assert_eq!(app.get("/health").await.status(), 200, "health never needs the database");
    assert!(started.elapsed() < Duration::from_secs(1), "health answers at once");

    let res = app.get("/status").await;
    assert_eq!(res.status(), 503);
    let html = res.text().await.unwrap();
    assert!(html.contains("Temporarily unavailable"), "error page shown");
    assert!(html.contains("Try again"));

    let res = app.call("status/system", &[]).await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "unavailable");

    let res = app.get("/").await;
    assert_eq!(res.status(), 200, "the home page works without the database");
    assert!(res.text().await.unwrap().contains("Unreachable"));

    proxy.up().await;

    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.get("/status").await.status();
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover, last status {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
