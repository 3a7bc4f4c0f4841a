//! Finds the spans that do not count character by character: URLs, emoji sequences and
//! invalid characters. Mentions, hashtags and cashtags count as plain text, but they are
//! still recognised because they hide what is inside them (`#abc.com` holds no URL).
//!
//! A port of twitter-text 0.3.1's `nom_parser::parse_tweet` and `try_parse_entity`
//! (Apache-2.0), without nom, keeping its order of checks so the answers stay the same.

use super::{emoji, url};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Url,
    Emoji,
    InvalidChar,
}

/// A span in byte offsets of the (NFC) text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Entity {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// What `try_entity` found at a position: how much it consumed and, for a URL, its parts.
enum Found {
    Text(usize),
    Url(url::Candidate),
}

/// The entities of `input`, in order and not overlapping.
pub(super) fn entities(input: &str) -> Vec<Entity> {
    let mut entities = Vec::new();
    let bytes = input.as_bytes();
    let mut pos = 0;
    let mut prev: Option<char> = None;
    while pos < bytes.len() {
        let b = bytes[pos];
        let rest = &input[pos..];
        let Some(c) = rest.chars().next() else { break };
        if b < 128 && is_plain_ascii(b) {
            prev = Some(c);
            pos += 1;
            continue;
        }
        // Inside an ASCII word nothing starts but a URL with protocol (`h`) or a keycap (a
        // digit before a non-ASCII character): the common case, kept cheap.
        if b.is_ascii_alphanumeric()
            && prev.is_some_and(|p| p.is_ascii_alphanumeric())
            && b | 0x20 != b'h'
            && !(b.is_ascii_digit() && bytes.get(pos + 1).is_some_and(|&n| n >= 128))
        {
            prev = Some(c);
            pos += 1;
            continue;
        }
        if let Some(found) = try_entity(input, rest, pos, prev) {
            let consumed = match found {
                Found::Text(consumed) => consumed,
                Found::Url(candidate) => {
                    let url_end = url::validated_end(rest, &candidate).unwrap_or(0);
                    if url_end > 0 {
                        entities.push(Entity { kind: Kind::Url, start: pos, end: pos + url_end });
                    }
                    // Without a protocol, what the grammar matched beyond the real URL is
                    // scanned again (`twitter.みんな#⃣` ends in a keycap), and a failed domain
                    // still holds emoji (`a.👨‍👩‍👧`), as in the official twitter-text; the
                    // crate's nom backend skips both.
                    if candidate.with_protocol {
                        candidate.len
                    } else if url_end > 0 {
                        url_end
                    } else {
                        emoji_in(&rest[..candidate.len], pos, &mut entities);
                        candidate.len
                    }
                }
            };
            prev = input[pos..pos + consumed].chars().next_back();
            pos += consumed;
            continue;
        }
        let consumed = if b == b'$' {
            1 + skip_invalid_cashtag_url(&rest[1..])
        } else if b == b'@' {
            1 + skip_email_domain(&rest[1..])
        } else if c == '\u{ff20}' {
            c.len_utf8() + skip_email_domain(&rest[c.len_utf8()..])
        } else if is_invalid_char(c) {
            entities.push(Entity { kind: Kind::InvalidChar, start: pos, end: pos + c.len_utf8() });
            c.len_utf8()
        } else if matches!(b, b'#' | b'*' | b'+' | b'0'..=b'9') || (b >= 128 && emoji::is_start(c)) {
            match emoji::candidate(rest) {
                Some(len) => {
                    if emoji::is_emoji(&rest[..len]) {
                        entities.push(Entity { kind: Kind::Emoji, start: pos, end: pos + len });
                    }
                    len
                }
                None => c.len_utf8(),
            }
        } else {
            c.len_utf8()
        };
        prev = input[pos..pos + consumed].chars().next_back();
        pos += consumed;
    }
    entities
}

fn emoji_in(text: &str, offset: usize, entities: &mut Vec<Entity>) {
    let mut pos = 0;
    while let Some(c) = text[pos..].chars().next() {
        pos += match emoji::candidate(&text[pos..]).filter(|&len| pos + len <= text.len()) {
            Some(len) if emoji::is_emoji(&text[pos..pos + len]) => {
                entities.push(Entity { kind: Kind::Emoji, start: offset + pos, end: offset + pos + len });
                len
            }
            _ => c.len_utf8(),
        };
    }
}

