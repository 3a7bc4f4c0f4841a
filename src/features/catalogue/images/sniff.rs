//! The file's type from its bytes, and a walk over its structure before any decoder sees it.
//!
//! The walk finds the declared size (so a decompression bomb is refused before a single pixel
//! is allocated), a truncated file (no end marker), and data after the image's end: a file
//! that is a valid image *and* something else (a script, an HTML page, a ZIP) is a polyglot,
//! dangerous wherever the original might be served or sniffed, so it is refused outright even
//! though only re-encoded pixels are ever stored.

use super::process::ImageRefusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Jpeg,
    Png,
    WebP,
}

/// What the structure walk found: the type and the size the header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub(super) fn inspect(data: &[u8]) -> Result<Header, ImageRefusal> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(data)
    } else if data.starts_with(PNG_SIGNATURE) {
        png(data)
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        webp(data)
    } else {
        Err(ImageRefusal::NotAnImage { looks_like: looks_like(data) })
    }
}

/// A name for the common things people upload by mistake (or on purpose), for the message.
fn looks_like(data: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| data.starts_with(magic);
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some("a GIF");
    }
    if starts(b"II*\0") || starts(b"MM\0*") {
        return Some("a TIFF image");
    }
    if starts(b"%PDF-") {
        return Some("a PDF document");
    }
    if starts(b"PK\x03\x04") {
        return Some("a ZIP archive or an Office document");
    }
    if starts(b"BM") && data.len() > 26 {
        return Some("a BMP image");
    }
    if starts(&[0, 0, 1, 0]) {
        return Some("an icon file");
    }
    if data.len() >= 12 && &data[4..8] == b"ftyp" {
        return Some(match &data[8..12] {
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => "a HEIC photo",
            b"avif" | b"avis" => "an AVIF image",
            _ => "a video",
        });
    }
    text_kind(data)
}

/// SVG and HTML are text; only their first kilobyte is looked at, lower-cased.
fn text_kind(data: &[u8]) -> Option<&'static str> {
    let head = &data[..data.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let head: Vec<u8> = head.iter().skip_while(|b| b.is_ascii_whitespace()).map(u8::to_ascii_lowercase).collect();
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if head.first() != Some(&b'<') {
        return None;
    }
    if contains(b"<svg") {
        Some("an SVG drawing")
    } else if contains(b"<html") || contains(b"<!doctype html") || contains(b"<script") || contains(b"<body") {
        Some("an HTML page")
    } else if head.starts_with(b"<?xml") {
        Some("an XML document")
    } else {
        None
    }
}

fn be16(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn le32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn le24(data: &[u8], at: usize) -> Option<u32> {
    let b = data.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

const DAMAGED: ImageRefusal = ImageRefusal::Damaged;

/// PNG: the signature, IHDR first, chunks whose lengths fit, IEND exactly at the end.
fn png(data: &[u8]) -> Result<Header, ImageRefusal> {
    if be32(data, 8) != Some(13) || data.get(12..16) != Some(b"IHDR") {
        return Err(DAMAGED);
    }
    let width = be32(data, 16).ok_or(DAMAGED)?;
    let height = be32(data, 20).ok_or(DAMAGED)?;
    let mut pos = PNG_SIGNATURE.len();
    loop {
        let len = be32(data, pos).ok_or(DAMAGED)? as usize;
        let kind = data.get(pos + 4..pos + 8).ok_or(DAMAGED)?;
        // length, type, data, CRC
        let end = pos.checked_add(12 + len).filter(|&end| end <= data.len()).ok_or(DAMAGED)?;
        if kind == b"IEND" {
            if end != data.len() {
                return Err(ImageRefusal::TrailingData);
            }
            break;
        }
        pos = end;
    }
    if width == 0 || height == 0 {
        return Err(DAMAGED);
    }
    Ok(Header { kind: Kind::Png, width, height })
}

/// JPEG: the primary image's markers up to its EOI. What follows may only be further
/// complete JPEG streams (phones append depth maps and HDR gain maps that way, the
/// "multi-picture" format); anything else after the final EOI is refused.
fn jpeg(data: &[u8]) -> Result<Header, ImageRefusal> {
    let (mut end, size) = jpeg_stream(data, 0)?;
    let (width, height) = size.ok_or(DAMAGED)?;
    while end < data.len() {
        if !data[end..].starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Err(ImageRefusal::TrailingData);
        }
        // A broken appended image is extra data all the same.
        end = jpeg_stream(data, end).map_err(|_| ImageRefusal::TrailingData)?.0;
    }
    if width == 0 || height == 0 {
        return Err(DAMAGED);
    }
    Ok(Header { kind: Kind::Jpeg, width, height })
}

/// Walks one JPEG stream starting at its SOI; returns the offset just past its EOI and the
/// size its first frame header (SOFn) declares.
fn jpeg_stream(data: &[u8], start: usize) -> Result<(usize, Option<(u32, u32)>), ImageRefusal> {
    let mut pos = start + 2;
    let mut size = None;
    loop {
        if data.get(pos) != Some(&0xFF) {
            return Err(DAMAGED);
        }
        // Any number of 0xFF fill bytes may precede a marker.
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *data.get(pos).ok_or(DAMAGED)?;
        pos += 1;
        match marker {
            0xD9 => return Ok((pos, size)),
            0x01 | 0xD0..=0xD7 => continue,
            0x00 | 0xD8 => return Err(DAMAGED),
            _ => {}
        }
        let len = usize::from(be16(data, pos).ok_or(DAMAGED)?);
        if len < 2 || pos + len > data.len() {
            return Err(DAMAGED);
        }
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) && size.is_none() {
            if len < 8 {
                return Err(DAMAGED);
            }
            let height = be16(data, pos + 3).ok_or(DAMAGED)?;
            let width = be16(data, pos + 5).ok_or(DAMAGED)?;
            size = Some((u32::from(width), u32::from(height)));
        }
        pos += len;
        if marker == 0xDA {
            if size.is_none() {
                return Err(DAMAGED);
            }
            pos = scan_end(data, pos)?;
        }
    }
}

