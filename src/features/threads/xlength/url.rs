//! URL grammar and validation: a port of twitter-text 0.3.1's `nom_parser::url` and
//! `extractor::validate_url_nom` (Apache-2.0). A candidate is what the grammar matched (the
//! scanner skips all of it); validation may reject it or trim it to its real top-level domain.

use super::{idna, scan::is_space, tlds::is_tld};

/// A URL the grammar matched at the start of some input, in byte offsets of that input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Candidate {
    pub len: usize,
    pub host_start: usize,
    pub host_end: usize,
    pub with_protocol: bool,
}

/// The longest URL the backend accepts.
const MAX_URL_LENGTH: usize = 4096;

fn is_invalid_tld_suffix(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '@' || c == '\u{ff20}' || c == '-'
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
}

pub(super) fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{00c0}'..='\u{00d6}' | '\u{00d8}'..='\u{00f6}' | '\u{00f8}'..='\u{00ff}' |
        '\u{0100}'..='\u{024f}' | '\u{0253}'..='\u{0254}' | '\u{0256}'..='\u{0257}' |
        '\u{0259}' | '\u{025b}' | '\u{0263}' | '\u{0268}' | '\u{026f}' | '\u{0272}' |
        '\u{0289}' | '\u{028b}' | '\u{02bb}' | '\u{0300}'..='\u{036f}' | '\u{1e00}'..='\u{1eff}'
    )
}

fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04ff}')
}

/// Domains with a protocol may hold any letter (CJK, Arabic, emoji…).
fn is_domain_char(c: char) -> bool {
    !is_space(c) && !is_punctuation(c) && !super::scan::is_invalid_char(c)
}

/// Domains without a protocol are Latin only.
fn is_uwp_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_latin_accent(c)
}

/// One label: domain characters, with single `-` or `_` between them; `xn--…` as a whole.
/// Until the first non-ASCII character only ASCII letters and digits count (the crate's fast
/// path), after it `is_char` decides for every character.
fn segment(input: &str, is_char: fn(char) -> bool, punycode: bool) -> Option<usize> {
    if punycode && input.len() >= 5 && input.as_bytes()[..4].eq_ignore_ascii_case(b"xn--") {
        let len = 4 + input.as_bytes()[4..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        if len > 4 {
            return Some(len);
        }
    }
    let mut unicode = false;
    let mut accepts = |c: char| {
        unicode |= !c.is_ascii();
        if unicode { is_char(c) } else { c.is_ascii_alphanumeric() }
    };
    let mut chars = input.chars();
    let first = chars.next()?;
    if !accepts(first) {
        return None;
    }
    let mut end = first.len_utf8();
    while let Some(c) = chars.next() {
        if c == '-' || c == '_' {
            match chars.next() {
                Some(next) if accepts(next) => end += 1 + next.len_utf8(),
                _ => break,
            }
        } else if accepts(c) {
            end += c.len_utf8();
        } else {
            break;
        }
    }
    Some(end)
}

fn domain_segment(input: &str) -> Option<usize> {
    segment(input, is_domain_char, true)
}

/// A domain after a protocol: labels separated by dots; the label before the last may not
/// hold `_`; a hyphenated top-level domain (`com-that`) is refused.
fn domain(input: &str) -> Option<usize> {
    let mut pos = 0;
    let mut prev_segment: Option<&str> = None;
    loop {
        let len = domain_segment(&input[pos..])?;
        let segment = &input[pos..pos + len];
        let after = &input[pos + len..];
        let is_last = !(after.starts_with('.') && domain_segment(&after[1..]).is_some());
        if after.starts_with('.') && !is_last {
            prev_segment = Some(segment);
            pos += len + 1;
            continue;
        }
        if after.chars().next().is_some_and(is_invalid_tld_suffix) {
            return None;
        }
        if !after.starts_with('.')
            && let Some(hyphen) = segment.find('-')
            && is_tld(&segment[..hyphen])
        {
            return None;
        }
        if prev_segment.is_some_and(|p| p.contains('_')) {
            return None;
        }
        return Some(pos + len);
    }
}

fn protocol(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    if b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://") {
        Some(8)
    } else if b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://") {
        Some(7)
    } else {
        None
    }
}

/// A URL with `http://` or `https://` at the start of `input`.
pub(super) fn with_protocol(input: &str) -> Option<Candidate> {
    tco_url(input).or_else(|| normal_url(input))
}

