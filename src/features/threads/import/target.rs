//! A link the importer may request: parsed once with the WHATWG rules browsers use, so every
//! spelling of an address (decimal, octal, hex, short IPv4, IDNA digits, backslashes) is
//! already normalised before any check.

use super::{
    address::{self, PublicAddr},
    error::ImportError,
    net::Resolver,
    policy::ImportPolicy,
};
use url::Url;

/// Longer links are refused before parsing; no article needs one.
const MAX_URL_LEN: usize = 4096;

#[derive(Clone, Debug)]
pub struct Target {
    /// Without userinfo or fragment.
    pub url: Url,
    pub host: Host,
    pub port: u16,
    pub https: bool,
}

#[derive(Clone, Debug)]
pub enum Host {
    /// An address literal, checked.
    Addr(PublicAddr),
    /// A name that is not refused by name; its addresses are checked when resolved.
    Name(String),
}

impl Target {
    pub fn parse(input: &str, policy: &ImportPolicy) -> Result<Self, ImportError> {
        let input = input.trim();
        if input.is_empty() || input.len() > MAX_URL_LEN {
            return Err(ImportError::InvalidUrl);
        }
        let url = Url::parse(input).map_err(|_| match input.split_once(':') {
            // "javascript:…" parses, but "gopher:" with no rest or "mailto:" may not: name the
            // scheme problem whenever the input starts like one.
            Some((scheme, _))
                if is_scheme(scheme) && !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") =>
            {
                ImportError::Scheme
            }
            _ => ImportError::InvalidUrl,
        })?;
        Self::from_url(url, policy)
    }

    /// The target of a redirect from this one (`Location` may be relative).
    pub fn follow(&self, location: &str, policy: &ImportPolicy) -> Result<Self, ImportError> {
        if location.len() > MAX_URL_LEN {
            return Err(ImportError::BadRedirect);
        }
        let url = self.url.join(location.trim()).map_err(|_| ImportError::BadRedirect)?;
        Self::from_url(url, policy)
    }

    fn from_url(mut url: Url, policy: &ImportPolicy) -> Result<Self, ImportError> {
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => return Err(ImportError::Scheme),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ImportError::Userinfo);
        }
        let port = url.port_or_known_default().ok_or(ImportError::InvalidUrl)?;
        if !policy.ports.contains(&port) {
            return Err(ImportError::Port { port, allowed: policy.ports.clone() });
        }
        let host = match url.host() {
            Some(url::Host::Ipv4(ip)) => Host::Addr(check_ip(ip.into())?),
            Some(url::Host::Ipv6(ip)) => Host::Addr(check_ip(ip.into())?),
            Some(url::Host::Domain(name)) => {
                address::check_name(name).map_err(|reason| ImportError::BlockedName { reason })?;
                Host::Name(name.trim_end_matches('.').to_string())
            }
            None => return Err(ImportError::InvalidUrl),
        };
        url.set_fragment(None);
        Ok(Self { url, host, port, https })
    }

    /// Every address to try, all checked: one refused address refuses the whole name, since
    /// which one a client ends up using is not ours to predict.
    pub async fn addresses(&self, resolver: &dyn Resolver) -> Result<Vec<PublicAddr>, ImportError> {
        let name = match &self.host {
            Host::Addr(addr) => return Ok(vec![*addr]),
            Host::Name(name) => name,
        };
        let ips = resolver.resolve(name, self.port).await.map_err(|_| ImportError::NotFound)?;
        let mut checked = Vec::with_capacity(ips.len());
        for ip in ips {
            let addr = check_ip(ip)?;
            if !checked.contains(&addr) {
                checked.push(addr);
            }
        }
        if checked.is_empty() {
            return Err(ImportError::NotFound);
        }
        Ok(checked)
    }

    /// The `Host` header: the name (or bracketed address) and any non-default port.
    pub fn host_header(&self) -> String {
        let host = self.url.host_str().unwrap_or_default();
        match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }
}

fn check_ip(ip: std::net::IpAddr) -> Result<PublicAddr, ImportError> {
    address::check(ip).map_err(|reason| ImportError::BlockedAddress { ip, reason })
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ImportPolicy {
        ImportPolicy::new(&Url::parse("https://threadr.example").unwrap())
    }

    fn class(input: &str) -> &'static str {
        match Target::parse(input, &policy()) {
            Ok(_) => "ok",
            Err(e) => e.class(),
        }
    }

    #[test]
    fn every_ipv4_spelling_is_normalised_before_the_check() {
        for input in [
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://127.0.1/",
            "http://127.000.000.001/",
            "http://\u{ff11}\u{ff12}\u{ff17}.0.0.1/",
            "http:/\\127.0.0.1/",
            "HTTP://127.0.0.1:80/",
            "http://0/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(class(input), "blocked_address", "{input}");
        }
    }

    #[test]
    fn scheme_userinfo_and_port_rules() {
        assert_eq!(class("ftp://example.com/a"), "scheme");
        assert_eq!(class("javascript:alert(1)"), "scheme");
        assert_eq!(class("gopher:"), "scheme");
        assert_eq!(class("not a url"), "invalid_url");
        assert_eq!(class("http://example.com@127.0.0.1/"), "userinfo");
        assert_eq!(class("http://user:pass@example.com/"), "userinfo");
        assert_eq!(class("http://example.com:22/"), "port");
        assert_eq!(class("https://example.com:80/"), "ok");
        assert_eq!(class("http://example.com:443/"), "ok");
        assert_eq!(class("https://example.com/a#frag"), "ok");
        assert_eq!(class("http://metadata.google.internal/"), "blocked_name");
    }

    #[test]
    fn redirects_resolve_against_the_current_page_and_are_checked_again() {
        let p = policy();
        let here = Target::parse("https://news.example/a/b?x=1#top", &p).unwrap();
        assert_eq!(here.url.as_str(), "https://news.example/a/b?x=1");
        assert_eq!(here.follow("c", &p).unwrap().url.as_str(), "https://news.example/a/c");
        assert_eq!(here.follow("//other.example/d", &p).unwrap().url.as_str(), "https://other.example/d");
        assert_eq!(here.follow("http://10.0.0.1/", &p).unwrap_err().class(), "blocked_address");
        assert_eq!(here.follow("file:///etc/passwd", &p).unwrap_err().class(), "scheme");
    }

    #[test]
    fn host_header_keeps_a_non_default_port() {
        let mut p = policy();
        p.ports.push(8080);
        assert_eq!(Target::parse("http://News.Example:8080/", &p).unwrap().host_header(), "news.example:8080");
        assert_eq!(Target::parse("https://news.example:443/", &p).unwrap().host_header(), "news.example");
        assert_eq!(Target::parse("http://[2606:4700::1]/", &p).unwrap().host_header(), "[2606:4700::1]");
    }
}
