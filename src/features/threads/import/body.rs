//! What came back: whether it is a page we import (by `Content-Type`, then by sniffing), and
//! its text in the right character encoding.

use super::error::ImportError;
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Html,
    Plain,
}

/// The parts of a `Content-Type` header we use.
#[derive(Debug, PartialEq)]
pub struct Declared {
    /// `None` when the server did not say.
    pub kind: Option<Kind>,
    pub charset: Option<&'static Encoding>,
}

/// Refuses PDFs and every other type before the body is read.
pub fn declared(content_type: Option<&str>) -> Result<Declared, ImportError> {
    let Some(value) = content_type.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(Declared { kind: None, charset: None });
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let kind = match essence.as_str() {
        "text/html" => Kind::Html,
        "text/plain" => Kind::Plain,
        "application/pdf" | "application/x-pdf" => return Err(ImportError::Pdf),
        _ => return Err(ImportError::ContentType { content_type: shown(&essence) }),
    };
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .and_then(|(_, label)| Encoding::for_label(label.trim().trim_matches(['"', '\'']).as_bytes()));
    Ok(Declared { kind: Some(kind), charset })
}

/// A type that came from the server, cut and cleaned before it reaches a sentence.
fn shown(essence: &str) -> String {
    let clean: String =
        essence.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '-' | '.')).take(60).collect();
    if clean.is_empty() { "an unknown type".to_string() } else { clean }
}

/// Whatever the header said, a PDF is a PDF.
pub fn is_pdf(body: &[u8]) -> bool {
    content_start(body).starts_with(b"%PDF")
}

/// The kind, from the header or, when there was none, from the first bytes.
pub fn kind(declared: Option<Kind>, body: &[u8]) -> Result<Kind, ImportError> {
    if let Some(kind) = declared {
        return Ok(kind);
    }
    let head = &body[..body.len().min(1024)];
    if head.contains(&0) {
        return Err(ImportError::ContentType { content_type: "binary data".to_string() });
    }
    Ok(if content_start(body).starts_with(b"<") { Kind::Html } else { Kind::Plain })
}

fn content_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    &body[start..]
}

/// Text in the encoding the byte-order mark, the header or (HTML) a `<meta>` names; UTF-8
/// otherwise. Invalid sequences become U+FFFD rather than failing the import.
pub fn decode(body: &[u8], kind: Kind, charset: Option<&'static Encoding>) -> String {
    let encoding = charset.or_else(|| if kind == Kind::Html { meta_charset(body) } else { None }).unwrap_or(UTF_8);
    // `decode` lets a BOM override the label, as browsers do.
    encoding.decode(body).0.into_owned()
}

/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` in the
/// first 1024 bytes, as the HTML standard's prescan looks (simplified).
fn meta_charset(body: &[u8]) -> Option<&'static Encoding> {
    let head = body[..body.len().min(1024)].to_ascii_lowercase();
    let mut rest = head.as_slice();
    while let Some(at) = find(rest, b"<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..find(rest, b">").unwrap_or(rest.len())];
        if let Some(encoding) = charset_in(tag) {
            // The standard: a page that reached us as bytes cannot really be UTF-16 here.
            return Some(if encoding == UTF_16LE || encoding == UTF_16BE { UTF_8 } else { encoding });
        }
    }
    None
}

fn charset_in(tag: &[u8]) -> Option<&'static Encoding> {
    let at = find(tag, b"charset")?;
    let value = tag[at + 7..].trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
    let end = value.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b'/' | b'>') || b.is_ascii_whitespace());
    Encoding::for_label(&value[..end.unwrap_or(value.len())])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{SHIFT_JIS, WINDOWS_1252};

    #[test]
    fn content_types() {
        let d = declared(Some("text/html; charset=ISO-8859-1")).unwrap();
        assert_eq!(d, Declared { kind: Some(Kind::Html), charset: Some(WINDOWS_1252) });
        assert_eq!(declared(Some("Text/Plain")).unwrap().kind, Some(Kind::Plain));
        assert_eq!(declared(Some("text/html;charset=\"shift_jis\"")).unwrap().charset, Some(SHIFT_JIS));
        assert_eq!(declared(None).unwrap().kind, None);
        assert_eq!(declared(Some("application/pdf")).unwrap_err().class(), "pdf");
        let e = declared(Some("application/json; charset=utf-8")).unwrap_err();
        assert_eq!(e.class(), "content_type");
        assert!(e.to_string().contains("application/json"), "{e}");
        let e = declared(Some("<script>x</script>")).unwrap_err();
        assert!(!e.to_string().contains('<'), "{e}");
    }

    #[test]
    fn sniffing() {
        assert!(is_pdf(b"%PDF-1.7\n..."));
        assert!(is_pdf(b"\xEF\xBB\xBF \n%PDF-1.4"));
        assert!(!is_pdf(b"<p>%PDF</p>"));
        assert_eq!(kind(None, b"  <!doctype html><p>x").unwrap(), Kind::Html);
        assert_eq!(kind(None, b"Just words.").unwrap(), Kind::Plain);
        assert_eq!(kind(None, b"\x89PNG\r\n\x1a\n\0\0").unwrap_err().class(), "content_type");
        assert_eq!(kind(Some(Kind::Plain), b"<p>").unwrap(), Kind::Plain);
    }

    #[test]
    fn charsets() {
        assert_eq!(decode(b"caf\xe9", Kind::Plain, Some(WINDOWS_1252)), "café");
        assert_eq!(decode("café".as_bytes(), Kind::Plain, None), "café");
        assert_eq!(decode(b"caf\xe9", Kind::Plain, None), "caf\u{fffd}");
        assert_eq!(decode(b"\xEF\xBB\xBFcaf\xc3\xa9", Kind::Plain, Some(WINDOWS_1252)), "café", "the BOM wins");
        let html = b"<html><head><meta charset=\"iso-8859-1\"></head><p>caf\xe9</p>";
        assert!(decode(html, Kind::Html, None).contains("café"));
        let html = b"<meta http-equiv=Content-Type content='text/html; charset=windows-1252'><p>\x93hi\x94";
        assert!(decode(html, Kind::Html, None).contains("\u{201c}hi\u{201d}"));
        let html = b"<meta charset=utf-16><p>caf\xc3\xa9";
        assert!(decode(html, Kind::Html, None).contains("café"));
    }
}