fn tco_url(input: &str) -> Option<Candidate> {
    let host_start = protocol(input)?;
    if !input[host_start..].starts_with("t.co") {
        return None;
    }
    let host_end = host_start + 4;
    let mut pos = host_end;
    if input[pos..].starts_with('/') {
        let path = input.as_bytes()[pos + 1..].iter().take(41).take_while(|b| b.is_ascii_alphanumeric()).count();
        if path > 40 {
            return None;
        }
        pos += 1 + path;
    }
    if let Some(q) = query(&input[pos..]) {
        pos += q;
        pos += fragment(&input[pos..]).unwrap_or(0);
    }
    Some(Candidate { len: pos, host_start, host_end, with_protocol: true })
}

fn normal_url(input: &str) -> Option<Candidate> {
    let mut pos = protocol(input)?;
    pos += userinfo(&input[pos..]).unwrap_or(0);
    let host_start = pos;
    pos += host(&input[pos..])?;
    let host_end = pos;
    if input[pos..].chars().next().is_some_and(is_invalid_tld_suffix) {
        return None;
    }
    pos += port(&input[pos..]).unwrap_or(0);
    pos += path(&input[pos..]).unwrap_or(0);
    pos += query(&input[pos..]).unwrap_or(0);
    pos += fragment(&input[pos..]).unwrap_or(0);
    Some(Candidate { len: pos, host_start, host_end, with_protocol: true })
}

fn userinfo(input: &str) -> Option<usize> {
    let is_char =
        |c: char| c.is_ascii_alphanumeric() || "-._~:".contains(c) || is_cyrillic(c) || "!$&'()*+,;=".contains(c);
    let mut chars = input.char_indices();
    while let Some((pos, c)) = chars.next() {
        if c == '@' {
            return Some(pos + 1);
        } else if c == '%' {
            match (chars.next(), chars.next()) {
                (Some((_, a)), Some((_, b))) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => {}
                _ => return None,
            }
        } else if !is_char(c) {
            return None;
        }
    }
    None
}

fn host(input: &str) -> Option<usize> {
    if input.starts_with("t.co") {
        return None;
    }
    if let Some(len) = ip_literal(input) {
        return Some(len);
    }
    if looks_like_ipv4(input) {
        return ipv4(input);
    }
    domain(input)
}

fn looks_like_ipv4(input: &str) -> bool {
    let b = input.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    b.iter().take_while(|b| b.is_ascii_digit() || **b == b'.').filter(|b| **b == b'.').count() == 3
}

