//! Decoding image files into 8-bit pixels, once per image.
//!
//! JPEG goes through the system's libjpeg-turbo ([`crate::jpeg`]), which
//! decodes bit for bit as PIL does (PIL links libjpeg-turbo with the same
//! default settings: accurate integer IDCT, fancy upsampling).
//! Other formats go through the `image` crate; TIFF files it does not read
//! (palette images, greyscale with alpha, 32-bit integer and float
//! samples) through the `tiff` crate as Pillow reads them. The format is
//! found from the file's first bytes, not its extension, so a `.txt`
//! renamed `.jpg` is reported as not an image.
//!
//! [`decode_with_pil`] also gives the image as Pillow holds it where that
//! differs from the decoded pixels ([`PilImage`]): palette indices, mode 1,
//! 16-bit values, CMYK as stored.

use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::pil_image::PilImage;
use crate::pil_open;

/// Largest number of pixels decoded (about 20,000 x 20,000); larger headers
/// are reported as unreadable instead of exhausting memory.
pub const MAX_PIXELS: u64 = 400_000_000;

/// File formats recognised from their leading bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// JPEG (JFIF, Exif).
    Jpeg,
    /// PNG.
    Png,
    /// GIF (first frame).
    Gif,
    /// Windows bitmap.
    Bmp,
    /// WebP.
    Webp,
    /// TIFF.
    Tiff,
}

impl FileFormat {
    /// Lowercase name, as written in tables.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Jpeg => "jpeg",
            FileFormat::Png => "png",
            FileFormat::Gif => "gif",
            FileFormat::Bmp => "bmp",
            FileFormat::Webp => "webp",
            FileFormat::Tiff => "tiff",
        }
    }

    /// The format of a file from its first bytes, or `None` when it is not
    /// one of the supported image formats.
    pub fn sniff(bytes: &[u8]) -> Option<FileFormat> {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        if starts(&[0xFF, 0xD8, 0xFF]) {
            Some(FileFormat::Jpeg)
        } else if starts(b"\x89PNG\r\n\x1a\n") {
            Some(FileFormat::Png)
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Some(FileFormat::Gif)
        } else if starts(b"BM") {
            Some(FileFormat::Bmp)
        } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(FileFormat::Webp)
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Some(FileFormat::Tiff)
        } else {
            None
        }
    }

    fn image_crate_format(self) -> image::ImageFormat {
        match self {
            FileFormat::Jpeg => image::ImageFormat::Jpeg,
            FileFormat::Png => image::ImageFormat::Png,
            FileFormat::Gif => image::ImageFormat::Gif,
            FileFormat::Bmp => image::ImageFormat::Bmp,
            FileFormat::Webp => image::ImageFormat::WebP,
            FileFormat::Tiff => image::ImageFormat::Tiff,
        }
    }
}

/// Channel layout of decoded pixels, named as PIL names its modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColorMode {
    /// One greyscale channel.
    #[serde(rename = "L")]
    L,
    /// Greyscale and alpha.
    #[serde(rename = "LA")]
    La,
    /// Red, green, blue.
    #[serde(rename = "RGB")]
    Rgb,
    /// Red, green, blue, alpha.
    #[serde(rename = "RGBA")]
    Rgba,
}

impl ColorMode {
    /// Interleaved channels per pixel.
    pub fn channels(self) -> usize {
        match self {
            ColorMode::L => 1,
            ColorMode::La => 2,
            ColorMode::Rgb => 3,
            ColorMode::Rgba => 4,
        }
    }

    /// PIL's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            ColorMode::L => "L",
            ColorMode::La => "LA",
            ColorMode::Rgb => "RGB",
            ColorMode::Rgba => "RGBA",
        }
    }
}

/// A decoded image: tightly packed rows of interleaved 8-bit channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Pixels {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Channel layout.
    pub mode: ColorMode,
    /// `width * height * mode.channels()` bytes.
    pub data: Vec<u8>,
}

impl Pixels {
    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// Whether the image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a file could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Decodes a whole file held in memory; returns its format and pixels.
pub fn decode(bytes: &[u8]) -> Result<(FileFormat, Pixels), DecodeError> {
    let (format, pixels, _) = decode_inner(bytes)?;
    Ok((format, pixels))
}

/// A file decoded at reduced size where that is cheap (JPEG, by libjpeg's
/// scaled IDCT), for measures that do not need every pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Reduced {
    /// The file's format.
    pub format: FileFormat,
    /// The pixels, at 1 / `scale` of the full size (rounded up).
    pub pixels: Pixels,
    /// The image's full width and height.
    pub full_size: (usize, usize),
    /// 1, 2, 4 or 8.
    pub scale: usize,
}

