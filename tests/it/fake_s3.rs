//! A real S3-compatible server for the tests: moto in server mode (from PyPI, installed into
//! `.cache/moto` by `ensure_moto` in scripts/lib.sh, or wherever `MOTO_SERVER` points), on a
//! free loopback port. One server per test binary, started by the first test that asks;
//! each test creates its own bucket, so tests never see each other's objects.
//!
//! The server must not outlive the test binary, yet a static is never dropped. So moto runs
//! under a small shell that waits for end-of-file on its stdin, a pipe whose other end only
//! this process holds: when the process exits, however it exits, the kernel closes the pipe
//! and the shell stops moto.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};
use threadr::features::catalogue::images::S3Settings;
use tokio::sync::OnceCell;

pub struct FakeS3 {
    port: u16,
    /// The wrapper shell, and its stdin: held, never written (see the module doc).
    _wrapper: Mutex<(Child, ChildStdin)>,
}

static SERVER: OnceCell<FakeS3> = OnceCell::const_new();

/// The running server (started on first use).
pub async fn fake_s3() -> &'static FakeS3 {
    SERVER.get_or_init(FakeS3::start).await
}

/// Starts moto `$0` on port `$1`, logging to `$2`; stops it when stdin closes.
const WRAPPER: &str = r#""$0" -H 127.0.0.1 -p "$1" >"$2" 2>&1 &
moto=$!
cat >/dev/null
kill "$moto" 2>/dev/null
wait "$moto" 2>/dev/null"#;

impl FakeS3 {
    async fn start() -> Self {
        let moto = moto_server();
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free loopback port").port();
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("moto-{port}.log"));
        let mut child = Command::new("sh")
            .args(["-c", WRAPPER])
            .arg(&moto)
            .arg(port.to_string())
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e})", moto.display()));
        let lifeline = child.stdin.take().expect("the wrapper's stdin is piped");
        let server = Self { port, _wrapper: Mutex::new((child, lifeline)) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !server.answers().await {
            assert!(
                Instant::now() < deadline,
                "moto did not answer on 127.0.0.1:{port} within 30 s; its log: {}",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn answers(&self) -> bool {
        let client = client();
        matches!(client.get(self.endpoint()).send().await, Ok(r) if r.status().is_success())
    }

    /// Creates a bucket (moto accepts an unsigned, path-style PUT) and returns the settings
    /// that reach it.
    pub async fn create_bucket(&self, name: &str) -> S3Settings {
        let response = client().put(format!("{}/{name}", self.endpoint())).send().await.expect("moto answers");
        assert!(response.status().is_success(), "creating bucket {name}: {}", response.status());
        S3Settings {
            bucket: name.to_string(),
            endpoint: Some(self.endpoint()),
            region: "us-east-1".to_string(),
            access_key_id: Some("testing".to_string()),
            secret_access_key: Some("testing".to_string()),
        }
    }

    /// A new bucket with a unique name.
    pub async fn new_bucket(&self) -> S3Settings {
        self.create_bucket(&format!("test-{}", uuid::Uuid::new_v4().simple())).await
    }
}

/// Loopback only: never through a proxy from the environment.
fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().expect("an HTTP client")
}

/// `MOTO_SERVER`, else `.cache/moto/bin/moto_server` in the crate's folder or one above it.
fn moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .take(2)
        .map(|dir| dir.join(".cache/moto/bin/moto_server"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "moto_server not found (MOTO_SERVER unset, no .cache/moto): run scripts/test, or \
                 `source scripts/lib.sh && ensure_moto`"
            )
        })
}
