//! Why an import failed: one plain sentence for the person, a short class for logs and tests.

use super::address::Refusal;
use std::{net::IpAddr, time::Duration};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("That does not look like a web address.")]
    InvalidUrl,
    #[error("Only http and https links can be imported.")]
    Scheme,
    #[error("Links with a user name or password in them are not imported.")]
    Userinfo,
    #[error("Links to port {port} are not imported; {allowed}.", allowed = ports_in_words(.allowed))]
    Port { port: u16, allowed: Vec<u16> },
    /// The host is a name refused without asking DNS (`metadata.google.internal`, `localhost`…).
    #[error("That address points to a private network, which we do not fetch.")]
    BlockedName { reason: Refusal },
    /// The host is, or resolves to, an address outside the public internet.
    #[error("That address points to a private network, which we do not fetch.")]
    BlockedAddress { ip: IpAddr, reason: Refusal },
    #[error("We could not find that website.")]
    NotFound,
    #[error("We could not connect to that website.")]
    Connect,
    #[error("The website's secure connection could not be verified.")]
    Tls,
    #[error("The website sent a reply we could not read.")]
    Protocol,
    #[error("The page answered {status}.", status = status_in_words(*.status))]
    Status { status: u16 },
    #[error("The page redirected more than {max} times.")]
    TooManyRedirects { max: usize },
    #[error("The page redirected to an address we could not follow.")]
    BadRedirect,
    #[error("The page is larger than {}.", size_in_words(*.max_bytes))]
    TooLarge { max_bytes: usize },
    #[error("That link is a PDF; paste the text instead.")]
    Pdf,
    #[error("That link is not a web page ({content_type}); only HTML and plain-text pages can be imported.")]
    ContentType { content_type: String },
    #[error("The page took longer than {}.", seconds_in_words(*.limit))]
    Timeout { limit: Duration },
    #[error("We found no article text on that page; paste the text instead.")]
    Empty,
}

impl ImportError {
    /// Short machine code: stable, for logs, metrics and tests.
    pub fn class(&self) -> &'static str {
        match self {
            ImportError::InvalidUrl => "invalid_url",
            ImportError::Scheme => "scheme",
            ImportError::Userinfo => "userinfo",
            ImportError::Port { .. } => "port",
            ImportError::BlockedName { .. } => "blocked_name",
            ImportError::BlockedAddress { .. } => "blocked_address",
            ImportError::NotFound => "not_found",
            ImportError::Connect => "connect",
            ImportError::Tls => "tls",
            ImportError::Protocol => "protocol",
            ImportError::Status { .. } => "status",
            ImportError::TooManyRedirects { .. } => "too_many_redirects",
            ImportError::BadRedirect => "bad_redirect",
            ImportError::TooLarge { .. } => "too_large",
            ImportError::Pdf => "pdf",
            ImportError::ContentType { .. } => "content_type",
            ImportError::Timeout { .. } => "timeout",
            ImportError::Empty => "empty",
        }
    }
}

fn ports_in_words(ports: &[u16]) -> String {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    match list.as_slice() {
        [] => "no port is allowed".to_string(),
        [one] => format!("only port {one} is allowed"),
        [init @ .., last] => format!("only ports {} and {last} are allowed", init.join(", ")),
    }
}

fn size_in_words(bytes: usize) -> String {
    match bytes {
        b if b >= 1024 * 1024 && b % (1024 * 1024) == 0 => format!("{} MB", b / (1024 * 1024)),
        b if b >= 1024 => format!("{} KB", b / 1024),
        b => format!("{b} bytes"),
    }
}

fn status_in_words(status: u16) -> String {
    match http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()) {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

fn seconds_in_words(limit: Duration) -> String {
    let ms = limit.as_millis();
    match ms {
        1000 => "1 second".to_string(),
        ms if ms % 1000 == 0 => format!("{} seconds", ms / 1000),
        ms => format!("{} seconds", ms as f64 / 1000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain_sentences() {
        assert_eq!(ImportError::Status { status: 404 }.to_string(), "The page answered 404 Not Found.");
        assert_eq!(ImportError::TooLarge { max_bytes: 2 * 1024 * 1024 }.to_string(), "The page is larger than 2 MB.");
        assert_eq!(ImportError::TooLarge { max_bytes: 64 * 1024 }.to_string(), "The page is larger than 64 KB.");
        assert_eq!(
            ImportError::Timeout { limit: Duration::from_secs(10) }.to_string(),
            "The page took longer than 10 seconds."
        );
        assert_eq!(
            ImportError::Timeout { limit: Duration::from_millis(300) }.to_string(),
            "The page took longer than 0.3 seconds."
        );
        assert_eq!(
            ImportError::Port { port: 22, allowed: vec![80, 443] }.to_string(),
            "Links to port 22 are not imported; only ports 80 and 443 are allowed."
        );
        assert_eq!(
            ImportError::Port { port: 22, allowed: vec![443] }.to_string(),
            "Links to port 22 are not imported; only port 443 is allowed."
        );
    }
}
