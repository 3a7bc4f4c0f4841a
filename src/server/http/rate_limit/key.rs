use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
};
use uuid::Uuid;

/// Whose requests are counted together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    User(Uuid),
    Ip(IpAddr),
}

impl Key {
    /// An anonymous client. An IPv6 client usually holds a whole /64 and can pick any address
    /// in it, so the /64 is counted as one client.
    pub fn ip(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V6(v6) => Self::Ip(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))),
            v4 => Self::Ip(v4),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::Ip(ip) => write!(f, "ip:{ip}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a = Key::ip("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Key::ip("2001:db8:1:2:bbbb::9".parse().unwrap());
        let other = Key::ip("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, other);
        assert_eq!(a.to_string(), "ip:2001:db8:1:2::");
        assert_eq!(Key::ip("::ffff:192.0.2.1".parse().unwrap()), Key::ip("192.0.2.1".parse().unwrap()));
        assert_eq!(Key::ip("192.0.2.1".parse().unwrap()).to_string(), "ip:192.0.2.1");
    }
}
