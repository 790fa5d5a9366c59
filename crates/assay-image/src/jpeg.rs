//! JPEG files: header, decoding to greyscale or RGB, encoding from RGB.

/// Which decoder this build uses, e.g. `system libjpeg 2.1.5 (pkg-config)`
/// or `image crate (no system libjpeg at build time)`.
pub const BACKEND: &str = env!("ASSAY_JPEG_BACKEND");

/// Whether JPEG decoding equals Pillow's bit for bit (the system libjpeg
/// is linked).
pub const PILLOW_EXACT: bool = cfg!(assay_system_libjpeg);

/// Why a JPEG could not be read or written: the decoder's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JpegError(pub String);

/// The colour space a JPEG file declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorSpace {
    /// One channel.
    Gray,
    /// YCbCr or RGB, decoded to RGB.
    Color,
    /// CMYK, YCCK or another space, not decoded by [`decode`].
    Other,
}

/// What a JPEG header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Declared colour space.
    pub space: ColorSpace,
}

/// Reads the header of a JPEG file held in memory.
pub fn header(bytes: &[u8]) -> Result<Header, JpegError> {
    imp::header(bytes)
}

/// Decodes a JPEG to packed rows of `channels` (1: greyscale, 3: RGB)
/// bytes per pixel; `header` is the file's [`header`].
pub fn decode(bytes: &[u8], header: &Header, channels: usize) -> Result<Vec<u8>, JpegError> {
    if channels != 1 && channels != 3 {
        return Err(JpegError(format!("cannot decode to {channels} channels")));
    }
    imp::decode(bytes, header, channels)
}

/// Decodes a JPEG at 1 / `denom` of its size (1, 2, 4 or 8), by libjpeg's
/// reduced-size IDCT, which skips most of the work of the full decode:
/// `(width, height, pixels)`, the size rounded up. Without the system
/// libjpeg the image is decoded at full size (and said so by the size).
pub fn decode_scaled(
    bytes: &[u8],
    header: &Header,
    channels: usize,
    denom: usize,
) -> Result<(usize, usize, Vec<u8>), JpegError> {
    if channels != 1 && channels != 3 {
        return Err(JpegError(format!("cannot decode to {channels} channels")));
    }
    if ![1, 2, 4, 8].contains(&denom) {
        return Err(JpegError(format!("cannot decode at 1/{denom} of the size")));
    }
    if !PILLOW_EXACT {
        return Ok((
            header.width,
            header.height,
            imp::decode(bytes, header, channels)?,
        ));
    }
    let (w, h) = (header.width.div_ceil(denom), header.height.div_ceil(denom));
    Ok((w, h, imp::decode_scaled(bytes, header, channels, denom)?))
}

/// Decodes a CMYK or YCCK JPEG to its four CMYK channels as Pillow reads
/// them: libjpeg's CMYK output (YCCK converted to CMYK), inverted, as
/// Pillow assumes Adobe's convention for every four-channel JPEG. Only
/// with the system libjpeg ([`PILLOW_EXACT`]); the `image` crate's decoder
/// gives no CMYK.
pub fn decode_cmyk(bytes: &[u8], header: &Header) -> Result<Vec<u8>, JpegError> {
    if !PILLOW_EXACT {
        return Err(JpegError("CMYK needs the system libjpeg".into()));
    }
    let mut cmyk = imp::decode(bytes, header, 4)?;
    for v in &mut cmyk {
        *v = 255 - *v;
    }
    Ok(cmyk)
}

/// Encodes packed RGB rows of `width` x `height` as a JPEG of `quality`
/// (1-100), chroma subsampled 4:2:0.
pub fn encode_rgb(
    rgb: &[u8],
    width: usize,
    height: usize,
    quality: u8,
) -> Result<Vec<u8>, JpegError> {
    if rgb.len() != width * height * 3 || width == 0 || height == 0 {
        return Err(JpegError(format!(
            "expected {width} x {height} RGB pixels, found {} bytes",
            rgb.len()
        )));
    }
    if width > 65_500 || height > 65_500 {
        return Err(JpegError(format!("a JPEG cannot be {width} x {height}")));
    }
    imp::encode_rgb(rgb, width, height, quality.clamp(1, 100))
}

#[cfg(assay_system_libjpeg)]
mod imp {
    //! Through the C shim (`shim.c`) over the system's libjpeg.

    use std::ffi::{c_char, c_int, c_uchar, c_uint, c_ulong, CStr};

    use super::{ColorSpace, Header, JpegError};

    const MESSAGE: usize = 200;