/// ASCII that can start nothing (digits, `#`, `*` and `+` can start a keycap emoji).
fn is_plain_ascii(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'.'
            | b','
            | b'!'
            | b'?'
            | b'\''
            | b'"'
            | b'-'
            | b'_'
            | b'\n'
            | b'\r'
            | b'\t'
            | b'('
            | b')'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b':'
            | b';'
            | b'<'
            | b'>'
            | b'/'
            | b'\\'
            | b'|'
            | b'`'
            | b'~'
            | b'='
            | b'&'
            | b'^'
            | b'%'
    )
}

pub(super) fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{fffe}' | '\u{feff}' | '\u{ffff}')
}

pub(super) fn is_space(c: char) -> bool {
    matches!(c,
        '\u{0020}' | '\u{0085}' | '\u{00A0}' | '\u{1680}' | '\u{180E}' |
        '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' |
        '\u{0009}'..='\u{000D}' | '\u{2000}'..='\u{200A}'
    )
}

fn is_entity_prefix(c: char) -> bool {
    matches!(c, '@' | '#' | '$' | '\u{ff20}' | '\u{ff03}')
}

fn try_entity(full: &str, input: &str, offset: usize, prev: Option<char>) -> Option<Found> {
    let first = input.chars().next()?;
    match first {
        '@' | '\u{ff20}' => {
            if let Some(pc) = prev {
                let bad_prefix = matches!(pc, '_' | '@' | '!' | '#' | '$' | '%' | '&' | '*' | '=' | '/' | '\u{ff20}')
                    || pc.is_ascii_alphanumeric();
                if bad_prefix && !is_rt_prefix_before(full, offset) {
                    return None;
                }
            }
            let (len, federated) = mention(input)?;
            let after = &input[len..];
            if !federated
                && let Some(next) = after.chars().next()
                && (next == '@'
                    || next == '\u{ff20}'
                    || next == '-'
                    || url::is_latin_accent(next)
                    || after.starts_with("://"))
            {
                return None;
            }
            Some(Found::Text(len))
        }
        '#' | '\u{ff03}' => {
            if let Some(pc) = prev
                && !valid_hashtag_predecessor(pc)
            {
                return None;
            }
            let after = &input[first.len_utf8()..];
            if ["http://", "https://", "HTTP://", "HTTPS://"].iter().any(|p| after.starts_with(p)) {
                return None;
            }
            hashtag(input).map(Found::Text)
        }
        '$' => {
            if let Some(pc) = prev
                && !is_space(pc)
            {
                return None;
            }
            cashtag(input).map(Found::Text)
        }
        c if c.is_ascii_alphanumeric() || url::is_latin_accent(c) => {
            if prev.is_some_and(is_entity_prefix) {
                return None;
            }
            if matches!(c, 'h' | 'H')
                && let Some(candidate) = url::with_protocol(input)
            {
                return Some(Found::Url(candidate));
            }
            // As in the official twitter-text, a domain right after a letter, a digit, `-`,
            // `_`, `.` or `/` is part of something else (`#tag.example.com`, `foo_bar.com`);
            // the crate's nom backend has no such rule.
            if prev.is_some_and(|pc| pc.is_ascii_alphanumeric() || matches!(pc, '-' | '_' | '.' | '/'))
                || inside_failed_protocol_url(full, offset)
                || !has_dot_before_space(input)
            {
                return None;
            }
            let candidate = url::without_protocol(input)?;
            let after = &input[candidate.len..];
            if after.starts_with('@') || after.starts_with('\u{ff20}') || looks_like_email_continuation(after) {
                return None;
            }
            Some(Found::Url(candidate))
        }
        _ => None,
    }
}

/// `http://-foo.com`: no URL without a protocol inside a failed URL with one, i.e. when a
/// `://` comes since the last space or CJK character. (The crate looks back only as far as
/// the first non-ASCII character and, when that is neither, takes the whole text before; a
/// domain then depended on words far away. Looking back to the space keeps the count of a
/// text the sum of the counts of its words, which the packer relies on.)
fn inside_failed_protocol_url(full: &str, offset: usize) -> bool {
    let before = &full[..offset];
    let since = before
        .char_indices()
        .rev()
        .find(|&(_, c)| {
            matches!(c, ' ' | '\n' | '\r' | '\t') || (!c.is_ascii() && (is_space(c) || is_url_delimiter(c)))
        })
        .map_or(before, |(i, c)| &before[i + c.len_utf8()..])
        .as_bytes();
    since.iter().position(|&b| b == b':').is_some_and(|colon| since.get(colon + 1..colon + 3) == Some(b"//"))
}

