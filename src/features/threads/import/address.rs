//! Which IP addresses the importer may connect to.
//!
//! A deny list is easy to get wrong for IPv6, so IPv6 is an allow list: only global unicast
//! (2000::/3) minus its special ranges, plus the forms that embed an IPv4 address
//! (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) when the embedded address is itself
//! allowed. IPv4 follows the IANA special-purpose registry.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address that passed [`check`]; the only kind the importer connects to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicAddr(IpAddr);

impl PublicAddr {
    pub fn ip(self) -> IpAddr {
        self.0
    }
}

/// Why an address is refused (for logs and tests; the person sees one plain sentence).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Loopback,
    Private,
    LinkLocal,
    SharedAddressSpace,
    Multicast,
    Broadcast,
    Unspecified,
    Documentation,
    Benchmarking,
    Reserved,
    UniqueLocal,
    SiteLocal,
    CloudMetadata,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Loopback => "loopback",
            Refusal::Private => "private",
            Refusal::LinkLocal => "link_local",
            Refusal::SharedAddressSpace => "shared_address_space",
            Refusal::Multicast => "multicast",
            Refusal::Broadcast => "broadcast",
            Refusal::Unspecified => "unspecified",
            Refusal::Documentation => "documentation",
            Refusal::Benchmarking => "benchmarking",
            Refusal::Reserved => "reserved",
            Refusal::UniqueLocal => "unique_local",
            Refusal::SiteLocal => "site_local",
            Refusal::CloudMetadata => "cloud_metadata",
        }
    }
}

/// Cloud metadata services: named apart so the refusal says so in logs. Most also fall in a
/// refused range; listing them keeps them refused if a range rule is ever loosened.
const METADATA_V4: [Ipv4Addr; 3] = [
    Ipv4Addr::new(169, 254, 169, 254), // AWS, GCP, Azure, DigitalOcean, OpenStack
    Ipv4Addr::new(169, 254, 170, 2),   // AWS ECS task metadata
    Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud
];
const METADATA_V6: [Ipv6Addr; 1] = [Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)]; // AWS IMDS over IPv6