/// Decodes a file at the smallest of 1/8, 1/4 and 1/2 of its size whose
/// shorter side keeps `min_side` pixels (JPEG in greyscale or colour);
/// other files, and small JPEGs, at full size.
pub fn decode_reduced(bytes: &[u8], min_side: usize) -> Result<Reduced, DecodeError> {
    if FileFormat::sniff(bytes) == Some(FileFormat::Jpeg) {
        if let Some(reduced) = decode_jpeg_reduced(bytes, min_side)? {
            return Ok(reduced);
        }
    }
    let (format, pixels) = decode(bytes)?;
    Ok(Reduced {
        format,
        full_size: (pixels.width, pixels.height),
        pixels,
        scale: 1,
    })
}

fn decode_jpeg_reduced(bytes: &[u8], min_side: usize) -> Result<Option<Reduced>, DecodeError> {
    use crate::jpeg;
    let unreadable = |e: jpeg::JpegError| DecodeError(format!("not a readable JPEG ({e})"));
    let header = jpeg::header(bytes).map_err(unreadable)?;
    let mode = match header.space {
        jpeg::ColorSpace::Gray => ColorMode::L,
        jpeg::ColorSpace::Color => ColorMode::Rgb,
        jpeg::ColorSpace::Other => return Ok(None),
    };
    check_size(header.width as u64, header.height as u64)?;
    let shorter = header.width.min(header.height);
    let Some(scale) = [8, 4, 2]
        .into_iter()
        .find(|d| shorter.div_ceil(*d) >= min_side)
    else {
        return Ok(None);
    };
    let (width, height, data) =
        jpeg::decode_scaled(bytes, &header, mode.channels(), scale).map_err(unreadable)?;
    let pixels = Pixels {
        width,
        height,
        mode,
        data,
    };
    if pixels.is_empty() {
        return Err(DecodeError("the image has no pixels".into()));
    }
    Ok(Some(Reduced {
        format: FileFormat::Jpeg,
        pixels,
        full_size: (header.width, header.height),
        scale: header.width.div_ceil(width).max(1),
    }))
}

/// A file decoded, with Pillow's form of it where that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The file's format.
    pub format: FileFormat,
    /// The pixels, as [`decode`] gives them.
    pub pixels: Pixels,
    /// The image as Pillow 13 opens it, when that is not `pixels` (another
    /// mode, or other samples: palette indices, mode 1, 16-bit values, CMYK,
    /// the high bytes of 16-bit colour, a PNG's colour key not turned into
    /// alpha). `None` when Pillow holds exactly `pixels`, or when this
    /// file's Pillow form is not reproduced (`pil_note` says why).
    pub pil: Option<PilImage>,
    /// Why Pillow's form of this file is not given, where it may differ
    /// from `pixels` but is not reproduced (for example RLE-compressed BMP,
    /// WhiteIsZero or planar TIFF).
    pub pil_note: Option<String>,
}

/// Decodes a whole file held in memory, as [`decode`], and reads it as
/// Pillow does where that gives another image ([`Decoded::pil`]).
pub fn decode_with_pil(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let (format, pixels, known) = decode_inner(bytes)?;
    let pil = match known {
        Some(image) => Ok(Some(image)),
        None => match format {
            FileFormat::Jpeg => pil_open::jpeg(bytes),
            FileFormat::Png => pil_open::png(bytes),
            FileFormat::Gif => pil_open::gif(bytes),
            FileFormat::Bmp => pil_open::bmp(bytes),
            FileFormat::Tiff => pil_open::tiff(bytes),
            FileFormat::Webp => Ok(None),
        },
    };
    let (pil, pil_note) = match pil {
        Ok(Some(image)) if image.same_as(&pixels) => (None, None),
        Ok(Some(image)) if (image.width, image.height) != (pixels.width, pixels.height) => (
            None,
            Some(format!(
                "Pillow's image is {}x{}, the decoded one {}x{}",
                image.width, image.height, pixels.width, pixels.height
            )),
        ),
        Ok(image) => (image, None),
        Err(note) => (None, Some(note)),
    };
    Ok(Decoded {
        format,
        pixels,
        pil,
        pil_note,
    })
}

