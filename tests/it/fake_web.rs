//! A fake public web for the URL importer, reached only through an injected resolver and
//! connector, so nothing a test imports can leave loopback — even if the importer's address
//! checks were broken.
//!
//! - [`FakeResolver`] answers a fixed table: `news.example` and `other.example` resolve to
//!   public-looking addresses ([`NEWS_IP`], [`OTHER_IP`]); a few hostile names resolve to
//!   loopback, private or mixed addresses; anything else is "not found".
//! - [`FakeConnector`] connects [`NEWS_IP`]/[`OTHER_IP`] port 80 to a local HTTP server and
//!   port 443 to a local HTTPS server (certificate for both names from a private test root,
//!   [`FakeWeb::test_roots`]). Every other address is refused and recorded: it never dials it.
//!
//! The pages (see [`router`]) cover articles, plain text, charsets, redirects of every kind,
//! oversized and endless bodies, PDFs, JSON, errors and hangs.
//!
//! The certificates in `fixtures/` (P-256, valid until 2126) were made with openssl: a root
//! `CN=Threadr Test Root CA` and a leaf for `news.example`/`other.example` signed by it.

use axum::{
    Router,
    body::Body,
    extract::Path,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use hyper::body::{Bytes, Frame};
use hyper_util::rt::TokioIo;
use std::{
    collections::HashMap,
    io,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};
use threadr::features::threads::import::{BoxedIo, Connector, Resolver};
use tokio::{net::TcpListener, sync::mpsc};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self, RootCertStore, ServerConfig,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    },
};
use tower::ServiceExt;

/// Where `news.example` "is" (example.com's old address: public, and never dialled here).
pub const NEWS_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 184, 216, 34));
pub const OTHER_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 184, 216, 35));

const CA_PEM: &[u8] = include_bytes!("fixtures/fake_web_ca.pem");
const CERT_PEM: &[u8] = include_bytes!("fixtures/fake_web_cert.pem");
const KEY_PEM: &[u8] = include_bytes!("fixtures/fake_web_key.pem");

pub struct FakeWeb {
    pub resolver: Arc<FakeResolver>,
    pub connector: Arc<FakeConnector>,
}

impl FakeWeb {
    pub async fn start() -> Self {
        let http = serve(None).await;
        let https = serve(Some(tls_acceptor())).await;
        let mut routes = HashMap::new();
        for ip in [NEWS_IP, OTHER_IP] {
            routes.insert(SocketAddr::new(ip, 80), http);
            routes.insert(SocketAddr::new(ip, 443), https);
        }
        Self {
            resolver: Arc::new(FakeResolver { lookups: Mutex::default() }),
            connector: Arc::new(FakeConnector { routes, connects: Mutex::default() }),
        }
    }

    /// The private root the HTTPS server's certificate chains to.
    pub fn test_roots() -> RootCertStore {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(CA_PEM) {
            roots.add(cert.expect("test root PEM")).expect("test root");
        }
        roots
    }

    /// Every address the importer asked to connect to, in order (refused ones too).
    pub fn connects(&self) -> Vec<SocketAddr> {
        self.connector.connects.lock().unwrap().clone()
    }

    /// Every name the importer asked to resolve, in order.
    pub fn lookups(&self) -> Vec<String> {
        self.resolver.lookups.lock().unwrap().clone()
    }

    pub fn forget(&self) {
        self.connector.connects.lock().unwrap().clear();
        self.resolver.lookups.lock().unwrap().clear();
    }
}

