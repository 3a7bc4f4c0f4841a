//! Image files made in code for the catalogue image tests: photo-like pictures encoded by
//! the `image` crate, a JPEG carrying a hand-built Exif segment with GPS tags, and the files
//! that must be refused (bombs, polyglots, text posing as images).

#![allow(dead_code)]

use image::{
    ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage,
    codecs::{jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder},
};

/// A photo-like picture: smooth gradients, a few soft shapes and sensor-like noise, so the
/// JPEG sizes and timings resemble a real photo's rather than a flat test card's.
pub fn photo(width: u32, height: u32) -> RgbImage {
    let mut seed: u32 = 0x9E37_79B9;
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 13) as f32 - 6.0;
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = ((fx * 23.0).sin() * (fy * 17.0).cos()) * 40.0;
        let channel = |base: f32| (base + wave + noise).clamp(0.0, 255.0) as u8;
        Rgb([channel(40.0 + 180.0 * fx), channel(60.0 + 150.0 * fy), channel(200.0 - 120.0 * fx * fy)])
    })
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90).encode_image(&photo(width, height)).unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let image = photo(width, height);
    PngEncoder::new(&mut out).write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8).unwrap();
    out
}

/// An RGBA PNG: fully opaque, or with a transparent left half.
pub fn png_rgba(width: u32, height: u32, transparent: bool) -> Vec<u8> {
    let photo = photo(width, height);
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let [r, g, b] = photo.get_pixel(x, y).0;
        Rgba([r, g, b, if transparent && x < width / 2 { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    PngEncoder::new(&mut out).write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgba8).unwrap();
    out
}

/// A lossless WebP (the only kind the `image` crate writes).
pub fn webp(width: u32, height: u32) -> Vec<u8> {
    let image = photo(width, height);
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(image.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// The camera make in [`exif`], searched for in the output.
pub const EXIF_MAKE: &[u8] = b"LeakyCam";

/// GPS latitude 48° 51' 29.59" as three big-endian rationals, searched for in the output.
pub fn gps_latitude() -> Vec<u8> {
    [(48u32, 1u32), (51, 1), (2959, 100)]
        .iter()
        .flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat())
        .collect()
}

/// An APP1 Exif payload (big-endian TIFF): IFD0 with Make, Orientation and a GPS IFD
/// pointer; the GPS IFD with latitude and longitude.
pub fn exif(orientation: u16) -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend(tag.to_be_bytes());
        out.extend(kind.to_be_bytes());
        out.extend(count.to_be_bytes());
        out.extend(value);
    }
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    // Offsets from the TIFF header: IFD0 at 8 (2 + 3×12 + 4 = 42 bytes), the make at 50,
    // the GPS IFD at 60 (2 + 4×12 + 4 = 54 bytes), the rationals at 114 and 138.
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend(3u16.to_be_bytes());
    entry(&mut tiff, 0x010F, ASCII, 9, 50u32.to_be_bytes());
    let [o1, o2] = orientation.to_be_bytes();
    entry(&mut tiff, 0x0112, SHORT, 1, [o1, o2, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, 60u32.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    tiff.extend(EXIF_MAKE);
    tiff.extend(b"\0\0");
    assert_eq!(tiff.len(), 60);
    tiff.extend(4u16.to_be_bytes());
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, 114u32.to_be_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, RATIONAL, 3, 138u32.to_be_bytes());
    tiff.extend(0u32.to_be_bytes());
    assert_eq!(tiff.len(), 114);
    tiff.extend(gps_latitude());
    tiff.extend(
        [(2u32, 1u32), (17, 1), (4010, 100)].iter().flat_map(|(n, d)| [n.to_be_bytes(), d.to_be_bytes()].concat()),
    );
    [b"Exif\0\0".as_slice(), &tiff].concat()
}

/// `jpeg` with an APP1 Exif segment inserted after its JFIF APP0, as cameras write it.
pub fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    assert_eq!(&jpeg[..4], &[0xFF, 0xD8, 0xFF, 0xE0], "the encoder starts with JFIF");
    let app0_end = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    let payload = exif(orientation);
    let mut out = jpeg[..app0_end].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend(payload);
    out.extend(&jpeg[app0_end..]);
    out
}

/// Bytes from the XMP, ICC and comment segments of [`with_more_metadata`].
pub const XMP_SECRET: &[u8] = b"xmp-home-address";
pub const ICC_SECRET: &[u8] = b"icc-profile-body";
pub const COMMENT_SECRET: &[u8] = b"comment-serial-number";

/// `jpeg` (which may carry Exif already) with an XMP packet (APP1), a one-part ICC profile
/// (APP2, not a valid profile: it must not matter) and a comment (COM) after its first segment.
pub fn with_more_metadata(jpeg: &[u8]) -> Vec<u8> {
    let segment = |marker: u8, payload: &[u8]| {
        let mut out = vec![0xFF, marker];
        out.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend(payload);
        out
    };
    let xmp = [
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description>".as_slice(),
        XMP_SECRET,
        b"</rdf:Description></x:xmpmeta>",
    ]
    .concat();
    let icc = [b"ICC_PROFILE\0\x01\x01".as_slice(), ICC_SECRET, &[0u8; 112]].concat();
    let app0_end = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    [&jpeg[..app0_end], &segment(0xE1, &xmp), &segment(0xE2, &icc), &segment(0xFE, COMMENT_SECRET), &jpeg[app0_end..]]
        .concat()
}

/// `jpeg` with its frame header (SOF0) patched to declare `width` × `height`.
pub fn jpeg_declaring(jpeg: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = jpeg.to_vec();
    let sof = out.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline JPEG has SOF0");
    out[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    out
}

/// A structurally valid PNG whose IHDR declares `width` × `height` (8-bit RGB) with one tiny
/// IDAT: a decompression bomb's header, as cheap to make as it is expensive to decode.
pub fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    // A zlib stream of a single empty stored block: the bomb's body does not matter.
    let idat = [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01];
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr.as_slice()), (b"IDAT", &idat), (b"IEND", &[])] {
        out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend(kind);
        out.extend(data);
        out.extend(crc32(&[kind.as_slice(), data].concat()).to_be_bytes());
    }
    out
}

/// PNG's CRC-32 (bitwise; the fixtures are tiny).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub const SVG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert(1)">
  <rect width="100" height="100" fill="red"/>
</svg>
"#;

pub const HTML: &str = "<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n";

pub const SCRIPT: &[u8] = b"<script>alert(1)</script>";

/// The markers of a JPEG's header segments, up to its first scan.
pub fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    markers
}

/// The chunk types of a PNG, in order.
pub fn png_chunks(png: &[u8]) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut pos = 8;
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        chunks.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    chunks
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