/// Decodes a file; for TIFF files read through the `tiff` crate also
/// returns Pillow's form, read on the way.
fn decode_inner(bytes: &[u8]) -> Result<(FileFormat, Pixels, Option<PilImage>), DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError("the file is empty".into()));
    }
    let format = FileFormat::sniff(bytes)
        .ok_or_else(|| DecodeError("not an image in a supported format".into()))?;
    let (pixels, pil) = match format {
        FileFormat::Jpeg => (decode_jpeg(bytes)?, None),
        FileFormat::Tiff => match decode_with_image_crate(bytes, format) {
            Ok(pixels) => (pixels, None),
            // Palette, LA, PA, 32-bit integer and float TIFFs.
            Err(e) => match pil_open::tiff_pixels(bytes) {
                Ok((pixels, pil)) => (pixels, Some(pil)),
                Err(_) => return Err(e),
            },
        },
        other => (decode_with_image_crate(bytes, other)?, None),
    };
    if pixels.is_empty() {
        return Err(DecodeError("the image has no pixels".into()));
    }
    Ok((format, pixels, pil))
}

fn decode_jpeg(bytes: &[u8]) -> Result<Pixels, DecodeError> {
    use crate::jpeg;
    let unreadable = |e: jpeg::JpegError| DecodeError(format!("not a readable JPEG ({e})"));
    let header = jpeg::header(bytes).map_err(unreadable)?;
    let mode = match header.space {
        jpeg::ColorSpace::Gray => ColorMode::L,
        jpeg::ColorSpace::Color => ColorMode::Rgb,
        // CMYK and YCCK: libjpeg does not convert them to RGB.
        jpeg::ColorSpace::Other => return decode_with_image_crate(bytes, FileFormat::Jpeg),
    };
    check_size(header.width as u64, header.height as u64)?;
    let data = jpeg::decode(bytes, &header, mode.channels()).map_err(unreadable)?;
    Ok(Pixels {
        width: header.width,
        height: header.height,
        mode,
        data,
    })
}

fn check_size(width: u64, height: u64) -> Result<(), DecodeError> {
    if width == 0 || height == 0 {
        return Err(DecodeError(format!("invalid size {width}x{height}")));
    }
    if width * height > MAX_PIXELS {
        return Err(DecodeError(format!(
            "image too large to decode ({width}x{height} pixels)"
        )));
    }
    Ok(())
}

fn decode_with_image_crate(bytes: &[u8], format: FileFormat) -> Result<Pixels, DecodeError> {
    let mut reader =
        image::ImageReader::with_format(Cursor::new(bytes), format.image_crate_format());
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| DecodeError(format!("not a readable {} ({e})", format.name())))?;
    check_size(decoded.width() as u64, decoded.height() as u64)?;
    Ok(into_pixels(decoded))
}

/// Converts any decoded colour type to 8-bit L, LA, RGB or RGBA.
fn into_pixels(image: image::DynamicImage) -> Pixels {
    use image::DynamicImage as D;
    let (width, height) = (image.width() as usize, image.height() as usize);
    let (mode, data) = match image {
        D::ImageLuma8(b) => (ColorMode::L, b.into_raw()),
        D::ImageLumaA8(b) => (ColorMode::La, b.into_raw()),
        D::ImageRgb8(b) => (ColorMode::Rgb, b.into_raw()),
        D::ImageRgba8(b) => (ColorMode::Rgba, b.into_raw()),
        other if !other.color().has_color() && !other.color().has_alpha() => {
            (ColorMode::L, other.to_luma8().into_raw())
        }
        other if !other.color().has_color() => (ColorMode::La, other.to_luma_alpha8().into_raw()),
        other if other.color().has_alpha() => (ColorMode::Rgba, other.to_rgba8().into_raw()),
        other => (ColorMode::Rgb, other.to_rgb8().into_raw()),
    };
    Pixels {
        width,
        height,
        mode,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_formats_from_bytes() {
        assert_eq!(
            FileFormat::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileFormat::Jpeg)
        );
        assert_eq!(
            FileFormat::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(FileFormat::Png)
        );
        assert_eq!(
            FileFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(FileFormat::Webp)
        );
        assert_eq!(FileFormat::sniff(b"hello, world"), None);
        assert_eq!(FileFormat::sniff(b""), None);
    }

    #[test]
    fn a_corrupt_jpeg_does_not_fail_the_next_one() {
        let good = crate::jpeg::encode_rgb(&[120; 16 * 16 * 3], 16, 16, 90).unwrap();
        assert!(decode(b"\xff\xd8\xff not a jpeg").is_err());
        assert!(decode(&good).is_ok());
    }

    #[test]
    fn empty_and_text_files_are_errors() {
        assert_eq!(decode(b"").unwrap_err().0, "the file is empty");
        assert!(decode(b"just some text\n").is_err());
    }
}
