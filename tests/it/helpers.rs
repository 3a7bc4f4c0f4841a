//! `TestApp`: the production router on a loopback port, with the test's own database.

use leptos::prelude::LeptosOptions;
use reqwest::{Client, Response};
use sqlx::PgPool;
use std::{collections::HashMap, net::SocketAddr};
use threadr::server::{config::Config, serve, state::AppState};
use tokio::{net::TcpListener, sync::oneshot};

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: Client,
    shutdown: Option<oneshot::Sender<()>>,
}

/// Configuration as the binary would parse it from these variables (plus a database URL).
pub fn config_with(vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    map.entry("DATABASE_URL".into()).or_insert_with(|| "postgres://unused@127.0.0.1:1/unused".into());
    // Photos and search indexes of test apps live in the system's temporary folder, one per app.
    let scratch = std::env::temp_dir().join(format!("threadr-test-{}", uuid::Uuid::new_v4()));
    map.entry("MEDIA_DIR".into()).or_insert_with(|| scratch.join("media").display().to_string());
    map.entry("SEARCH_INDEX_DIR".into()).or_insert_with(|| scratch.join("search").display().to_string());
    Config::from_lookup(|k| map.get(k).cloned()).expect("test configuration is valid")
}

pub fn site_options() -> LeptosOptions {
    // No hash file exists next to a test binary, so test servers use plain asset names.
    LeptosOptions::builder()
        .output_name("threadr")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .hash_files(false)
        .build()
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool, config_with(&[])).await
    }

    pub async fn spawn_with(pool: PgPool, config: Config) -> Self {
        Self::spawn_state(AppState::new(config, site_options(), pool)).await
    }

    /// The app with a clock the test moves by hand.
    pub async fn spawn_with_clock(pool: PgPool, clock: std::sync::Arc<threadr::server::clock::ManualClock>) -> Self {
        Self::spawn_state(AppState::new(config_with(&[]), site_options(), pool).with_clock(clock)).await
    }

    /// The app with this configuration and a clock the test moves by hand.
    pub async fn spawn_with_config_and_clock(
        pool: PgPool,
        config: Config,
        clock: std::sync::Arc<threadr::server::clock::ManualClock>,
    ) -> Self {
        Self::spawn_state(AppState::new(config, site_options(), pool).with_clock(clock)).await
    }

    /// The app with its state changed by `change` (a fake AI provider, an injected importer).
    pub async fn spawn_changed(pool: PgPool, config: Config, change: impl FnOnce(AppState) -> AppState) -> Self {
        Self::spawn_state(change(AppState::new(config, site_options(), pool))).await
    }

    async fn spawn_state(state: AppState) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            serve::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        // A request that never finishes fails its test instead of stalling the whole run.
        let client = Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(90))
            .build()
            .expect("http client");
        Self { addr, client, shutdown: Some(tx) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    /// A GET with a `cookie` header (a signed-in session).
    pub async fn get_as(&self, path: &str, cookie: &str) -> Response {
        self.client.get(self.url(path)).header("cookie", cookie).send().await.expect("request sent")
    }

    /// Creates an admin (like `threadr create-admin`) and returns its signed-in session cookie.
    pub async fn sign_in_admin(&self, pool: &PgPool, email: &str) -> String {
        const ADMIN_PASSWORD: &str = "a long admin secret";
        threadr::features::accounts::create_admin(pool, email, ADMIN_PASSWORD.into()).await.expect("admin created");
        let res = self.call("accounts/sign-in", &[("email", email), ("password", ADMIN_PASSWORD)]).await;
        assert_eq!(res.status(), 200, "admin signs in");
        session_cookie(&res).expect("session cookie")
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        self.call_as(endpoint, form, None).await
    }

    /// Like [`call`](Self::call), sending a `cookie` header (a signed-in session) when given.
    pub async fn call_as(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
        let mut req = self
            .client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(serde_urlencoded(form));
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        req.send().await.expect("request sent")
    }
}

/// The whole `set-cookie` header a response sends for cookie `name`, if any.
pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.strip_prefix(name).is_some_and(|rest| rest.starts_with('=')))
        .map(str::to_string)
}

/// The `threadr_session=…` pair a response sets, if any.
pub fn session_cookie(res: &Response) -> Option<String> {
    set_cookie(res, "threadr_session").map(|c| c.split(';').next().unwrap_or_default().to_string())
}

/// A number a query counts.
pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect("count query")
}

fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
