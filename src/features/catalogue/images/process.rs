//! One uploaded file in, three re-encoded variants out, or a refusal the seller can act on.
//!
//! Synchronous and CPU-bound (a 12-megapixel photo takes a fraction of a second): callers run
//! it in `spawn_blocking` ([`super::upload::store_upload`] does, a few at a time).

use fast_image_resize as fr;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat, ImageReader, Limits,
    RgbImage, RgbaImage,
    codecs::{jpeg::JpegEncoder, png::PngEncoder},
    metadata::Orientation,
};
use std::{
    io::{Cursor, Read},
    path::Path,
};

use super::sniff::{self, Kind};

/// The largest file accepted: 8 MiB.
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;
/// The longest side a file may declare.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels a file may declare (a 40-megapixel RGBA image decodes to 160 MB).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Visually lossless for photos at a third of quality 95's size.
const JPEG_QUALITY: u8 = 82;

/// Why a file was refused. `Display` is the message for the seller: plain English, names
/// the limit, never repeats anything from the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is larger than 8 MB. Choose a smaller photo or export it at a lower quality.")]
    TooLarge,
    #[error("{}", not_an_image(*.looks_like))]
    NotAnImage { looks_like: Option<&'static str> },
    #[error(
        "The image has extra data after its end, so it is not accepted. Open it in an image editor and save it \
         again as JPEG or PNG."
    )]
    TrailingData,
    #[error(
        "The image declares {width} × {height} pixels; the limit is {MAX_SIDE} pixels a side and 40 megapixels \
         in all."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("The image is damaged or incomplete.")]
    Damaged,
    /// The name promises one image type and the bytes are another (a JPEG renamed `.png`):
    /// the content decides what a file is, and a file whose name lies is sent back.
    #[error("This file is a {content} image but its name ends in .{extension}. Rename it, or save it again as {extension_upper}.", extension_upper = extension.to_ascii_uppercase())]
    NameMismatch { content: &'static str, extension: String },
    #[error("This image uses a feature that cannot be read here. Save it again as a standard JPEG or PNG.")]
    Unsupported,
    /// The server's fault (reading the temporary file, an encoder error): logged where it
    /// happened.
    #[error("The image could not be processed just now. Please try again in a moment.")]
    Failed,
}

fn not_an_image(looks_like: Option<&str>) -> String {
    match looks_like {
        Some(kind) => format!("The file is {kind}, not a JPEG, PNG or WebP image."),
        None => "The file is not a JPEG, PNG or WebP image.".to_string(),
    }
}

impl ImageRefusal {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLarge => 413,
            Self::NotAnImage { .. } | Self::NameMismatch { .. } => 415,
            Self::Failed => 503,
            _ => 422,
        }
    }
}

/// How the variants are encoded (the `product_images.format` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Opaque images.
    Jpeg,
    /// Images with real transparency.
    Png,
}

impl Format {
    /// As stored in `product_images.format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
        }
    }

    /// From `product_images.format`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "jpeg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariantKind {
    Thumb,
    Card,
    Full,
}