    extern "C" {
        fn assay_jpeg_header(
            data: *const c_uchar,
            len: c_ulong,
            width: *mut c_uint,
            height: *mut c_uint,
            space: *mut c_int,
            message: *mut c_char,
            message_len: usize,
        ) -> c_int;
        fn assay_jpeg_decode(
            data: *const c_uchar,
            len: c_ulong,
            channels: c_int,
            denom: c_int,
            out: *mut c_uchar,
            out_len: usize,
            message: *mut c_char,
            message_len: usize,
        ) -> c_int;
        fn assay_jpeg_encode_rgb(
            rgb: *const c_uchar,
            width: c_uint,
            height: c_uint,
            quality: c_int,
            out: *mut *mut c_uchar,
            out_len: *mut c_ulong,
            message: *mut c_char,
            message_len: usize,
        ) -> c_int;
        fn assay_jpeg_free(buffer: *mut c_uchar);
    }

    fn error(message: &[c_char; MESSAGE]) -> JpegError {
        // SAFETY: the shim always leaves a NUL-terminated string (the
        // buffer starts zeroed and copies are cut to MESSAGE - 1).
        let text = unsafe { CStr::from_ptr(message.as_ptr()) };
        JpegError(text.to_string_lossy().into_owned())
    }

    fn length(bytes: &[u8]) -> Result<c_ulong, JpegError> {
        c_ulong::try_from(bytes.len()).map_err(|_| JpegError("the file is too large".into()))
    }

    pub fn header(bytes: &[u8]) -> Result<Header, JpegError> {
        let (mut width, mut height, mut space) = (0, 0, 0);
        let mut message = [0 as c_char; MESSAGE];
        // SAFETY: every pointer is valid for the call: `bytes` for its
        // length, the outputs are locals, `message` has MESSAGE bytes.
        let rc = unsafe {
            assay_jpeg_header(
                bytes.as_ptr(),
                length(bytes)?,
                &mut width,
                &mut height,
                &mut space,
                message.as_mut_ptr(),
                MESSAGE,
            )
        };
        if rc != 0 {
            return Err(error(&message));
        }
        let space = match space {
            1 => ColorSpace::Gray,
            3 => ColorSpace::Color,
            _ => ColorSpace::Other,
        };
        Ok(Header {
            width: width as usize,
            height: height as usize,
            space,
        })
    }

    pub fn decode(bytes: &[u8], header: &Header, channels: usize) -> Result<Vec<u8>, JpegError> {
        decode_scaled(bytes, header, channels, 1)
    }

    pub fn decode_scaled(
        bytes: &[u8],
        header: &Header,
        channels: usize,
        denom: usize,
    ) -> Result<Vec<u8>, JpegError> {
        let (w, h) = (header.width.div_ceil(denom), header.height.div_ceil(denom));
        let mut out = vec![0u8; w * h * channels];
        let mut message = [0 as c_char; MESSAGE];
        // SAFETY: `out` has exactly the length passed, which the shim
        // checks against the decoder's output size before writing rows.
        let rc = unsafe {
            assay_jpeg_decode(
                bytes.as_ptr(),
                length(bytes)?,
                channels as c_int,
                denom as c_int,
                out.as_mut_ptr(),
                out.len(),
                message.as_mut_ptr(),
                MESSAGE,
            )
        };
        if rc != 0 {
            return Err(error(&message));
        }
        Ok(out)
    }

    pub fn encode_rgb(
        rgb: &[u8],
        width: usize,
        height: usize,
        quality: u8,
    ) -> Result<Vec<u8>, JpegError> {
        let mut buffer: *mut c_uchar = std::ptr::null_mut();
        let mut len: c_ulong = 0;
        let mut message = [0 as c_char; MESSAGE];
        // SAFETY: `rgb` holds width * height * 3 bytes (checked by the
        // caller); on success the shim hands over a malloc'd buffer of
        // `len` bytes, copied and then freed with the shim's own free.
        unsafe {
            let rc = assay_jpeg_encode_rgb(
                rgb.as_ptr(),
                width as c_uint,
                height as c_uint,
                c_int::from(quality),
                &mut buffer,
                &mut len,
                message.as_mut_ptr(),
                MESSAGE,
            );
            if rc != 0 || buffer.is_null() {
                return Err(error(&message));
            }
            let bytes = std::slice::from_raw_parts(buffer, len as usize).to_vec();
            assay_jpeg_free(buffer);
            Ok(bytes)
        }
    }
}

