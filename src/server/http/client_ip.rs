//! The client's IP address: the connection's peer, or — behind `TRUSTED_PROXY_HOPS` proxies —
//! the address the outermost trusted proxy recorded in `X-Forwarded-For`.
//!
//! A middleware resolves it once per request and stores it as a [`ClientIp`] request
//! extension; limits, quotas and the audit log read it from there.

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, request::Parts};
use std::net::{IpAddr, SocketAddr};

/// The resolved client address of the request being served (a request extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client address of a request whose parts an axum handler holds.
    pub fn of(parts: &Parts) -> Option<IpAddr> {
        parts.extensions.get::<Self>().map(|c| c.0)
    }

    /// The client address inside a server function or a component rendered on the server
    /// (leptos_axum provides the request's parts as context).
    pub fn current() -> Option<IpAddr> {
        leptos::prelude::use_context::<Parts>().as_ref().and_then(Self::of)
    }
}

/// With 0 trusted hops the socket peer; with N, the N-th address from the right of
/// `X-Forwarded-For` (each trusted proxy appends the address it received the request from, so
/// entries further left are whatever the client chose to send). A header shorter than N or
/// with an unreadable entry among the last N falls back to the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_hops: usize) -> IpAddr {
    let peer = peer.to_canonical();
    if trusted_hops == 0 {
        return peer;
    }
    // Several X-Forwarded-For headers are one list in order (RFC 9110 field lines).
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else { return peer };
        entries.extend(value.split(','));
    }
    if entries.len() < trusted_hops {
        return peer;
    }
    let mut client = peer;
    for entry in entries.iter().rev().take(trusted_hops) {
        match parse_entry(entry) {
            Some(ip) => client = ip,
            None => return peer,
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, and the forms some proxies write: with a port
/// (`203.0.113.7:4711`, `[2001:db8::1]:4711`) or in brackets (`[2001:db8::1]`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
}

/// Middleware: stores the request's [`ClientIp`] (state: the number of trusted hops).
pub async fn attach(State(trusted_hops): State<usize>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = client_ip(peer.ip(), req.headers(), trusted_hops);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 9));

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_hops_the_header_is_ignored() {
        assert_eq!(client_ip(PEER, &xff(&["203.0.113.7"]), 0), PEER);
        assert_eq!(client_ip(PEER, &HeaderMap::new(), 0), PEER);
    }

    #[test]
    fn one_hop_takes_the_rightmost_entry() {
        assert_eq!(client_ip(PEER, &xff(&["203.0.113.7"]), 1), ip("203.0.113.7"));
        // The client's own (forged) entries sit to the left of what the proxy appended.
        assert_eq!(client_ip(PEER, &xff(&["1.1.1.1, 203.0.113.7"]), 1), ip("203.0.113.7"));
    }

    #[test]
    fn n_hops_take_the_nth_from_the_right_across_header_lines() {
        let headers = xff(&["6.6.6.6, 198.51.100.1", "192.0.2.10"]);
        assert_eq!(client_ip(PEER, &headers, 1), ip("192.0.2.10"));
        assert_eq!(client_ip(PEER, &headers, 2), ip("198.51.100.1"));
        assert_eq!(client_ip(PEER, &headers, 3), ip("6.6.6.6"));
    }

    #[test]
    fn a_short_missing_or_malformed_header_falls_back_to_the_peer() {
        assert_eq!(client_ip(PEER, &HeaderMap::new(), 1), PEER);
        assert_eq!(client_ip(PEER, &xff(&["203.0.113.7"]), 2), PEER, "shorter than the hops");
        assert_eq!(client_ip(PEER, &xff(&["not-an-ip"]), 1), PEER);
        assert_eq!(client_ip(PEER, &xff(&["203.0.113.7, unknown"]), 2), PEER, "a bad trusted entry");
        assert_eq!(client_ip(PEER, &xff(&[""]), 1), PEER);
        assert_eq!(client_ip(PEER, &xff(&["203.0.113.7,"]), 1), PEER);
        let mut binary = HeaderMap::new();
        binary.insert("x-forwarded-for", HeaderValue::from_bytes(b"\xff203.0.113.7").unwrap());
        assert_eq!(client_ip(PEER, &binary, 1), PEER);
    }

    #[test]
    fn untrusted_garbage_left_of_the_trusted_entries_does_not_matter() {
        assert_eq!(client_ip(PEER, &xff(&["garbage, 203.0.113.7"]), 1), ip("203.0.113.7"));
    }

    #[test]
    fn ports_brackets_spaces_and_mapped_addresses_are_understood() {
        assert_eq!(client_ip(PEER, &xff(&[" 203.0.113.7:4711 "]), 1), ip("203.0.113.7"));
        assert_eq!(client_ip(PEER, &xff(&["[2001:db8::1]:4711"]), 1), ip("2001:db8::1"));
        assert_eq!(client_ip(PEER, &xff(&["[2001:db8::1]"]), 1), ip("2001:db8::1"));
        assert_eq!(client_ip(PEER, &xff(&["2001:db8::1"]), 1), ip("2001:db8::1"));
        assert_eq!(client_ip(PEER, &xff(&["::ffff:203.0.113.7"]), 1), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("::ffff:10.0.0.9"), &HeaderMap::new(), 0), PEER, "a dual-stack peer");
    }
}
