//! The length of a domain in its ASCII (punycode) form, or `None` when it is no valid
//! internationalised domain: what twitter-text checks with the `idna` crate's UTS #46
//! `to_ascii` (no STD3 rules, hyphens allowed, DNS lengths verified).
//!
//! `idna` would bring Unicode tables into the browser build, so this is a close
//! approximation on the tables we already have: lower-casing, the characters UTS #46
//! ignores, NFC, unassigned and private-use code points refused, no label starting with a
//! combining mark, joiners only after a virama, labels of 1–63 and names of at most 253
//! octets. It does not apply the bidi rule nor UTS #46's full mapping table.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, is_combining_mark, is_public_assigned};

const VIRAMA: u8 = 9;

pub(super) fn ascii_len(domain: &str) -> Option<usize> {
    let mapped = map(domain)?;
    let mut total = 0;
    let mut labels = 0;
    for label in mapped.split('.') {
        let len = label_ascii_len(label)?;
        if !(1..=63).contains(&len) {
            return None;
        }
        total += len;
        labels += 1;
    }
    total += labels - 1;
    (total <= 253).then_some(total)
}

fn map(domain: &str) -> Option<String> {
    if domain.is_ascii() {
        return Some(domain.to_ascii_lowercase());
    }
    let mut mapped = String::with_capacity(domain.len());
    for c in domain.chars() {
        match c {
            '\u{00ad}'
            | '\u{034f}'
            | '\u{180b}'..='\u{180d}'
            | '\u{180f}'
            | '\u{200b}'
            | '\u{2060}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{e0100}'..='\u{e01ef}' => {}
            '\u{3002}' | '\u{ff0e}' | '\u{ff61}' => mapped.push('.'),
            '\u{ff01}'..='\u{ff5e}' => mapped.extend(char::from_u32(c as u32 - 0xfee0)?.to_lowercase()),
            c if c.is_control() || !is_public_assigned(c) => return None,
            c => mapped.extend(c.to_lowercase()),
        }
    }
    Some(mapped.nfc().collect())
}

fn label_ascii_len(label: &str) -> Option<usize> {
    if label.is_ascii() {
        if label.len() >= 4 && label[..4].eq_ignore_ascii_case("xn--") {
            let decoded = decode(&label[4..])?;
            if decoded.is_empty() || decoded.iter().all(char::is_ascii) {
                return None;
            }
        }
        return Some(label.len());
    }
    let chars: Vec<char> = label.chars().collect();
    if chars.first().copied().is_some_and(is_combining_mark) {
        return None;
    }
    for (i, &c) in chars.iter().enumerate() {
        if matches!(c, '\u{200c}' | '\u{200d}') && (i == 0 || canonical_combining_class(chars[i - 1]) != VIRAMA) {
            return None;
        }
    }
    Some(4 + encoded_len(&chars)?)
}

// RFC 3492 parameters.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { DAMP } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn threshold(k: u32, bias: u32) -> u32 {
    if k <= bias {
        T_MIN
    } else if k >= bias + T_MAX {
        T_MAX
    } else {
        k - bias
    }
}

/// The length of the punycode encoding of `input` (without `xn--`).
fn encoded_len(input: &[char]) -> Option<usize> {
    let basic = input.iter().filter(|c| c.is_ascii()).count();
    let mut out = basic + usize::from(basic > 0);
    let (mut n, mut delta, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut handled = basic as u32;
    let total = input.len() as u32;
    while handled < total {
        let m = input.iter().map(|&c| c as u32).filter(|&c| c >= n).min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in input {
            let c = c as u32;
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, handled + 1, handled == basic as u32);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

/// Decodes punycode (without `xn--`); `None` when it is malformed.
fn decode(input: &str) -> Option<Vec<char>> {
    let (basic, extended) = match input.rfind('-') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => ("", input),
    };
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut weight = 1u32;
        let mut k = BASE;
        loop {
            let digit = match digits.next()? {
                b @ b'a'..=b'z' => b - b'a',
                b @ b'A'..=b'Z' => b - b'A',
                b @ b'0'..=b'9' => b - b'0' + 26,
                _ => return None,
            } as u32;
            i = i.checked_add(digit.checked_mul(weight)?)?;
            let t = threshold(k, bias);
            if digit < t {
                break;
            }
            weight = weight.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = output.len() as u32 + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        output.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_rfc_3492() {
        // "bücher" → "bcher-kva"; "例え" → "r8jz45g".
        assert_eq!(encoded_len(&"bücher".chars().collect::<Vec<_>>()), Some(9));
        assert_eq!(encoded_len(&"例え".chars().collect::<Vec<_>>()), Some(7));
        assert_eq!(decode("bcher-kva"), Some("bücher".chars().collect()));
    }

    #[test]
    fn checks_dns_lengths() {
        assert_eq!(ascii_len("Example.COM"), Some(11));
        assert_eq!(ascii_len(&format!("{}.com", "a".repeat(64))), None);
        assert_eq!(ascii_len("例え.jp"), Some("xn--r8jz45g.jp".len()));
        assert_eq!(ascii_len("xn--zz.com"), None);
    }
}