pub struct FakeResolver {
    lookups: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Resolver for FakeResolver {
    async fn resolve(&self, host: &str, _port: u16) -> io::Result<Vec<IpAddr>> {
        self.lookups.lock().unwrap().push(host.to_string());
        let ips: &[&str] = match host {
            "news.example" => &["93.184.216.34"],
            "other.example" => &["93.184.216.35"],
            "loopback.example" => &["127.0.0.1"],
            "mixed.example" => &["93.184.216.34", "10.0.0.5"],
            "mixed-v6.example" => &["2606:4700::1", "fd12:3456::1"],
            "mapped.example" => &["::ffff:192.168.0.1"],
            "metadata-alias.example" => &["169.254.169.254"],
            _ => return Err(io::Error::new(io::ErrorKind::NotFound, "no such name")),
        };
        Ok(ips.iter().map(|ip| ip.parse().expect("table address")).collect())
    }
}

pub struct FakeConnector {
    routes: HashMap<SocketAddr, SocketAddr>,
    connects: Mutex<Vec<SocketAddr>>,
}

#[async_trait::async_trait]
impl Connector for FakeConnector {
    async fn connect(&self, addr: SocketAddr) -> io::Result<BoxedIo> {
        self.connects.lock().unwrap().push(addr);
        // Only the mapped public-looking addresses lead anywhere, and only to loopback.
        let Some(local) = self.routes.get(&addr) else {
            return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("the fake web refuses {addr}")));
        };
        assert!(local.ip().is_loopback());
        Ok(Box::new(tokio::net::TcpStream::connect(local).await?))
    }
}

async fn serve(tls: Option<TlsAcceptor>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let app = router();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (app, tls) = (app.clone(), tls.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| app.clone().oneshot(req));
                let http = hyper::server::conn::http1::Builder::new();
                let _ = match tls {
                    None => http.serve_connection(TokioIo::new(stream), service).await,
                    Some(tls) => match tls.accept(stream).await {
                        Ok(stream) => http.serve_connection(TokioIo::new(stream), service).await,
                        Err(_) => return,
                    },
                };
            });
        }
    });
    addr
}

fn tls_acceptor() -> TlsAcceptor {
    let certs = CertificateDer::pem_slice_iter(CERT_PEM).collect::<Result<Vec<_>, _>>().expect("cert PEM");
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM).expect("key PEM");
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate");
    TlsAcceptor::from(Arc::new(config))
}

/// A paragraph long enough for the readability scorer to take it for article text.
pub const PARAGRAPH: &str = "The river rose through the night and by morning the town square was a lake, \
    which the children found far more exciting than their parents did. Boats replaced bicycles, \
    the baker sold bread from an upstairs window, and the mayor declared a holiday nobody could refuse.";

