//! The URL importer against hostile links and a fake web (see `fake_web`): every refusal has
//! its class and a plain sentence, and the connector is never asked for a refused target.
//! Nothing here can open a connection beyond loopback: the fake connector only dials the
//! local test servers, whatever the importer asks for.

use crate::{
    fake_web::{FakeWeb, NEWS_IP, OTHER_IP, PARAGRAPH},
    helpers::config_with,
};
use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};
use threadr::features::threads::import::{Connector, ImportError, ImportPolicy, Importer};
use url::Url;

fn policy() -> ImportPolicy {
    let mut policy = ImportPolicy::new(&Url::parse("https://threadr.example").unwrap());
    policy.tls = ImportPolicy::tls_with_roots(FakeWeb::test_roots());
    policy
}

fn importer(web: &FakeWeb, policy: ImportPolicy) -> Importer {
    Importer::new(policy, web.resolver.clone(), web.connector.clone())
}

const PRIVATE: &str = "That address points to a private network, which we do not fetch.";
const SCHEME: &str = "Only http and https links can be imported.";
const USERINFO: &str = "Links with a user name or password in them are not imported.";

/// (link, class, words the message contains, connections the importer may make: each one to
/// an approved public address, i.e. only the hops before the refused one).
const HOSTILE: &[(&str, &str, &str, usize)] = &[
    // Loopback in every IPv4 spelling the WHATWG parser accepts.
    ("http://2130706433/", "blocked_address", PRIVATE, 0),
    ("http://0177.0.0.1/", "blocked_address", PRIVATE, 0),
    ("http://0x7f.1/", "blocked_address", PRIVATE, 0),
    ("http://0x7f000001/", "blocked_address", PRIVATE, 0),
    ("http://127.1/", "blocked_address", PRIVATE, 0),
    ("http://127.0.0.1/", "blocked_address", PRIVATE, 0),
    ("http://127.000.000.001:80/", "blocked_address", PRIVATE, 0),
    ("http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/", "blocked_address", PRIVATE, 0),
    ("http:/\\127.0.0.1/", "blocked_address", PRIVATE, 0),
    // Loopback in IPv6 and IPv4-in-IPv6 forms.
    ("http://[::1]/", "blocked_address", PRIVATE, 0),
    ("http://[::ffff:127.0.0.1]/", "blocked_address", PRIVATE, 0),
    ("http://[::ffff:7f00:1]/", "blocked_address", PRIVATE, 0),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]/", "blocked_address", PRIVATE, 0),
    ("http://[::127.0.0.1]/", "blocked_address", PRIVATE, 0),
    ("http://[64:ff9b::7f00:1]/", "blocked_address", PRIVATE, 0),
    ("http://[2002:7f00:1::]/", "blocked_address", PRIVATE, 0),
    // Cloud metadata, by address and by name.
    ("http://169.254.169.254/latest/meta-data/", "blocked_address", PRIVATE, 0),
    ("http://[::ffff:a9fe:a9fe]/", "blocked_address", PRIVATE, 0),
    ("http://[fd00:ec2::254]/", "blocked_address", PRIVATE, 0),
    ("http://100.100.100.200/", "blocked_address", PRIVATE, 0),
    ("http://metadata.google.internal/computeMetadata/v1/", "blocked_name", PRIVATE, 0),
    ("http://METADATA.google.internal./", "blocked_name", PRIVATE, 0),
    ("http://metadata/", "blocked_name", PRIVATE, 0),
    ("http://instance-data/latest/", "blocked_name", PRIVATE, 0),
    ("http://localhost/", "blocked_name", PRIVATE, 0),
    // Private, shared, special and reserved ranges.
    ("http://100.64.0.1/", "blocked_address", PRIVATE, 0),
    ("http://10.0.0.1/", "blocked_address", PRIVATE, 0),
    ("http://172.16.0.1/", "blocked_address", PRIVATE, 0),
    ("http://172.31.255.254/", "blocked_address", PRIVATE, 0),
    ("http://192.168.1.1/", "blocked_address", PRIVATE, 0),
    ("http://0.0.0.0/", "blocked_address", PRIVATE, 0),
    ("http://0/", "blocked_address", PRIVATE, 0),
    ("http://255.255.255.255/", "blocked_address", PRIVATE, 0),
    ("http://224.0.0.1/", "blocked_address", PRIVATE, 0),
    ("http://192.0.2.1/", "blocked_address", PRIVATE, 0),
    ("http://198.18.0.1/", "blocked_address", PRIVATE, 0),
    ("http://240.0.0.1/", "blocked_address", PRIVATE, 0),
    ("http://[fe80::1]/", "blocked_address", PRIVATE, 0),
    ("http://[fc00::1]/", "blocked_address", PRIVATE, 0),
    ("http://[fec0::1]/", "blocked_address", PRIVATE, 0),
    ("http://[ff02::1]/", "blocked_address", PRIVATE, 0),
    ("http://[2001:db8::1]/", "blocked_address", PRIVATE, 0),
    ("http://[::]/", "blocked_address", PRIVATE, 0),
    // Names whose addresses are not all public.
    ("http://loopback.example/", "blocked_address", PRIVATE, 0),
    ("http://mixed.example/", "blocked_address", PRIVATE, 0),
    ("http://mixed-v6.example/", "blocked_address", PRIVATE, 0),
    ("http://mapped.example/", "blocked_address", PRIVATE, 0),
    ("http://metadata-alias.example/", "blocked_address", PRIVATE, 0),
    ("http://nowhere.example/", "not_found", "We could not find that website.", 0),
    // Schemes, ports, userinfo, nonsense.
    ("ftp://news.example/file", "scheme", SCHEME, 0),
    ("javascript:alert(document.cookie)", "scheme", SCHEME, 0),
    ("file:///etc/passwd", "scheme", SCHEME, 0),
    ("data:text/html,<h1>hi</h1>", "scheme", SCHEME, 0),
    ("gopher://news.example:70/", "scheme", SCHEME, 0),
    ("ws://news.example/", "scheme", SCHEME, 0),
    ("http://news.example:22/", "port", "Links to port 22 are not imported; only ports 80 and 443 are allowed.", 0),
    ("http://news.example:6379/", "port", "port 6379", 0),
    ("https://news.example:8443/", "port", "port 8443", 0),
    ("http://example.com@127.0.0.1/", "userinfo", USERINFO, 0),
    ("http://user:pass@news.example/", "userinfo", USERINFO, 0),
    ("http://news.example:80@10.0.0.1/", "userinfo", USERINFO, 0),
    ("", "invalid_url", "That does not look like a web address.", 0),
    ("news dot example", "invalid_url", "That does not look like a web address.", 0),
    // Refused after a first, allowed hop.
    ("http://news.example/to-private", "blocked_address", PRIVATE, 1),
    ("http://news.example/to-loopback-name", "blocked_address", PRIVATE, 1),
    ("http://news.example/to-metadata", "blocked_address", PRIVATE, 1),
    ("http://news.example/to-ftp", "scheme", SCHEME, 1),
    ("http://news.example/to-port-22", "port", "port 22", 1),
    ("http://news.example/loop", "too_many_redirects", "The page redirected more than 5 times.", 6),
    ("http://news.example/no-location", "bad_redirect", "redirected to an address we could not follow", 1),
    // Pages we do not import.
    ("http://news.example/big", "too_large", "The page is larger than 2 MB.", 1),
    ("http://news.example/big-declared", "too_large", "The page is larger than 2 MB.", 1),
    ("http://news.example/endless", "too_large", "The page is larger than 2 MB.", 1),
    ("http://news.example/pdf", "pdf", "That link is a PDF; paste the text instead.", 1),
    ("http://news.example/pdf-sniffed", "pdf", "That link is a PDF; paste the text instead.", 1),
    ("http://news.example/json", "content_type", "not a web page (application/json)", 1),
    ("http://news.example/missing", "status", "The page answered 404 Not Found.", 1),
    ("http://news.example/error", "status", "The page answered 500 Internal Server Error.", 1),
    ("http://news.example/empty", "empty", "We found no article text on that page", 1),
];