fn is_url_delimiter(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}' | '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' |
        '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}' | '\u{FF00}'..='\u{FFEF}'
    )
}

/// Whether a `.` comes before the next space (a cheap early rejection, kept for its quirks:
/// it stops at the first non-ASCII byte and rescans from the start).
pub(super) fn has_dot_before_space(input: &str) -> bool {
    for &b in input.as_bytes() {
        if b == b'.' {
            return true;
        }
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return false;
        }
        if b >= 128 {
            for c in input.chars() {
                if c == '.' {
                    return true;
                }
                if is_space(c) {
                    return false;
                }
            }
            return false;
        }
    }
    false
}

/// `RT@user` and `RT:@user`, the old retweet form, allow a mention right after letters.
fn is_rt_prefix_before(full: &str, offset: usize) -> bool {
    if offset < 2 {
        return false;
    }
    let before = &full[..offset];
    let rt_at = |end: usize| {
        before.get(end - 2..end).is_some_and(|rt| rt.eq_ignore_ascii_case("RT"))
            && (end == 2 || before[..end - 2].chars().next_back().is_none_or(char::is_whitespace))
    };
    (before.ends_with(':') && before.len() >= 3 && rt_at(before.len() - 1)) || rt_at(before.len())
}

/// `$twitter.com`, `$http://t.co`: what follows a `$` that is no cashtag is skipped whole.
fn skip_invalid_cashtag_url(input: &str) -> usize {
    url::with_protocol(input).or_else(|| url::without_protocol(input)).map_or(0, |c| c.len)
}

/// `user@mail.com`: the domain of an email address is no URL.
fn skip_email_domain(input: &str) -> usize {
    url::without_protocol(input).map_or(0, |c| c.len)
}

/// `name.al-lastname@foo.com`: `name.al` is the start of an email address.
fn looks_like_email_continuation(after: &str) -> bool {
    let bytes = after.as_bytes();
    if !matches!(bytes.first(), Some(b'-' | b'+')) {
        return false;
    }
    for &b in bytes.iter().skip(1).take(64) {
        if b == b'@' || b == 0xff {
            return true;
        }
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            return false;
        }
    }
    false
}

/// A mention, list or federated mention at the start of `input`: (length, federated).
fn mention(input: &str) -> Option<(usize, bool)> {
    let prefix = if input.starts_with('@') {
        1
    } else if input.starts_with('\u{ff20}') {
        3
    } else {
        return None;
    };
    let bytes = input.as_bytes();
    // @user@domain (federated)
    let user = federated_segment(&bytes[prefix..]);
    if user > 0 && bytes.get(prefix + user) == Some(&b'@') {
        let domain = federated_segment(&bytes[prefix + user + 1..]);
        if domain > 0 {
            return Some((prefix + user + 1 + domain, true));
        }
    }
    let name = bytes[prefix..].iter().take(20).take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
    if name == 0 {
        return None;
    }
    // @user/list-slug
    let slash = prefix + name;
    if bytes.get(slash) == Some(&b'/') && bytes.get(slash + 1).is_some_and(u8::is_ascii_alphabetic) {
        let slug = 1 + bytes[slash + 2..]
            .iter()
            .take(24)
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            .count();
        return Some((slash + 1 + slug, false));
    }
    Some((prefix + name, false))
}

