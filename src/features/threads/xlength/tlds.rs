//! Top-level domains, as twitter-text 0.3.1 knows them (`tlds.txt`, generated from its
//! `tlds::TLDS`; a test keeps them equal).

use std::collections::HashSet;
use std::sync::OnceLock;

const TLDS: &str = include_str!("tlds.txt");

/// Whether `label` is a top-level domain. Like the crate, it lower-cases only when the label
/// has an ASCII capital.
pub(super) fn is_tld(label: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let set = SET.get_or_init(|| TLDS.lines().collect());
    if label.bytes().any(|b| b.is_ascii_uppercase()) {
        set.contains(label.to_lowercase().as_str())
    } else {
        set.contains(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_ascii_and_unicode_domains() {
        for tld in ["com", "COM", "uk", "みんな", "рф", "xn--p1ai"] {
            assert!(is_tld(tld), "{tld}");
        }
        for not in ["", "notatld", "c0m"] {
            assert!(!is_tld(not), "{not}");
        }
    }
}