pub fn check(ip: IpAddr) -> Result<PublicAddr, Refusal> {
    match ip {
        IpAddr::V4(v4) => check_v4(v4).map(|()| PublicAddr(ip)),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

fn check_v4(ip: Ipv4Addr) -> Result<(), Refusal> {
    if METADATA_V4.contains(&ip) {
        return Err(Refusal::CloudMetadata);
    }
    let bits = u32::from(ip);
    let within = |net: [u8; 4], len: u32| {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        bits & mask == u32::from(Ipv4Addr::from(net)) & mask
    };
    let refusal = if ip.is_broadcast() {
        Refusal::Broadcast
    } else if ip.is_unspecified() {
        Refusal::Unspecified
    } else if within([0, 0, 0, 0], 8) {
        // "This network": Linux connects 0.x.y.z to the local host.
        Refusal::Reserved
    } else if within([127, 0, 0, 0], 8) {
        Refusal::Loopback
    } else if within([10, 0, 0, 0], 8) || within([172, 16, 0, 0], 12) || within([192, 168, 0, 0], 16) {
        Refusal::Private
    } else if within([100, 64, 0, 0], 10) {
        Refusal::SharedAddressSpace
    } else if within([169, 254, 0, 0], 16) {
        Refusal::LinkLocal
    } else if within([192, 0, 2, 0], 24) || within([198, 51, 100, 0], 24) || within([203, 0, 113, 0], 24) {
        Refusal::Documentation
    } else if within([198, 18, 0, 0], 15) {
        Refusal::Benchmarking
    } else if within([224, 0, 0, 0], 4) {
        Refusal::Multicast
    } else if within([240, 0, 0, 0], 4) || within([192, 0, 0, 0], 24) || within([192, 88, 99, 0], 24) {
        // Future use; IETF protocol assignments (NAT64 discovery, DS-Lite); the retired 6to4
        // relay anycast.
        Refusal::Reserved
    } else {
        return Ok(());
    };
    Err(refusal)
}

fn check_v6(ip: Ipv6Addr) -> Result<PublicAddr, Refusal> {
    if METADATA_V6.contains(&ip) {
        return Err(Refusal::CloudMetadata);
    }
    let bits = u128::from(ip);
    let within = |net: u128, len: u32| {
        let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
        bits & mask == net & mask
    };
    let low_v4 = Ipv4Addr::from(bits as u32);

    if ip.is_unspecified() {
        return Err(Refusal::Unspecified);
    }
    if ip.is_loopback() {
        return Err(Refusal::Loopback);
    }
    // ::ffff:a.b.c.d reaches a.b.c.d on a dual-stack socket: as good or bad as that address,
    // and connected to as plain IPv4.
    if within(0xffff_0000_0000, 96) {
        return check_v4(low_v4).map(|()| PublicAddr(IpAddr::V4(low_v4)));
    }
    // ::a.b.c.d (IPv4-compatible, deprecated): never needed for a real site.
    if within(0, 96) {
        check_v4(low_v4)?;
        return Err(Refusal::Reserved);
    }
    // NAT64 well-known prefix: the gateway forwards to the embedded IPv4 address.
    if within(0x0064_ff9b << 96, 96) {
        return check_v4(low_v4).map(|()| PublicAddr(IpAddr::V6(ip)));
    }
    // 6to4: 2002:AABB:CCDD::/48 is routed towards AA.BB.CC.DD.
    if within(0x2002 << 112, 16) {
        check_v4(Ipv4Addr::from((bits >> 80) as u32))?;
    }
    let refusal = if within(0xff << 120, 8) {
        Refusal::Multicast
    } else if within(0xfe80 << 112, 10) {
        Refusal::LinkLocal
    } else if within(0xfec0 << 112, 10) {
        Refusal::SiteLocal
    } else if within(0xfc00 << 112, 7) {
        Refusal::UniqueLocal
    } else if within(0x2001_0db8 << 96, 32) || within(0x3fff << 112, 20) {
        Refusal::Documentation
    } else if within(0x2001_0002 << 96, 48) {
        Refusal::Benchmarking
    } else if within(0x2001 << 112, 23) || within(0x0064_ff9b_0001 << 80, 48) {
        // IETF protocol assignments (Teredo, ORCHID, AMT…): Teredo hides an IPv4 address we
        // cannot check. 64:ff9b:1::/48 is NAT64 for local use.
        Refusal::Reserved
    } else if !within(0x2 << 124, 3) {
        // Outside global unicast (2000::/3): discard-only, SRv6, unassigned.
        Refusal::Reserved
    } else {
        return Ok(PublicAddr(IpAddr::V6(ip)));
    };
    Err(refusal)
}

/// Host names refused without asking DNS: cloud metadata names, the local host, names
/// reserved for private networks, and single-label names (resolved through the server's
/// search domains to intranet hosts; no public site has one).
pub fn check_name(host: &str) -> Result<(), Refusal> {
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    const METADATA_NAMES: [&str; 4] = ["metadata.google.internal", "metadata", "instance-data", "metadata.azure.com"];
    if METADATA_NAMES.contains(&name.as_str()) || name.starts_with("instance-data.") {
        return Err(Refusal::CloudMetadata);
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(Refusal::Loopback);
    }
    const PRIVATE_SUFFIXES: [&str; 4] = [".internal", ".local", ".home.arpa", ".lan"];
    if !name.contains('.') || PRIVATE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Err(Refusal::Private);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(s: &str) -> Option<Refusal> {
        check(s.parse().expect("an IP address")).err()
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:81b::200e",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(refusal(ip), None, "{ip} should be allowed");
        }
    }

    #[test]
    fn special_ipv4_ranges_are_refused_with_their_reason() {
        use Refusal::*;
        for (ip, why) in [
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.0.1", LinkLocal),
            ("169.254.169.254", CloudMetadata),
            ("169.254.170.2", CloudMetadata),
            ("100.100.100.200", CloudMetadata),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("240.0.0.1", Reserved),
            ("192.0.0.170", Reserved),
            ("192.88.99.1", Reserved),
        ] {
            assert_eq!(refusal(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn special_ipv6_ranges_are_refused_with_their_reason() {
        use Refusal::*;
        for (ip, why) in [
            ("::1", Loopback),
            ("::", Unspecified),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("fc00::1", UniqueLocal),
            ("fdff::1", UniqueLocal),
            ("fd00:ec2::254", CloudMetadata),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Reserved), // Teredo
            ("64:ff9b:1::1", Reserved),
            ("100::1", Reserved),
            ("4000::1", Reserved),
        ] {
            assert_eq!(refusal(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_embedding_a_refused_ipv4_address_are_refused() {
        use Refusal::*;
        for (ip, why) in [
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:169.254.169.254", CloudMetadata),
            ("::ffff:0.0.0.0", Unspecified),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("::8.8.8.8", Reserved),
            ("64:ff9b::7f00:1", Loopback),
            ("64:ff9b::192.168.0.1", Private),
            ("64:ff9b::a9fe:a9fe", CloudMetadata),
            ("2002:7f00:1::", Loopback),
            ("2002:a9fe:a9fe::1", CloudMetadata),
            ("2002:c0a8:101::1", Private),
        ] {
            assert_eq!(refusal(ip), Some(why), "{ip}");
        }
    }

    #[test]
    fn a_mapped_public_address_is_connected_to_as_ipv4() {
        let ok = check("::ffff:93.184.216.34".parse().unwrap()).unwrap();
        assert_eq!(ok.ip(), "93.184.216.34".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn names_refused_without_dns() {
        use Refusal::*;
        for (name, why) in [
            ("metadata.google.internal", CloudMetadata),
            ("METADATA.google.internal.", CloudMetadata),
            ("metadata", CloudMetadata),
            ("instance-data", CloudMetadata),
            ("instance-data.ec2.internal", CloudMetadata),
            ("localhost", Loopback),
            ("app.localhost", Loopback),
            ("intranet", Private),
            ("db.internal", Private),
            ("printer.local", Private),
            ("nas.home.arpa", Private),
        ] {
            assert_eq!(check_name(name), Err(why), "{name}");
        }
        assert_eq!(check_name("news.example"), Ok(()));
        assert_eq!(check_name("en.wikipedia.org."), Ok(()));
    }
}
