//! The release layout: the binary in a folder of its own with `site/` beside it and no source
//! tree (no Leptos.toml) serves `/health`, pages with the hashed asset names of the site's hash
//! file, the assets and the site's public files; without a site folder it refuses to start.

use sqlx::PgPool;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use threadr::server::db::MIGRATOR;

use crate::cli::{database_url, text};

/// A release folder (`threadr`, `site/`) in the system's temporary folder, and the server
/// started from it: stopped and removed when dropped, whatever the test's outcome.
struct ReleaseFolder {
    dir: PathBuf,
    server: Option<Child>,
}

impl ReleaseFolder {
    fn new(with_site: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("threadr-release-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        // The binary itself is in the folder, so "next to the binary" is this folder and not
        // the target folder (where a site build may have left a hash.txt).
        let binary = Path::new(env!("CARGO_BIN_EXE_threadr"));
        if std::fs::hard_link(binary, dir.join("threadr")).is_err() {
            std::fs::copy(binary, dir.join("threadr")).expect("copy the binary");
        }
        if with_site {
            let site = dir.join("site");
            std::fs::create_dir_all(site.join("pkg")).unwrap();
            // What cargo-leptos writes, in miniature: hashed asset names and their hash file.
            std::fs::write(site.join("hash.txt"), "js: j55\nwasm: w55\ncss: c55\n").unwrap();
            std::fs::write(site.join("pkg/threadr.c55.css"), "body { color: #123 }\n").unwrap();
            std::fs::write(site.join("pkg/threadr.j55.js"), "export default function init() {}\n").unwrap();
            std::fs::write(site.join("robots.txt"), "User-agent: *\nDisallow: /admin\n").unwrap();
        }
        Self { dir, server: None }
    }

    fn command(&self, addr: &str, database_url: &str) -> Command {
        let mut cmd = Command::new(self.dir.join("threadr"));
        cmd.arg("serve")
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", addr)
            .env("LOG_FORMAT", "json")
            .stdin(Stdio::null());
        cmd
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for ReleaseFolder {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn the_binary_serves_from_a_folder_holding_only_its_site(pool: PgPool) {
    let mut release = ReleaseFolder::new(true);
    let addr = free_addr();
    let log = std::fs::File::create(release.dir.join("server.log")).unwrap();
    let child = release
        .command(&addr, &database_url(&pool))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the server starts");
    release.server = Some(child);

    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap();
    let url = |path: &str| format!("http://{addr}{path}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = client.get(url("/health")).send().await
            && res.status() == 200
        {
            break;
        }
        let exited = release.server.as_mut().unwrap().try_wait().unwrap();
        assert!(exited.is_none(), "the server exited ({exited:?}):\n{}", release.log());
        assert!(Instant::now() < deadline, "no 200 from /health within 60 s:\n{}", release.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let page = client.get(url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/pkg/threadr.c55.css"), "the stylesheet's hashed name from site/hash.txt:\n{html}");
    assert!(html.contains("/pkg/threadr.j55.js"), "the script's hashed name from site/hash.txt");

    let css = client.get(url("/pkg/threadr.c55.css")).send().await.unwrap();
    assert_eq!(css.status(), 200, "assets come from site/pkg");
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"), "hashed names are cached");
    assert_eq!(css.text().await.unwrap(), "body { color: #123 }\n");
    let robots = client.get(url("/robots.txt")).send().await.unwrap();
    assert_eq!(robots.status(), 200, "public files come from the site folder");
    assert!(robots.text().await.unwrap().contains("Disallow: /admin"));
}

#[test]
fn without_a_site_folder_the_binary_refuses_to_start_and_says_what_to_do() {
    let release = ReleaseFolder::new(false);
    // Refused before any connection: the database URL is never used.
    let out = release.command(&free_addr(), "postgres://unused@127.0.0.1:1/unused").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("LEPTOS_SITE_ROOT") && stderr.contains("site"), "{stderr}");
}