#[tokio::test]
async fn hostile_links_are_refused_with_a_reason_and_never_reach_a_refused_address() {
    let web = FakeWeb::start().await;
    let import = importer(&web, policy());
    let approved = [NEWS_IP, OTHER_IP].map(|ip| SocketAddr::new(ip, 80));
    let mut failures = Vec::new();
    let mut refused = 0;

    for &(link, class, words, connects) in HOSTILE {
        web.forget();
        let result = import.fetch_article(link).await;
        refused += 1;
        match &result {
            Ok(article) => failures.push(format!("{link}: imported {:?}", article.url)),
            Err(e) => {
                if e.class() != class {
                    failures.push(format!("{link}: class {} ({e}), expected {class}", e.class()));
                }
                let message = e.to_string();
                if !message.contains(words) || !message.ends_with('.') {
                    failures.push(format!("{link}: message {message:?} lacks {words:?}"));
                }
            }
        }
        let made = web.connects();
        if made.len() != connects || made.iter().any(|a| !approved.contains(a)) {
            failures.push(format!("{link}: connects {made:?}, expected {connects} to approved addresses"));
        }
        let literal = Url::parse(link).ok().and_then(|u| u.host().map(|h| !matches!(h, url::Host::Domain(_))));
        if literal == Some(true) && !web.lookups().is_empty() {
            failures.push(format!("{link}: an address literal was looked up: {:?}", web.lookups()));
        }
    }
    assert!(refused >= 40, "the table holds {refused} refusals");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn the_fake_connector_refuses_everything_but_its_mapped_addresses() {
    // The guard of last resort: a broken importer still could not reach these.
    let web = FakeWeb::start().await;
    for addr in ["10.0.0.1:80", "127.0.0.1:80", "[::1]:443", "93.184.216.34:22", "8.8.8.8:443"] {
        let addr: SocketAddr = addr.parse().unwrap();
        let error = web.connector.connect(addr).await.err().expect("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied, "{addr}");
    }
    assert!(web.connector.connect(SocketAddr::new(NEWS_IP, 80)).await.is_ok());
}

#[tokio::test]
async fn an_article_is_reduced_to_its_title_and_paragraphs() {
    let web = FakeWeb::start().await;
    let article = importer(&web, policy()).fetch_article("http://news.example/article").await.expect("imported");
    assert_eq!(article.url, "http://news.example/article");
    assert!(article.title.as_deref().is_some_and(|t| t.contains("Flood in Town")), "{:?}", article.title);
    assert!(
        article.text.contains(&format!("{PARAGRAPH}\n\nSecond, {PARAGRAPH}\n\nThird, {PARAGRAPH}")),
        "{}",
        article.text
    );
    for boilerplate in ["Sport pages", "Weather desk", "Most read", "Cat elected", "Copyright", "Privacy"] {
        assert!(!article.text.contains(boilerplate), "{boilerplate:?} kept:\n{}", article.text);
    }
    assert_eq!(web.lookups(), ["news.example"]);
    assert_eq!(web.connects(), [SocketAddr::new(NEWS_IP, 80)]);
}

#[tokio::test]
async fn https_is_verified_against_the_name_in_the_link() {
    let web = FakeWeb::start().await;
    let article = importer(&web, policy()).fetch_article("https://news.example/article").await.expect("imported");
    assert_eq!(article.url, "https://news.example/article");
    assert!(article.text.contains(PARAGRAPH));
    assert_eq!(web.connects(), [SocketAddr::new(NEWS_IP, 443)]);

    // Mozilla's roots do not include the test root: the certificate is refused.
    let mut public_roots = policy();
    public_roots.tls = ImportPolicy::new(&Url::parse("https://threadr.example").unwrap()).tls;
    let error = importer(&web, public_roots).fetch_article("https://news.example/article").await.unwrap_err();
    assert_eq!(error.class(), "tls", "{error}");

    // The certificate names news.example and other.example, not the address.
    let error = importer(&web, policy()).fetch_article("https://93.184.216.34/article").await.unwrap_err();
    assert_eq!(error.class(), "tls", "{error}");
}

#[tokio::test]
async fn plain_text_and_untyped_pages_keep_their_paragraphs() {
    let web = FakeWeb::start().await;
    let import = importer(&web, policy());
    let plain = import.fetch_article("http://news.example/plain").await.expect("imported");
    assert_eq!(plain.title, None);
    assert_eq!(plain.text, "First line.\nSame paragraph.\n\nSecond paragraph.");
    let untyped = import.fetch_article("http://news.example/untyped").await.expect("imported");
    assert_eq!(untyped.text, "Words without a type.\n\nMore words.");
}

#[tokio::test]
async fn redirects_are_followed_to_an_allowed_page() {
    let web = FakeWeb::start().await;
    let import = importer(&web, policy());

    // Four relative redirects, then the article: five requests, all to the approved address.
    let article = import.fetch_article("http://news.example/redirect/3").await.expect("imported");
    assert_eq!(article.url, "http://news.example/article");
    assert!(article.text.contains(PARAGRAPH));
    assert_eq!(web.connects(), vec![SocketAddr::new(NEWS_IP, 80); 5]);

    // To another host, resolved and checked in its turn.
    web.forget();
    let article = import.fetch_article("http://news.example/to-other").await.expect("imported");
    assert_eq!(article.url, "http://other.example/article");
    assert_eq!(web.lookups(), ["news.example", "other.example"]);
    assert_eq!(web.connects(), [SocketAddr::new(NEWS_IP, 80), SocketAddr::new(OTHER_IP, 80)]);

    // From http to https.
    web.forget();
    let article = import.fetch_article("http://news.example/to-https").await.expect("imported");
    assert_eq!(article.url, "https://news.example/article");
    assert_eq!(web.connects(), [SocketAddr::new(NEWS_IP, 80), SocketAddr::new(NEWS_IP, 443)]);
}

#[tokio::test]
async fn charsets_from_the_header_and_from_a_meta_tag() {
    let web = FakeWeb::start().await;
    let import = importer(&web, policy());
    let latin1 = import.fetch_article("http://news.example/latin1").await.expect("imported");
    assert_eq!(latin1.text, "Café crème à la carte.");
    let meta = import.fetch_article("http://news.example/meta-charset").await.expect("imported");
    assert!(meta.text.contains("\u{201c}Café crème\u{201d} \u{2013} The river"), "{}", meta.text);
    assert_eq!(meta.title.as_deref(), Some("Café"));
}

#[tokio::test]
async fn requests_name_the_host_and_introduce_the_bot() {
    let web = FakeWeb::start().await;
    let echoed = importer(&web, policy()).fetch_article("http://news.example/headers").await.expect("imported").text;
    for line in [
        "host: news.example",
        "user-agent: ThreadrBot/1.0 (+https://threadr.example)",
        "accept: text/html,text/plain;q=0.9",
        "accept-encoding: identity",
    ] {
        assert!(echoed.lines().any(|l| l == line), "{line:?} missing from:\n{echoed}");
    }
}

#[tokio::test]
async fn the_whole_import_has_one_deadline() {
    let web = FakeWeb::start().await;
    let mut short = policy();
    short.timeout = Duration::from_millis(500);
    let import = importer(&web, short);
    // A server that never answers, and one that answers a byte at a time forever.
    for link in ["http://news.example/hang", "http://news.example/trickle"] {
        let started = Instant::now();
        let error = import.fetch_article(link).await.unwrap_err();
        assert_eq!(error.class(), "timeout", "{link}: {error}");
        assert_eq!(error.to_string(), "The page took longer than 0.5 seconds.");
        assert!(started.elapsed() < Duration::from_secs(3), "{link} took {:?}", started.elapsed());
    }
    // The default is 10 seconds.
    let error = ImportError::Timeout { limit: ImportPolicy::new(&Url::parse("http://x.example").unwrap()).timeout };
    assert_eq!(error.to_string(), "The page took longer than 10 seconds.");
}

#[tokio::test]
async fn the_body_cap_stops_an_endless_page_while_it_streams() {
    let web = FakeWeb::start().await;
    let started = Instant::now();
    let error = importer(&web, policy()).fetch_article("http://news.example/endless").await.unwrap_err();
    assert_eq!(error.class(), "too_large");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn ports_come_from_the_configuration() {
    let config = config_with(&[("URL_IMPORT_PORTS", "443,8443")]);
    let import = Importer::from_config(&config);
    assert_eq!(import.policy().ports, [443, 8443]);
    assert!(import.policy().user_agent.starts_with("ThreadrBot/1.0 (+http://127.0.0.1:3000"));
    // The production resolver and connector: refused before either is used (and the
    // address is loopback, so even a broken guard would stay on this machine).
    let error = import.fetch_article("https://127.0.0.1:8443/").await.unwrap_err();
    assert_eq!(error.class(), "blocked_address");
    let error = import.fetch_article("http://127.0.0.1/").await.unwrap_err();
    assert_eq!(error.class(), "port");
}