fn federated_segment(bytes: &[u8]) -> usize {
    let is_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let is_sep = |b: u8| b == b'.' || b == b'-';
    if bytes.first().is_none_or(|&b| !is_char(b)) {
        return 0;
    }
    let mut end = 1;
    let mut i = 1;
    while i < bytes.len() {
        if is_char(bytes[i]) {
            i += 1;
            end = i;
        } else if is_sep(bytes[i]) {
            let mut sep_end = i + 1;
            while sep_end < bytes.len() && is_sep(bytes[sep_end]) {
                sep_end += 1;
            }
            if sep_end < bytes.len() && is_char(bytes[sep_end]) {
                i = sep_end + 1;
                end = i;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    end
}

/// A hashtag at the start of `input` (it needs at least one letter or mark).
fn hashtag(input: &str) -> Option<usize> {
    let prefix = if input.starts_with('#') {
        1
    } else if input.starts_with('\u{ff03}') {
        3
    } else {
        return None;
    };
    let after = &input[prefix..];
    if after.starts_with('\u{fe0f}') || after.starts_with('\u{20e3}') {
        return None;
    }
    let mut end = prefix;
    let mut has_letter = false;
    for c in after.chars() {
        if is_letter_or_mark(c) {
            has_letter = true;
        } else if !is_hashtag_special(c) {
            break;
        }
        end += c.len_utf8();
    }
    has_letter.then_some(end)
}

fn valid_hashtag_predecessor(c: char) -> bool {
    c == '\u{fe0e}' || c == '\u{fe0f}' || (c != '&' && !is_letter_or_mark(c))
}

/// General category L or M. The standard library knows `Alphabetic` (L, Nl and
/// Other_Alphabetic) and unicode-normalization knows the marks; the few Nl and symbol code
/// points that `Alphabetic` adds are taken out again.
fn is_letter_or_mark(c: char) -> bool {
    let cp = c as u32;
    if cp < 128 {
        return c.is_ascii_alphabetic();
    }
    if unicode_normalization::char::is_combining_mark(c) {
        return true;
    }
    c.is_alphabetic()
        && !matches!(cp,
            // Nl: letter numbers
            0x16EE..=0x16F0 | 0x2160..=0x2182 | 0x2185..=0x2188 | 0x3007 | 0x3021..=0x3029 |
            0x3038..=0x303A | 0xA6E6..=0xA6EF | 0x10140..=0x10174 | 0x10341 | 0x1034A |
            0x103D1..=0x103D5 | 0x12400..=0x1246E |
            // So with Other_Alphabetic: circled and squared letters
            0x24B6..=0x24E9 | 0x1F130..=0x1F149 | 0x1F150..=0x1F169 | 0x1F170..=0x1F189)
}

fn is_hashtag_special(c: char) -> bool {
    c == '_'
        || (c.is_numeric() && !c.is_alphabetic() && unicode_digit(c))
        || matches!(
            c,
            '\u{200c}'
                | '\u{200d}'
                | '\u{a67e}'
                | '\u{05be}'
                | '\u{05f3}'
                | '\u{05f4}'
                | '\u{ff5e}'
                | '\u{301c}'
                | '\u{309b}'
                | '\u{309c}'
                | '\u{30a0}'
                | '\u{30fb}'
                | '\u{3003}'
                | '\u{0f0b}'
                | '\u{0f0c}'
                | '\u{00b7}'
        )
}

/// Decimal digits (Nd) come in runs of ten starting at a code point ending in 0 or 6; other
/// numbers (superscripts, fractions, circled numbers) do not have a digit value 0–9 there.
fn unicode_digit(c: char) -> bool {
    if c.is_ascii_digit() {
        return true;
    }
    // Nd blocks not aligned this way are rare; superscripts and the like are No.
    !matches!(c as u32,
        0x00B2 | 0x00B3 | 0x00B9 | 0x00BC..=0x00BE | 0x2070..=0x209F | 0x2150..=0x218F |
        0x2460..=0x24FF | 0x2776..=0x2793 | 0x3192..=0x3195 | 0x3220..=0x3229 | 0x3248..=0x325F |
        0x3280..=0x3289 | 0x32B1..=0x32BF | 0x1F100..=0x1F10C)
}

/// A cashtag (`$AAPL`, `$BRK.A`) at the start of `input`.
fn cashtag(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    if bytes.first() != Some(&b'$') {
        return None;
    }
    let symbol = bytes[1..].iter().take(6).take_while(|b| b.is_ascii_alphabetic()).count();
    if symbol == 0 {
        return None;
    }
    let mut pos = 1 + symbol;
    if matches!(bytes.get(pos), Some(b'.' | b'_')) {
        let suffix = bytes[pos + 1..].iter().take(2).take_while(|b| b.is_ascii_alphabetic()).count();
        if suffix > 0 {
            pos += 1 + suffix;
        }
    }
    if bytes.get(pos).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_hashtags_and_cashtags_are_recognised() {
        assert_eq!(mention("@jack rest"), Some((5, false)));
        assert_eq!(mention("@jack/list-1 x"), Some((12, false)));
        assert_eq!(mention("@a@mastodon.social x"), Some((18, true)));
        assert_eq!(hashtag("#rust2024 x"), Some(9));
        assert_eq!(hashtag("#2024"), None);
        assert_eq!(cashtag("$AAPL."), Some(5));
        assert_eq!(cashtag("$BRK.A"), Some(6));
        assert_eq!(cashtag("$1"), None);
    }

    #[test]
    fn a_hashtag_hides_a_domain() {
        assert!(entities("#abc.com").is_empty());
        assert_eq!(entities("abc.com").len(), 1);
    }
}