pub fn router() -> Router {
    Router::new()
        .route("/article", get(article))
        .route(
            "/plain",
            get((
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "First line.\r\nSame paragraph.\r\n\r\n\r\nSecond paragraph.\n",
            )),
        )
        .route("/untyped", get(|| async { bytes_response(None, "Words without a type.\n\nMore words.") }))
        .route(
            "/latin1",
            get(|| async {
                bytes_response(Some("text/plain; charset=ISO-8859-1"), b"Caf\xe9 cr\xe8me \xe0 la carte.".as_slice())
            }),
        )
        .route("/meta-charset", get(meta_charset))
        .route("/headers", get(echo_headers))
        .route("/redirect/{n}", get(redirect_chain))
        .route("/to-other", get(|| async { redirect(301, "http://other.example/article") }))
        .route("/to-https", get(|| async { redirect(308, "https://news.example/article") }))
        .route("/to-private", get(|| async { redirect(302, "http://10.0.0.1/admin") }))
        .route("/to-loopback-name", get(|| async { redirect(307, "http://loopback.example/") }))
        .route("/to-metadata", get(|| async { redirect(302, "http://169.254.169.254/latest/meta-data/") }))
        .route("/to-ftp", get(|| async { redirect(302, "ftp://news.example/file") }))
        .route("/to-port-22", get(|| async { redirect(302, "http://news.example:22/") }))
        .route("/loop", get(|| async { redirect(302, "/loop") }))
        .route("/no-location", get(|| async { StatusCode::FOUND }))
        .route("/big", get(|| async { streamed("text/html", 3 * 1024 * 1024, Duration::ZERO) }))
        .route("/endless", get(|| async { streamed("text/plain", usize::MAX, Duration::ZERO) }))
        .route("/big-declared", get(big_declared))
        .route("/pdf", get(|| async { bytes_response(Some("application/pdf"), b"%PDF-1.7\n1 0 obj\n".as_slice()) }))
        .route(
            "/pdf-sniffed",
            get(|| async { bytes_response(Some("text/html"), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".as_slice()) }),
        )
        .route("/json", get(|| async { bytes_response(Some("application/json"), r#"{"title":"not a page"}"#) }))
        .route("/empty", get(|| async { bytes_response(Some("text/html"), "<html><body><nav></nav></body></html>") }))
        .route("/error", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route(
            "/hang",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "too late"
            }),
        )
        .route("/trickle", get(|| async { streamed("text/plain", usize::MAX, Duration::from_millis(50)) }))
}

async fn article() -> impl IntoResponse {
    let html = format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Flood in Town | Daily News</title></head><body>\
         <header><nav><a href=/>Home</a> <a href=/sport>Sport pages</a> <a href=/weather>Weather desk</a></nav></header>\
         <main><article><h1>Flood in Town</h1>\
         <p>{PARAGRAPH}</p><p>Second, {PARAGRAPH}</p><p>Third, {PARAGRAPH}</p>\
         </article></main>\
         <aside class=sidebar><h2>Most read</h2><ul><li><a href=/a>Cat elected</a></li><li><a href=/b>Dog resigns</a></li></ul></aside>\
         <footer>Copyright Daily News. All rights reserved. <a href=/privacy>Privacy</a></footer>\
         </body></html>"
    );
    bytes_response(Some("text/html; charset=utf-8"), html)
}

async fn meta_charset() -> Response {
    let mut html = b"<html><head><meta charset=\"windows-1252\"><title>Caf\xe9</title></head><body><article>".to_vec();
    for _ in 0..3 {
        html.extend_from_slice(b"<p>\x93Caf\xe9 cr\xe8me\x94 \x96 ");
        html.extend_from_slice(PARAGRAPH.as_bytes());
        html.extend_from_slice(b"</p>");
    }
    html.extend_from_slice(b"</article></body></html>");
    bytes_response(Some("text/html"), html)
}

async fn echo_headers(headers: HeaderMap) -> Response {
    let lines: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?"))).collect();
    bytes_response(Some("text/plain"), lines.join("\n"))
}

async fn redirect_chain(Path(n): Path<u32>) -> Response {
    match n {
        0 => redirect(302, "../article"),
        n => redirect(302, &format!("{}", n - 1)),
    }
}

fn redirect(status: u16, location: &str) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    (status, [(header::LOCATION, location.to_string())]).into_response()
}

async fn big_declared() -> Response {
    // Says 3 MB up front; the importer must refuse without reading it.
    let body = vec![b'a'; 3 * 1024 * 1024];
    bytes_response(Some("text/plain"), body)
}

fn bytes_response(content_type: Option<&str>, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    if let Some(content_type) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().expect("content type"));
    }
    response
}

/// `len` bytes (usize::MAX: forever) of text, chunked with no `Content-Length`, a chunk every
/// `pause`: the importer can only stop it by counting as it reads, or by its deadline.
fn streamed(content_type: &'static str, len: usize, pause: Duration) -> Response {
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let chunk = if pause.is_zero() { Bytes::from(vec![b'x'; 64 * 1024]) } else { Bytes::from_static(b"x") };
        let mut sent = 0;
        while sent < len {
            let part = chunk.slice(..chunk.len().min(len - sent));
            sent += part.len();
            if tx.send(part).await.is_err() {
                return; // the importer hung up
            }
            tokio::time::sleep(pause).await;
        }
    });
    bytes_response(Some(content_type), Body::new(ChannelBody(rx)))
}

struct ChannelBody(mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|data| Ok(Frame::data(data))))
    }
}