impl VariantKind {
    pub const ALL: [Self; 3] = [Self::Thumb, Self::Card, Self::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thumb => "thumb",
            Self::Card => "card",
            Self::Full => "full",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// The box the variant fits in, on its longest side.
    pub fn max_side(self) -> u32 {
        match self {
            Self::Thumb => 200,
            Self::Card => 600,
            Self::Full => 1600,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub kind: VariantKind,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub format: Format,
    /// Thumb, card, full, in that order.
    pub variants: [Variant; 3],
}

impl Processed {
    pub fn variant(&self, kind: VariantKind) -> &Variant {
        match kind {
            VariantKind::Thumb => &self.variants[0],
            VariantKind::Card => &self.variants[1],
            VariantKind::Full => &self.variants[2],
        }
    }

    /// All three variants' bytes (the `product_images.bytes` column).
    pub fn total_bytes(&self) -> u64 {
        self.variants.iter().map(|v| v.bytes.len() as u64).sum()
    }
}

/// Checks and re-encodes the file at `path`. Its name is never looked at.
pub fn process(path: &Path) -> Result<Processed, ImageRefusal> {
    let data = read_limited(path)?;
    let header = sniff::inspect(&data)?;
    check_pixels(header.width, header.height)?;
    let image = decode(&data, header.kind, (header.width, header.height))?;
    drop(data);
    let format = if is_opaque(&image) { Format::Jpeg } else { Format::Png };
    let full_size = (image.width(), image.height());
    let pixels = match format {
        Format::Jpeg => Pixels::Rgb(image.into_rgb8()),
        Format::Png => Pixels::Rgba(image.into_rgba8()),
    };
    // Each variant is scaled from the next larger one: the same quality from a fraction of
    // the work (the full variant is already at most 1600 px).
    let full = pixels.fit(fit(full_size, VariantKind::Full.max_side()))?;
    drop(pixels);
    let card = full.fit(fit(full_size, VariantKind::Card.max_side()))?;
    let thumb = card.fit(fit(full_size, VariantKind::Thumb.max_side()))?;
    Ok(Processed {
        format,
        variants: [thumb.encode(VariantKind::Thumb)?, card.encode(VariantKind::Card)?, full.encode(VariantKind::Full)?],
    })
}

/// The file, read whole only after its length was checked (8 MB at most).
fn read_limited(path: &Path) -> Result<Vec<u8>, ImageRefusal> {
    let failed = |e: std::io::Error| {
        tracing::error!(error = %e, "reading an uploaded image's temporary file failed");
        ImageRefusal::Failed
    };
    let file = std::fs::File::open(path).map_err(failed)?;
    let len = file.metadata().map_err(failed)?.len();
    if len > MAX_BYTES {
        return Err(ImageRefusal::TooLarge);
    }
    let mut data = Vec::with_capacity(len as usize);
    // The length is checked again while reading: the file may have grown since.
    file.take(MAX_BYTES + 1).read_to_end(&mut data).map_err(failed)?;
    match data.len() as u64 {
        0 => Err(ImageRefusal::Empty),
        n if n > MAX_BYTES => Err(ImageRefusal::TooLarge),
        _ => Ok(data),
    }
}

fn check_pixels(width: u32, height: u32) -> Result<(), ImageRefusal> {
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageRefusal::TooManyPixels { width, height });
    }
    Ok(())
}

/// Decodes with the format fixed by the sniffer and the decoder's own limits set as well,
/// in case it ever disagrees with our reading of the header. Turns the image upright.
fn decode(data: &[u8], kind: Kind, declared: (u32, u32)) -> Result<DynamicImage, ImageRefusal> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::WebP => ImageFormat::WebP,
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // RGBA at 16 bits a channel, the widest a PNG decodes to.
    limits.max_alloc = Some(MAX_PIXELS * 8);
    let mut reader = ImageReader::with_format(Cursor::new(data), format);
    reader.limits(limits);
    let refused = |e: ImageError| refusal(e, declared);
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height)?;
    // A broken orientation tag is not worth refusing a photo over.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn refusal(error: ImageError, (width, height): (u32, u32)) -> ImageRefusal {
    match error {
        ImageError::Limits(_) => ImageRefusal::TooManyPixels { width, height },
        ImageError::Unsupported(_) => ImageRefusal::Unsupported,
        ImageError::Decoding(_) | ImageError::Parameter(_) | ImageError::IoError(_) => ImageRefusal::Damaged,
        ImageError::Encoding(e) => {
            tracing::error!(error = %e, "an image decoder reported an encoding error");
            ImageRefusal::Failed
        }
    }
}