#[cfg(not(assay_system_libjpeg))]
mod imp {
    //! Through the `image` crate (zune-jpeg), where the system libjpeg is
    //! missing: a working path, not bit-exact with Pillow.

    use std::io::Cursor;

    use image::ImageDecoder;

    use super::{ColorSpace, Header, JpegError};

    fn fail(e: image::ImageError) -> JpegError {
        JpegError(e.to_string())
    }

    /// Never called: `super::decode_scaled` decodes at full size here.
    pub fn decode_scaled(
        _bytes: &[u8],
        _header: &Header,
        _channels: usize,
        _denom: usize,
    ) -> Result<Vec<u8>, JpegError> {
        Err(JpegError(
            "reduced-size decoding needs the system libjpeg".into(),
        ))
    }

    pub fn header(bytes: &[u8]) -> Result<Header, JpegError> {
        let decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(fail)?;
        let (width, height) = decoder.dimensions();
        let space = match decoder.color_type() {
            image::ColorType::L8 | image::ColorType::L16 => ColorSpace::Gray,
            image::ColorType::Rgb8 | image::ColorType::Rgb16 => ColorSpace::Color,
            _ => ColorSpace::Other,
        };
        Ok(Header {
            width: width as usize,
            height: height as usize,
            space,
        })
    }

    pub fn decode(bytes: &[u8], _header: &Header, channels: usize) -> Result<Vec<u8>, JpegError> {
        let image =
            image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).map_err(fail)?;
        Ok(if channels == 1 {
            image.into_luma8().into_raw()
        } else {
            image.into_rgb8().into_raw()
        })
    }

    pub fn encode_rgb(
        rgb: &[u8],
        width: usize,
        height: usize,
        quality: u8,
    ) -> Result<Vec<u8>, JpegError> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode(
                rgb,
                width as u32,
                height as u32,
                image::ExtendedColorType::Rgb8,
            )
            .map_err(fail)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: usize, h: usize) -> Vec<u8> {
        (0..w * h * 3).map(|i| ((i * 7) % 256) as u8).collect()
    }

    #[test]
    fn encodes_and_decodes_rgb_and_grey() {
        let (w, h) = (37, 21);
        let jpeg = encode_rgb(&gradient(w, h), w, h, 90).unwrap();
        let head = header(&jpeg).unwrap();
        assert_eq!(
            (head.width, head.height, head.space),
            (w, h, ColorSpace::Color)
        );
        assert_eq!(decode(&jpeg, &head, 3).unwrap().len(), w * h * 3);
        assert_eq!(decode(&jpeg, &head, 1).unwrap().len(), w * h);
    }

    #[test]
    fn decodes_at_reduced_sizes() {
        let (w, h) = (641, 243);
        let rgb = gradient(w, h);
        let jpeg = encode_rgb(&rgb, w, h, 90).unwrap();
        let head = header(&jpeg).unwrap();
        let full = decode(&jpeg, &head, 3).unwrap();
        for denom in [1, 2, 4, 8] {
            let (sw, sh, pixels) = decode_scaled(&jpeg, &head, 3, denom).unwrap();
            if !PILLOW_EXACT {
                assert_eq!((sw, sh), (w, h));
                continue;
            }
            assert_eq!((sw, sh), (w.div_ceil(denom), h.div_ceil(denom)));
            assert_eq!(pixels.len(), sw * sh * 3);
            // The reduced image keeps the tones: its mean is the full one's.
            let mean = |p: &[u8]| p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len() as f64;
            assert!((mean(&pixels) - mean(&full)).abs() < 2.0, "1/{denom}");
            if denom == 1 {
                assert_eq!(pixels, full);
            }
        }
        assert!(decode_scaled(&jpeg, &head, 3, 3).is_err());
    }

    #[test]
    fn broken_files_are_errors_not_exits() {
        let jpeg = encode_rgb(&gradient(64, 64), 64, 64, 90).unwrap();
        assert!(header(b"\xff\xd8\xff not a jpeg").is_err());
        assert!(header(b"").is_err());
        let head = header(&jpeg).unwrap();
        let cut = &jpeg[..jpeg.len() / 2];
        let result = decode(cut, &header(cut).unwrap(), 3);
        if PILLOW_EXACT {
            // As Pillow: "image file is truncated". (The image crate pads
            // the missing part instead.)
            assert_eq!(result.unwrap_err().0, "the file is truncated");
        }
        // The decoder keeps working after an error.
        assert_eq!(decode(&jpeg, &head, 3).unwrap().len(), 64 * 64 * 3);
        assert!(encode_rgb(&[0; 5], 2, 2, 90).is_err());
    }
}