fn ipv4(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    let mut pos = 0;
    for octet in 0..4 {
        let digits = b[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 3 || input[pos..pos + digits].parse::<u16>().unwrap_or(256) > 255 {
            return None;
        }
        pos += digits;
        if octet < 3 {
            if b.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
    }
    Some(pos)
}

fn ip_literal(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let inner = b[1..].iter().take_while(|b| b.is_ascii_hexdigit() || **b == b':' || **b == b'.').count();
    (inner > 0 && b.get(1 + inner) == Some(&b']')).then_some(inner + 2)
}

fn port(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    if b.first() != Some(&b':') || !matches!(b.get(1), Some(b'1'..=b'9')) {
        return None;
    }
    Some(2 + b[2..].iter().take_while(|b| b.is_ascii_digit()).count())
}

fn is_url_path_end(c: char) -> bool {
    c.is_ascii_alphanumeric() || "=_-+".contains(c) || is_cyrillic(c) || is_latin_accent(c)
}

fn is_path_punctuation(c: char) -> bool {
    "!*';:,.$%[]~|&@\u{2013}".contains(c)
}

fn is_path_char(c: char) -> bool {
    c != '(' && c != ')' && (is_url_path_end(c) || is_path_punctuation(c) || c == '/')
}

/// `/…` with balanced parentheses, without trailing punctuation.
fn path(input: &str) -> Option<usize> {
    if !input.starts_with('/') {
        return None;
    }
    let mut end = 1;
    let mut depth: i32 = 0;
    for c in input[1..].chars() {
        if c == '(' {
            // Parentheses need something inside, as in the official twitter-text (the crate
            // took `/()` in).
            if input[end + 1..].starts_with(')') {
                break;
            }
            depth += 1;
        } else if c == ')' {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if !is_path_char(c) {
            break;
        }
        end += c.len_utf8();
    }
    if depth > 0 {
        end = balanced_end(input, end);
    }
    let trimmed = input[..end].trim_end_matches(|c: char| is_path_punctuation(c) && c != '/');
    Some(trimmed.len())
}

/// With an unclosed `(`, the path ends at the last point where the parentheses balanced.
fn balanced_end(input: &str, end: usize) -> usize {
    let mut depth: i32 = 0;
    let mut last_balanced = 1;
    for (i, c) in input[1..].char_indices() {
        let at = i + 1;
        if c == '(' {
            depth += 1;
        } else if c == ')' {
            depth -= 1;
        }
        if depth == 0 && (is_path_char(c) || c == ')') {
            last_balanced = at + c.len_utf8();
        }
        if at + c.len_utf8() >= end {
            break;
        }
    }
    last_balanced
}

/// `?…`: punctuation only counts when a query character follows it.
fn query(input: &str) -> Option<usize> {
    let after = input.strip_prefix('?')?;
    if after.starts_with('#') {
        return Some(1);
    }
    let mut last_end = 0;
    let mut pos = 0;
    for c in after.chars() {
        if c.is_ascii_alphanumeric() || "-_&=/+".contains(c) {
            pos += c.len_utf8();
            last_end = pos;
        } else if "!?*'();:$%[].~|@,".contains(c) {
            pos += c.len_utf8();
        } else {
            break;
        }
    }
    (last_end > 0).then_some(1 + last_end)
}

fn fragment(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    Some(1 + b[1..].iter().take_while(|b| b.is_ascii_alphanumeric() || b"-_&=/+#!?*'();:$%[].~|@,".contains(b)).count())
}

/// A URL without a protocol (`example.com/path`) at the start of `input`.
pub(super) fn without_protocol(input: &str) -> Option<Candidate> {
    let host_end = uwp_domain(input)?;
    let mut pos = host_end;
    pos += port(&input[pos..]).unwrap_or(0);
    pos += path(&input[pos..]).unwrap_or(0);
    pos += query(&input[pos..]).unwrap_or(0);
    pos += fragment(&input[pos..]).unwrap_or(0);
    Some(Candidate { len: pos, host_start: 0, host_end, with_protocol: false })
}

fn uwp_domain(input: &str) -> Option<usize> {
    if !super::scan::has_dot_before_space(input) {
        return None;
    }
    let mut pos = 0;
    loop {
        match segment(&input[pos..], is_uwp_domain_char, false) {
            Some(len) => {
                let after = &input[pos + len..];
                // Unlike the crate's nom backend, a dot that ends a sentence ends the domain
                // (`Read example.com.`), as in the official twitter-text.
                if after.starts_with('.') && starts_uwp_label(&after[1..]) {
                    pos += len + 1;
                    continue;
                }
                if after.chars().next().is_some_and(is_invalid_tld_suffix) {
                    return None;
                }
                return input[..pos + len].contains('.').then_some(pos + len);
            }
            None => {
                // A Unicode top-level domain: `twitter.みんな`.
                let len: usize = input[pos..].chars().take_while(|&c| is_unicode_tld_char(c)).map(char::len_utf8).sum();
                if len == 0 {
                    return None;
                }
                let after = &input[pos + len..];
                if after.chars().next().is_some_and(is_invalid_tld_suffix) {
                    return None;
                }
                return input[..pos + len].contains('.').then_some(pos + len);
            }
        }
    }
}

fn starts_uwp_label(input: &str) -> bool {
    input.chars().next().is_some_and(|c| is_uwp_domain_char(c) || is_unicode_tld_char(c))
}

fn is_unicode_tld_char(c: char) -> bool {
    !is_space(c) && !is_punctuation(c) && !c.is_ascii() && !super::scan::is_invalid_char(c)
}

/// Validates a candidate at the start of `input`: the end of the URL to count (trimmed to its
/// real top-level domain), or `None` when it is no URL.
pub(super) fn validated_end(input: &str, candidate: &Candidate) -> Option<usize> {
    let url = &input[..candidate.len];
    let domain = &url[candidate.host_start..candidate.host_end];
    let after_domain = url.len() - candidate.host_end;
    if domain == "t.co" {
        return valid_punycode(url, domain, candidate.with_protocol).then_some(url.len());
    }
    let requires_exact_tld = !candidate.with_protocol;
    if requires_exact_tld {
        let valid_end = valid_domain_end(domain);
        if valid_end < domain.len() {
            let trimmed = &domain[..valid_end];
            let tld = &trimmed[trimmed.rfind('.')? + 1..];
            return is_tld(tld).then_some(url.len() - (domain.len() - valid_end) - after_domain);
        }
    }
    let valid_len = valid_tld_boundary(domain, requires_exact_tld)?;
    if valid_len == domain.len() {
        valid_punycode(url, domain, candidate.with_protocol).then_some(url.len())
    } else {
        Some(url.len() - (domain.len() - valid_len) - after_domain)
    }
}

fn valid_punycode(url: &str, domain: &str, with_protocol: bool) -> bool {
    // The crate decides "has a protocol" from the text, not from the grammar.
    let _ = with_protocol;
    let has_protocol = url.starts_with("http://") || url.starts_with("https://");
    match idna::ascii_len(domain) {
        Some(ascii_len) => {
            let prefix = if has_protocol { 0 } else { "https://".len() };
            prefix + url.len() - domain.len() + ascii_len < MAX_URL_LENGTH
        }
        None => false,
    }
}

/// Where the real domain ends: the rightmost label that is a top-level domain (or, when a
/// label mixes Latin with another script, the first one before the switch).
fn valid_tld_boundary(domain: &str, requires_exact_tld: bool) -> Option<usize> {
    let dots: Vec<usize> = domain.char_indices().filter(|&(_, c)| c == '.').map(|(i, _)| i).collect();
    let label_after = |dot: usize| {
        let after = &domain[dot + 1..];
        &after[..after.find('.').unwrap_or(after.len())]
    };
    if domain.split('.').any(has_script_mixing) {
        for &dot in &dots {
            let label = label_after(dot);
            if has_script_mixing(label) {
                let prefix = &label[..script_boundary(label)];
                if !prefix.is_empty() && is_tld(prefix) {
                    return Some(dot + 1 + prefix.len());
                }
            }
        }
    }
    for &dot in dots.iter().rev() {
        let label = label_after(dot);
        let before = &domain[..dot];
        let prev_label_has_underscore = before.rsplit('.').next().unwrap_or(before).contains('_');
        if is_tld(label) {
            if prev_label_has_underscore {
                continue;
            }
            return Some(dot + 1 + label.len());
        }
        if let Some(hyphen) = label.find('-')
            && is_tld(&label[..hyphen])
        {
            if prev_label_has_underscore {
                continue;
            }
            return Some(dot + 1 + hyphen);
        }
        if requires_exact_tld && !label.is_ascii() {
            for (i, _) in label.char_indices().skip(2) {
                if is_tld(&label[..i]) {
                    return Some(dot + 1 + i);
                }
            }
        }
    }
    None
}

/// Where a domain without protocol ends once a label that switches from Latin to another
/// script is cut (`example.comだよね` → `example.com`).
fn valid_domain_end(domain: &str) -> usize {
    let mut pos = domain.len();
    for label in domain.split('.').rev() {
        let start = pos - label.len();
        if has_script_mixing(label) {
            return start + script_boundary(label);
        }
        pos = start.saturating_sub(1);
    }
    domain.len()
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c)
}

fn is_script_neutral(c: char) -> bool {
    c.is_ascii_digit() || c == '-'
}

fn has_script_mixing(label: &str) -> bool {
    if label.len() >= 4 && label.as_bytes()[..4].eq_ignore_ascii_case(b"xn--") && label.starts_with(['x', 'X']) {
        return false;
    }
    let mut seen_latin = false;
    for c in label.chars() {
        if is_latin(c) {
            seen_latin = true;
        } else if !is_script_neutral(c) && seen_latin {
            return true;
        }
    }
    false
}

fn script_boundary(label: &str) -> usize {
    let mut last_valid = 0;
    let mut seen_latin = false;
    for (i, c) in label.char_indices() {
        if is_latin(c) || is_script_neutral(c) {
            seen_latin |= is_latin(c);
            last_valid = i + c.len_utf8();
        } else if seen_latin {
            break;
        } else {
            last_valid = i + c.len_utf8();
        }
    }
    last_valid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_matches_urls() {
        assert_eq!(with_protocol("https://example.com/a(b)c. x").map(|c| c.len), Some(25));
        assert_eq!(with_protocol("http://t.co/abc?x=1 y").map(|c| c.len), Some(19));
        assert_eq!(with_protocol("http://1.2.3.4:80/x").map(|c| c.len), Some(19));
        assert_eq!(with_protocol("http://domain.com-that"), None);
        assert_eq!(without_protocol("example.com/path?q=1. x").map(|c| c.len), Some(20));
        assert_eq!(without_protocol("example"), None);
    }

    #[test]
    fn validation_trims_to_the_real_domain() {
        let input = "example.comだよね";
        let c = without_protocol(input).unwrap();
        assert_eq!(validated_end(input, &c), Some("example.com".len()));
        let input = "example.notatld";
        let c = without_protocol(input).unwrap();
        assert_eq!(validated_end(input, &c), None);
    }
}