/// Skips entropy-coded data: it ends at the first 0xFF that is neither a stuffed 0xFF00 nor
/// a restart marker (0xFFD0..D7).
fn scan_end(data: &[u8], mut pos: usize) -> Result<usize, ImageRefusal> {
    loop {
        let ff = pos + data.get(pos..).ok_or(DAMAGED)?.iter().position(|&b| b == 0xFF).ok_or(DAMAGED)?;
        match data.get(ff + 1) {
            None => return Err(DAMAGED),
            Some(0x00 | 0xD0..=0xD7) => pos = ff + 2,
            Some(_) => return Ok(ff),
        }
    }
}

/// WebP: the RIFF size must be the file's, and its chunks must fit inside it exactly.
fn webp(data: &[u8]) -> Result<Header, ImageRefusal> {
    let riff_end = (le32(data, 4).ok_or(DAMAGED)? as usize).checked_add(8).ok_or(DAMAGED)?;
    if riff_end > data.len() {
        return Err(DAMAGED);
    }
    if riff_end < data.len() {
        return Err(ImageRefusal::TrailingData);
    }
    let mut pos = 12;
    let mut size = None;
    while pos < riff_end {
        let kind = data.get(pos..pos + 4).ok_or(DAMAGED)?;
        let len = le32(data, pos + 4).ok_or(DAMAGED)? as usize;
        let body = pos + 8;
        let end = body.checked_add(len + (len & 1)).filter(|&end| end <= riff_end).ok_or(DAMAGED)?;
        if size.is_none() {
            size = webp_size(kind, &data[body..body + len]);
        }
        pos = end;
    }
    let (width, height) = size.ok_or(DAMAGED)?;
    Ok(Header { kind: Kind::WebP, width, height })
}

/// The size from the first chunk that declares one: VP8X (extended: the canvas), VP8L
/// (lossless) or VP8 (lossy key frame).
fn webp_size(kind: &[u8], body: &[u8]) -> Option<(u32, u32)> {
    match kind {
        b"VP8X" => Some((le24(body, 4)? + 1, le24(body, 7)? + 1)),
        b"VP8L" if body.first() == Some(&0x2F) => {
            let bits = le32(body, 1)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8 " if body.get(3..6) == Some(&[0x9D, 0x01, 0x2A]) => {
            let width = u32::from(u16::from_le_bytes(body.get(6..8)?.try_into().ok()?) & 0x3FFF);
            let height = u32::from(u16::from_le_bytes(body.get(8..10)?.try_into().ok()?) & 0x3FFF);
            (width > 0 && height > 0).then_some((width, height))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_files_are_named() {
        assert_eq!(looks_like(b"\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<svg xmlns=\"\"/>"), Some("an SVG drawing"));
        assert_eq!(looks_like(b"<!DOCTYPE html><title>x</title>"), Some("an HTML page"));
        assert_eq!(looks_like(b"<script>alert(1)</script>"), Some("an HTML page"));
        assert_eq!(looks_like(b"hello"), None);
        assert_eq!(looks_like(b"GIF89a...."), Some("a GIF"));
    }

    #[test]
    fn a_jpeg_cut_inside_a_segment_is_damaged() {
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A]), Err(ImageRefusal::Damaged));
        assert_eq!(inspect(&[0xFF, 0xD8, 0xFF]), Err(ImageRefusal::Damaged));
    }

    #[test]
    fn a_png_signature_alone_is_damaged() {
        assert_eq!(inspect(PNG_SIGNATURE), Err(ImageRefusal::Damaged));
    }

    #[test]
    fn riff_sizes_must_match() {
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L".to_vec();
        webp[4..8].copy_from_slice(&100u32.to_le_bytes());
        assert_eq!(inspect(&webp), Err(ImageRefusal::Damaged));
        webp[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(inspect(&webp), Err(ImageRefusal::TrailingData));
    }
}