/// Opaque unless some pixel is at least a little transparent: a PNG saved with an alpha
/// channel it never uses still becomes a (much smaller) JPEG.
fn is_opaque(image: &DynamicImage) -> bool {
    match image {
        _ if !image.color().has_alpha() => true,
        DynamicImage::ImageRgba8(rgba) => rgba.pixels().all(|p| p.0[3] == u8::MAX),
        DynamicImage::ImageLumaA8(la) => la.pixels().all(|p| p.0[1] == u8::MAX),
        DynamicImage::ImageRgba16(rgba) => rgba.pixels().all(|p| p.0[3] == u16::MAX),
        DynamicImage::ImageLumaA16(la) => la.pixels().all(|p| p.0[1] == u16::MAX),
        other => other.to_rgba8().pixels().all(|p| p.0[3] == u8::MAX),
    }
}

/// The size that fits `(width, height)` in a `max`-pixel box, never larger than it was.
fn fit((width, height): (u32, u32), max: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max {
        return (width, height);
    }
    let scale = |side: u32| ((u64::from(side) * u64::from(max) + u64::from(long) / 2) / u64::from(long)).max(1) as u32;
    (scale(width), scale(height))
}

enum Pixels {
    Rgb(RgbImage),
    Rgba(RgbaImage),
}

impl Pixels {
    fn size(&self) -> (u32, u32) {
        match self {
            Self::Rgb(image) => image.dimensions(),
            Self::Rgba(image) => image.dimensions(),
        }
    }

    /// Scaled to `size` (a copy when it already is that size) with fast_image_resize's
    /// Lanczos3: 20–30 ms from 12 megapixels to 1600 px in a release build, where `image`'s
    /// own Lanczos3 takes 300 ms; and it premultiplies alpha, so transparent edges keep no
    /// dark fringe.
    fn fit(&self, (width, height): (u32, u32)) -> Result<Self, ImageRefusal> {
        let (pixel_type, raw) = match self {
            Self::Rgb(image) => (fr::PixelType::U8x3, image.as_raw()),
            Self::Rgba(image) => (fr::PixelType::U8x4, image.as_raw()),
        };
        let (from_width, from_height) = self.size();
        let failed = |e: &dyn std::fmt::Display| {
            tracing::error!(error = %e, "scaling an image failed");
            ImageRefusal::Failed
        };
        let scaled = if (from_width, from_height) == (width, height) {
            raw.clone()
        } else {
            let source = fr::images::ImageRef::new(from_width, from_height, raw, pixel_type).map_err(|e| failed(&e))?;
            let mut scaled = fr::images::Image::new(width, height, pixel_type);
            let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
            fr::Resizer::new().resize(&source, &mut scaled, &options).map_err(|e| failed(&e))?;
            scaled.into_vec()
        };
        let wrong_size = || failed(&"the scaled buffer has the wrong size");
        Ok(match self {
            Self::Rgb(_) => Self::Rgb(RgbImage::from_raw(width, height, scaled).ok_or_else(wrong_size)?),
            Self::Rgba(_) => Self::Rgba(RgbaImage::from_raw(width, height, scaled).ok_or_else(wrong_size)?),
        })
    }

    fn encode(&self, kind: VariantKind) -> Result<Variant, ImageRefusal> {
        let (width, height) = self.size();
        let mut bytes = Vec::new();
        let written = match self {
            Self::Rgb(image) => JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY).write_image(
                image.as_raw(),
                width,
                height,
                ExtendedColorType::Rgb8,
            ),
            Self::Rgba(image) => {
                PngEncoder::new(&mut bytes).write_image(image.as_raw(), width, height, ExtendedColorType::Rgba8)
            }
        };
        written.map_err(|e| {
            tracing::error!(error = %e, variant = kind.as_str(), "encoding an image variant failed");
            ImageRefusal::Failed
        })?;
        Ok(Variant { kind, width, height, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fitting_keeps_the_aspect_ratio_and_never_upscales() {
        assert_eq!(fit((4000, 3000), 1600), (1600, 1200));
        assert_eq!(fit((3000, 4000), 600), (450, 600));
        assert_eq!(fit((400, 300), 600), (400, 300));
        assert_eq!(fit((10_000, 3), 200), (200, 1));
        assert_eq!(fit((1601, 1601), 1600), (1600, 1600));
    }
}
