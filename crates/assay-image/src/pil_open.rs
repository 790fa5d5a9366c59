//! Reading files the way Pillow 13's plugins read them, for the formats
//! where that differs from the decoded 8-bit pixels: the mode Pillow picks
//! from the header and the samples it unpacks, untouched.
//!
//! Each reader returns `Ok(None)` when Pillow's image is what
//! [`decode`](crate::decode::decode) gives anyway (8-bit L, LA, RGB or
//! RGBA with the same samples), and `Err` when this file is one whose
//! Pillow form is not reproduced here (the caller then keeps the decoded
//! pixels as the only view).

use std::io::Cursor;

use crate::decode::{ColorMode, Pixels, MAX_PIXELS};
use crate::pil_image::{
    f32_to_l, i32_to_l, palette_from_rgb, Palette, PilImage, PilMode, PilSamples,
};

/// Why Pillow's form of a file is not given.
pub type NotReproduced = String;

fn checked(width: usize, height: usize) -> Result<(), NotReproduced> {
    if width == 0 || height == 0 || (width as u64) * (height as u64) > MAX_PIXELS {
        return Err(format!("size {width}x{height}"));
    }
    Ok(())
}

/// Unpacks rows of `bits`-bit samples (1, 2 or 4; most significant bits
/// first, rows padded to whole bytes) to one byte a sample.
fn unpack_bits(
    packed: &[u8],
    width: usize,
    height: usize,
    bits: usize,
    row_bytes: usize,
) -> Vec<u8> {
    let per_byte = 8 / bits;
    let mask = (1u8 << bits) - 1;
    let mut out = Vec::with_capacity(width * height);
    for row in packed.chunks(row_bytes).take(height) {
        for x in 0..width {
            let byte = row.get(x / per_byte).copied().unwrap_or(0);
            let shift = 8 - bits * (x % per_byte + 1);
            out.push((byte >> shift) & mask);
        }
    }
    out
}

// ---------------------------------------------------------------- PNG

/// PNG as `PngImagePlugin` reads it: 1-bit greyscale as mode 1, palette
/// images as P (tRNS kept aside, as Pillow does), 16-bit greyscale as
/// I;16, 16-bit colour as the high bytes of each sample (16-bit greyscale
/// with alpha as RGBA), a tRNS colour ignored.
pub(crate) fn png(bytes: &[u8]) -> Result<Option<PilImage>, NotReproduced> {
    use png::{ColorType, Transformations};
    let limits = png::Limits {
        bytes: (MAX_PIXELS * 8) as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let info = reader.info();
    let (width, height) = (info.width as usize, info.height as usize);
    let depth = info.bit_depth as usize;
    let color = info.color_type;
    let trns = info.trns.is_some();
    let same_as_decoded = match color {
        ColorType::Grayscale => depth != 1 && depth != 16 && !trns,
        ColorType::Rgb => depth == 8 && !trns,
        ColorType::GrayscaleAlpha | ColorType::Rgba => depth == 8,
        ColorType::Indexed => false,
    };
    if same_as_decoded {
        return Ok(None);
    }
    checked(width, height)?;
    let palette = info
        .palette
        .as_ref()
        .map(|p| palette_from_rgb(p.chunks_exact(3).map(|c| [c[0], c[1], c[2]])));
    let size = reader.output_buffer_size().ok_or("too large")?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
    let line = frame.line_size;
    let rows = || buffer.chunks(line).take(height);
    let high_bytes = |channels: usize| -> Vec<u8> {
        rows()
            .flat_map(|r| r[..width * channels * 2].iter().step_by(2).copied())
            .collect()
    };
    let image = match (color, depth) {
        (ColorType::Grayscale, 1) => {
            let bits = unpack_bits(&buffer, width, height, 1, line);
            PilImage::new_u8(
                width,
                height,
                PilMode::One,
                bits.iter().map(|&b| b * 255).collect(),
            )
        }
        (ColorType::Grayscale, 2 | 4) => {
            let scale = if depth == 2 { 0x55 } else { 0x11 };
            let values = unpack_bits(&buffer, width, height, depth, line);
            PilImage::new_u8(
                width,
                height,
                PilMode::L,
                values.iter().map(|&v| v * scale).collect(),
            )
        }
        (ColorType::Grayscale, 8) => PilImage::new_u8(
            width,
            height,
            PilMode::L,
            rows().flat_map(|r| r[..width].to_vec()).collect(),
        ),
        (ColorType::Grayscale, 16) => PilImage {
            width,
            height,
            mode: PilMode::I16,
            samples: PilSamples::U16(
                rows()
                    .flat_map(|r| {
                        r[..width * 2]
                            .chunks_exact(2)
                            .map(|b| u16::from_be_bytes([b[0], b[1]]))
                    })
                    .collect(),
            ),
            palette: None,
        },
        (ColorType::Rgb, 8) => PilImage::new_u8(
            width,
            height,
            PilMode::Rgb,
            rows().flat_map(|r| r[..width * 3].to_vec()).collect(),
        ),
        (ColorType::Rgb, 16) => PilImage::new_u8(width, height, PilMode::Rgb, high_bytes(3)),
        (ColorType::Rgba, 16) => PilImage::new_u8(width, height, PilMode::Rgba, high_bytes(4)),
        (ColorType::GrayscaleAlpha, 16) => {
            let la = high_bytes(2);
            let rgba = la
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect();
            PilImage::new_u8(width, height, PilMode::Rgba, rgba)
        }
        (ColorType::Indexed, 1 | 2 | 4 | 8) => {
            let indices = if depth == 8 {
                rows().flat_map(|r| r[..width].to_vec()).collect()
            } else {
                unpack_bits(&buffer, width, height, depth, line)
            };
            let mut image = PilImage::new_u8(width, height, PilMode::P, indices);
            image.palette = Some(palette.ok_or("no palette")?);
            image
        }
        other => return Err(format!("PNG {other:?}")),
    };
    Ok(Some(image))
}

// ---------------------------------------------------------------- GIF

/// Pillow keeps a GIF palette unless it is the identity grey ramp
/// (`GifImageFile._is_palette_needed`).
fn gif_palette_needed(p: &[u8]) -> bool {
    p.chunks(3)
        .enumerate()
        .any(|(i, c)| c.len() < 3 || !(c[0] as usize == i && c[1] == c[0] && c[2] == c[0]))
}

/// The first frame of a GIF as `GifImagePlugin` reads it: mode P with the
/// frame's palette (the local one, else the global one), or L when that
/// palette is absent or the identity grey ramp; the indices as stored, on
/// a canvas of the logical screen filled with the transparent index (or 0)
/// where the frame does not reach.
pub(crate) fn gif(bytes: &[u8]) -> Result<Option<PilImage>, NotReproduced> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    let (screen_w, screen_h) = (decoder.width() as usize, decoder.height() as usize);
    let global = decoder
        .global_palette()
        .filter(|p| gif_palette_needed(p))
        .map(<[u8]>::to_vec);
    let frame = decoder
        .read_next_frame()
        .map_err(|e| e.to_string())?
        .ok_or("no frame")?;
    let frame_palette = match &frame.palette {
        Some(local) if gif_palette_needed(local) => Some(local.clone()),
        Some(_) => None,
        None => global,
    };
    let (left, top) = (frame.left as usize, frame.top as usize);
    let (fw, fh) = (frame.width as usize, frame.height as usize);
    let (width, height) = (screen_w.max(left + fw), screen_h.max(top + fh));
    checked(width, height)?;
    let fill = frame.transparent.unwrap_or(0);
    let mut indices = vec![fill; width * height];
    for (y, row) in frame.buffer.chunks(fw.max(1)).take(fh).enumerate() {
        let start = (top + y) * width + left;
        indices[start..start + row.len()].copy_from_slice(row);
    }
    let mode = if frame_palette.is_some() {
        PilMode::P
    } else {
        PilMode::L
    };
    let mut image = PilImage::new_u8(width, height, mode, indices);
    image.palette =
        frame_palette.map(|p| palette_from_rgb(p.chunks_exact(3).map(|c| [c[0], c[1], c[2]])));
    Ok(Some(image))
}

// ---------------------------------------------------------------- BMP

/// 1-, 4- and 8-bit uncompressed BMP files as `BmpImagePlugin` reads
/// them: palette indices, mode P, or mode 1 or L when the palette is
/// black and white (two colours) or the identity grey ramp. Deeper BMPs
/// are Pillow's RGB as decoded; RLE-compressed ones are not reproduced.
pub(crate) fn bmp(bytes: &[u8]) -> Result<Option<PilImage>, NotReproduced> {
    let u16_at = |o: usize| -> Result<usize, NotReproduced> {
        bytes
            .get(o..o + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or_else(|| "short header".to_string())
    };
    let u32_at = |o: usize| -> Result<u32, NotReproduced> {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| "short header".to_string())
    };
    let mut offset = u32_at(10)? as usize;
    let header_size = u32_at(14)? as usize;
    let (width, height, bits, compression, colors, padding, top_down) = match header_size {
        12 => (u16_at(18)?, u16_at(20)?, u16_at(24)?, 0, 0, 3, false),
        40 | 52 | 56 | 64 | 108 | 124 => {
            let raw_height = u32_at(22)?;
            let top_down = bytes.get(25) == Some(&0xFF);
            let height = if top_down {
                (u64::from(u32::MAX) + 1 - u64::from(raw_height)) as usize
            } else {
                raw_height as usize
            };
            let width = u32_at(18)? as usize;
            (
                width,
                height,
                u16_at(28)?,
                u32_at(30)?,
                u32_at(46)? as usize,
                4,
                top_down,
            )
        }
        other => return Err(format!("BMP header of {other} bytes")),
    };
    if bits > 8 {
        return Ok(None);
    }
    if compression != 0 {
        return Err(format!("BMP compression {compression}"));
    }
    checked(width, height)?;
    let colors = if colors == 0 { 1 << bits } else { colors };
    if colors > 256 {
        return Err(format!("BMP palette of {colors} colours"));
    }
    let palette_at = 14 + header_size;
    let table = bytes
        .get(palette_at..palette_at + padding * colors)
        .ok_or("short palette")?;
    if offset == palette_at {
        offset += padding * colors;
    }
    let entry = |i: usize| {
        [
            table[i * padding + 2],
            table[i * padding + 1],
            table[i * padding],
        ]
    };
    let greys: Vec<usize> = if colors == 2 {
        vec![0, 255]
    } else {
        (0..colors).collect()
    };
    let greyscale = greys
        .iter()
        .enumerate()
        .all(|(i, &v)| entry(i) == [v as u8; 3]);
    let mode = match (greyscale, colors <= 2) {
        (true, true) => PilMode::One,
        (true, false) => PilMode::L,
        (false, _) => PilMode::P,
    };
    // Pillow reads a greyscale palette image with the raw mode "1" or "L",
    // which only fits 1-bit and 8-bit rows.
    if (mode == PilMode::One && bits != 1) || (mode == PilMode::L && bits != 8) {
        return Err(format!("greyscale BMP of {bits} bits"));
    }
    let stride = ((width * bits + 31) >> 3) & !3;
    let data = bytes.get(offset..).ok_or("no pixel data")?;
    if data.len() < stride * height {
        return Err("the file is truncated".into());
    }
    let mut indices = Vec::with_capacity(width * height);
    for y in 0..height {
        let stored = if top_down { y } else { height - 1 - y };
        let row = &data[stored * stride..(stored + 1) * stride];
        if bits == 8 {
            indices.extend_from_slice(&row[..width]);
        } else {
            indices.extend(unpack_bits(row, width, 1, bits, stride));
        }
    }
    if mode == PilMode::One {
        for v in &mut indices {
            *v = if *v != 0 { 255 } else { 0 };
        }
    }
    let mut image = PilImage::new_u8(width, height, mode, indices);
    if mode == PilMode::P {
        image.palette = Some(palette_from_rgb((0..colors).map(entry)));
    }
    Ok(Some(image))
}

// ---------------------------------------------------------------- JPEG

/// CMYK and YCCK JPEGs as Pillow reads them (CMYK, inverted); other JPEGs
/// are Pillow's L or RGB as decoded.
pub(crate) fn jpeg(bytes: &[u8]) -> Result<Option<PilImage>, NotReproduced> {
    use crate::jpeg::{self, ColorSpace};
    let header = jpeg::header(bytes).map_err(|e| e.0)?;
    if header.space != ColorSpace::Other {
        return Ok(None);
    }
    checked(header.width, header.height)?;
    let cmyk = jpeg::decode_cmyk(bytes, &header).map_err(|e| e.0)?;
    Ok(Some(PilImage::new_u8(
        header.width,
        header.height,
        PilMode::Cmyk,
        cmyk,
    )))
}

// ---------------------------------------------------------------- TIFF

/// A TIFF's first image as raw samples, with the tags that decide
/// Pillow's mode.
struct TiffRaw {
    width: usize,
    height: usize,
    big_endian: bool,
    photometric: u16,
    bits: Vec<u16>,
    formats: Vec<u16>,
    extra: Vec<u16>,
    colormap: Option<Vec<u16>>,
    samples: tiff::decoder::DecodingResult,
    spp: usize,
}

/// A copy of a classic TIFF with the first image's photometric
/// interpretation set to BlackIsZero, so the `tiff` crate hands over the
/// stored samples of any colour type (palette, extra samples) without
/// interpreting them; and the original value.
fn as_black_is_zero(bytes: &[u8]) -> Result<(Vec<u8>, u16), NotReproduced> {
    let big_endian = match bytes.get(..4) {
        Some(b"II*\0") => false,
        Some(b"MM\0*") => true,
        _ => return Err("not a classic TIFF".into()),
    };
    let u16_at = |o: usize| -> Result<u16, NotReproduced> {
        let b = bytes.get(o..o + 2).ok_or("short IFD")?;
        Ok(if big_endian {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let b = bytes.get(4..8).ok_or("short header")?;
    let ifd = if big_endian {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    } else {
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    } as usize;
    let entries = usize::from(u16_at(ifd)?);
    for i in 0..entries {
        let entry = ifd + 2 + 12 * i;
        if u16_at(entry)? != 262 {
            continue;
        }
        if u16_at(entry + 2)? != 3 {
            return Err("photometric interpretation is not a SHORT".into());
        }
        let original = u16_at(entry + 8)?;
        let mut copy = bytes.to_vec();
        let one = if big_endian {
            1u16.to_be_bytes()
        } else {
            1u16.to_le_bytes()
        };
        copy[entry + 8..entry + 10].copy_from_slice(&one);
        return Ok((copy, original));
    }
    Err("no photometric interpretation".into())
}

/// Reads a TIFF's first image as raw samples; `Ok(None)` without reading
/// the samples when `skip_plain` and the layout is one the `image` crate
/// decodes to exactly Pillow's image (8-bit L, RGB, or LA and RGBA with
/// unassociated alpha).
fn tiff_raw(bytes: &[u8], skip_plain: bool) -> Result<Option<TiffRaw>, NotReproduced> {
    use tiff::decoder::Decoder;
    use tiff::tags::Tag;
    let (patched, photometric) = as_black_is_zero(bytes)?;
    let big_endian = bytes.starts_with(b"MM");
    let fail = |e: tiff::TiffError| e.to_string();
    let mut decoder = Decoder::new(Cursor::new(patched)).map_err(fail)?;
    let (w, h) = decoder.dimensions().map_err(fail)?;
    let (width, height) = (w as usize, h as usize);
    checked(width, height)?;
    let u16s =
        |d: &mut Decoder<Cursor<Vec<u8>>>, tag: Tag| -> Result<Option<Vec<u16>>, NotReproduced> {
            d.find_tag_unsigned_vec::<u16>(tag)
                .map_err(|e| e.to_string())
        };
    let one =
        |d: &mut Decoder<Cursor<Vec<u8>>>, tag: Tag, default: u16| -> Result<u16, NotReproduced> {
            Ok(u16s(d, tag)?
                .and_then(|v| v.first().copied())
                .unwrap_or(default))
        };
    let spp = usize::from(one(&mut decoder, Tag::SamplesPerPixel, 1)?);
    let bits = u16s(&mut decoder, Tag::BitsPerSample)?.unwrap_or_else(|| vec![1]);
    let formats = u16s(&mut decoder, Tag::SampleFormat)?.unwrap_or_else(|| vec![1]);
    let extra = u16s(&mut decoder, Tag::ExtraSamples)?.unwrap_or_default();
    let colormap = u16s(&mut decoder, Tag::ColorMap)?;
    if one(&mut decoder, Tag::FillOrder, 1)? != 1 {
        return Err("fill order 2".into());
    }
    if spp > 1 && one(&mut decoder, Tag::PlanarConfiguration, 1)? != 1 {
        return Err("planar samples".into());
    }
    if one(&mut decoder, Tag::Compression, 1)? == 7 {
        return Err("JPEG-compressed TIFF".into());
    }
    let plain_format = formats.iter().all(|&f| f == 1);
    let plain = bits.iter().all(|&b| b == 8)
        && plain_format
        && matches!(
            (photometric, spp, extra.as_slice()),
            (1, 1, []) | (2, 3, []) | (2, 4, [2])
        );
    if skip_plain && plain {
        return Ok(None);
    }
    let samples = decoder.read_image().map_err(fail)?;
    Ok(Some(TiffRaw {
        width,
        height,
        big_endian,
        photometric,
        bits,
        formats,
        extra,
        colormap,
        samples,
        spp,
    }))
}

/// Keeps the first `keep` of every `spp` samples.
fn keep_samples<T: Copy>(v: &[T], spp: usize, keep: usize) -> Vec<T> {
    if spp == keep {
        return v.to_vec();
    }
    v.chunks_exact(spp)
        .flat_map(|p| p[..keep].to_vec())
        .collect()
}

/// A TIFF colour map (red, green, blue tables of 16-bit values) as Pillow
/// loads it: the high byte of each value.
fn tiff_palette(map: &[u16]) -> Result<Palette, NotReproduced> {
    if !map.len().is_multiple_of(3) {
        return Err("colour map not in three tables".into());
    }
    let n = map.len() / 3;
    let entry = |i: usize| {
        [
            (map[i] >> 8) as u8,
            (map[n + i] >> 8) as u8,
            (map[2 * n + i] >> 8) as u8,
        ]
    };
    Ok(palette_from_rgb((0..n).map(entry)))
}

/// The first image of a TIFF as `TiffImagePlugin` reads it, for the
/// common layouts of its `OPEN_INFO` table: BlackIsZero 1-bit (1), 16-bit
/// (I;16, or I;16B in big-endian files), 32-bit integer (I) and float (F),
/// greyscale with an extra sample (LA, or L for an unspecified one),
/// palette images of 1 to 8 bits (P; PA with an alpha sample), RGB and
/// RGBA of 8 or 16 bits (16-bit as high bytes; an unspecified extra sample
/// dropped) and CMYK, as stored. Other layouts (WhiteIsZero, YCbCr, LAB,
/// associated alpha, planar or JPEG-compressed data) are not reproduced.
pub(crate) fn tiff(bytes: &[u8]) -> Result<Option<PilImage>, NotReproduced> {
    match tiff_raw(bytes, true)? {
        Some(raw) => Ok(Some(tiff_image(raw)?)),
        None => Ok(None),
    }
}

fn tiff_image(raw: TiffRaw) -> Result<PilImage, NotReproduced> {
    use tiff::decoder::DecodingResult as R;
    let TiffRaw {
        width,
        height,
        big_endian,
        photometric,
        ref bits,
        ref formats,
        ref extra,
        ref colormap,
        ref samples,
        spp,
    } = raw;
    let depth = bits.first().copied().unwrap_or(1);
    if bits.iter().any(|&b| b != depth) {
        return Err("mixed sample sizes".into());
    }
    let format = formats.first().copied().unwrap_or(1);
    let extra_kind = extra.first().copied();
    let u8_image = |mode: PilMode, keep: usize| -> Result<PilImage, NotReproduced> {
        match samples {
            R::U8(v) => Ok(PilImage::new_u8(
                width,
                height,
                mode,
                keep_samples(v, spp, keep),
            )),
            _ => Err("expected 8-bit samples".into()),
        }
    };
    let high_bytes = |mode: PilMode, keep: usize| -> Result<PilImage, NotReproduced> {
        match samples {
            R::U16(v) => Ok(PilImage::new_u8(
                width,
                height,
                mode,
                keep_samples(v, spp, keep)
                    .iter()
                    .map(|&x| (x >> 8) as u8)
                    .collect(),
            )),
            _ => Err("expected 16-bit samples".into()),
        }
    };
    let image = match (photometric, spp, depth, format, extra_kind) {
        (1, 1, 1, 1, None) => match samples {
            R::U8(v) => {
                let row_bytes = width.div_ceil(8);
                let bits = unpack_bits(v, width, height, 1, row_bytes);
                PilImage::new_u8(
                    width,
                    height,
                    PilMode::One,
                    bits.iter().map(|&b| b * 255).collect(),
                )
            }
            _ => return Err("expected packed bits".into()),
        },
        (1, 1, 8, 1 | 2, None) => u8_image(PilMode::L, 1)?,
        (1, 1, 16, 1, None) => match samples {
            R::U16(v) => PilImage {
                width,
                height,
                mode: if big_endian {
                    PilMode::I16B
                } else {
                    PilMode::I16
                },
                samples: PilSamples::U16(v.clone()),
                palette: None,
            },
            _ => return Err("expected 16-bit samples".into()),
        },
        (1, 1, 32, 1 | 2, None) if !(big_endian && format == 1) => {
            let values = match samples {
                R::U32(v) => v.iter().map(|&x| x as i32).collect(),
                R::I32(v) => v.clone(),
                _ => return Err("expected 32-bit integers".into()),
            };
            PilImage {
                width,
                height,
                mode: PilMode::I,
                samples: PilSamples::I32(values),
                palette: None,
            }
        }
        (1, 1, 32, 3, None) => match samples {
            R::F32(v) => PilImage {
                width,
                height,
                mode: PilMode::F,
                samples: PilSamples::F32(v.clone()),
                palette: None,
            },
            _ => return Err("expected 32-bit floats".into()),
        },
        (1, 2, 8, 1, Some(0)) => u8_image(PilMode::L, 1)?,
        (1, 2, 8, 1, Some(2)) => u8_image(PilMode::La, 2)?,
        (2, 3, 8, 1, None) => u8_image(PilMode::Rgb, 3)?,
        (2, 4, 8, 1, Some(0)) => u8_image(PilMode::Rgb, 3)?,
        (2, 4, 8, 1, None | Some(2)) => u8_image(PilMode::Rgba, 4)?,
        (2, 3, 16, 1, None) => high_bytes(PilMode::Rgb, 3)?,
        (2, 4, 16, 1, Some(0)) => high_bytes(PilMode::Rgb, 3)?,
        (2, 4, 16, 1, None | Some(2)) => high_bytes(PilMode::Rgba, 4)?,
        (3, 1, 1 | 2 | 4 | 8, 1, None) | (3, 2, 8, 1, Some(0 | 2)) => {
            let v = match samples {
                R::U8(v) => v,
                _ => return Err("expected 8-bit samples".into()),
            };
            let depth = usize::from(depth);
            let (mode, data) = if depth < 8 {
                let row_bytes = (width * depth).div_ceil(8);
                (PilMode::P, unpack_bits(v, width, height, depth, row_bytes))
            } else if spp == 2 && extra_kind == Some(2) {
                (PilMode::Pa, v.clone())
            } else {
                (PilMode::P, keep_samples(v, spp, 1))
            };
            let map = colormap
                .as_deref()
                .ok_or("palette image without a colour map")?;
            let mut image = PilImage::new_u8(width, height, mode, data);
            image.palette = Some(tiff_palette(map)?);
            image
        }
        (5, 4, 8, 1, None) => u8_image(PilMode::Cmyk, 4)?,
        (5, 5, 8, 1, Some(0)) => u8_image(PilMode::Cmyk, 4)?,
        other => return Err(format!("TIFF layout {other:?}")),
    };
    let expected = width * height * image.mode.bands();
    let len = match &image.samples {
        PilSamples::U8(v) => v.len(),
        PilSamples::U16(v) => v.len(),
        PilSamples::I32(v) => v.len(),
        PilSamples::F32(v) => v.len(),
    };
    if len != expected {
        return Err(format!("{len} samples for {expected}"));
    }
    Ok(image)
}

/// 8-bit pixels for a TIFF the `image` crate does not read, made from the
/// samples Pillow would see: palette images through their colour map (RGB,
/// or RGBA with the PA alpha), LA and L with an extra sample as stored,
/// 32-bit integer and float images as Pillow's `convert("L")` (clipped to
/// 0..=255).
pub(crate) fn tiff_pixels(bytes: &[u8]) -> Result<(Pixels, PilImage), NotReproduced> {
    let raw = tiff_raw(bytes, false)?.ok_or("no samples")?;
    let image = tiff_image(raw)?;
    let (width, height) = (image.width, image.height);
    let (mode, data) = match (&image.samples, image.mode) {
        (PilSamples::U8(v), PilMode::P | PilMode::Pa) => {
            let palette = image.palette.as_deref().ok_or("no palette")?;
            if image.mode == PilMode::P {
                let rgb = v.iter().flat_map(|&i| palette[usize::from(i)]).collect();
                (ColorMode::Rgb, rgb)
            } else {
                let rgba = v
                    .chunks_exact(2)
                    .flat_map(|p| {
                        let [r, g, b] = palette[usize::from(p[0])];
                        [r, g, b, p[1]]
                    })
                    .collect();
                (ColorMode::Rgba, rgba)
            }
        }
        (PilSamples::U8(v), mode) => match mode.color_mode() {
            Some(m) => (m, v.clone()),
            None => return Err(format!("mode {}", mode.name())),
        },
        (PilSamples::I32(v), _) => (ColorMode::L, v.iter().map(|&x| i32_to_l(x)).collect()),
        (PilSamples::F32(v), _) => (ColorMode::L, v.iter().map(|&x| f32_to_l(x)).collect()),
        (PilSamples::U16(_), _) => return Err("16-bit greyscale".into()),
    };
    let pixels = Pixels {
        width,
        height,
        mode,
        data,
    };
    Ok((pixels, image))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_bits_most_significant_first() {
        assert_eq!(unpack_bits(&[0b1010_0000], 3, 1, 1, 1), vec![1, 0, 1]);
        assert_eq!(unpack_bits(&[0b1101_0010], 2, 1, 4, 1), vec![13, 2]);
        assert_eq!(
            unpack_bits(&[0b1110_0100, 0b1100_0000], 2, 2, 2, 1),
            vec![3, 2, 3, 0]
        );
    }

    /// A little-endian, uncompressed, one-strip TIFF.
    fn tiff_file(
        (width, height): (u32, u32),
        photometric: u16,
        bits: &[u16],
        extra: Option<u16>,
        colormap: Option<&[u16]>,
        sample_format: Option<u16>,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = b"II*\0".to_vec();
        out.extend(0u32.to_le_bytes()); // IFD offset, set below
        let data_at = out.len() as u32;
        out.extend(data);
        let arrays = |values: &[u16], out: &mut Vec<u8>| -> u32 {
            let at = out.len() as u32;
            for v in values {
                out.extend(v.to_le_bytes());
            }
            at
        };
        let bits_at = arrays(bits, &mut out);
        let map_at = colormap.map(|m| arrays(m, &mut out));
        let ifd = out.len() as u32;
        out[4..8].copy_from_slice(&ifd.to_le_bytes());
        // (tag, type, count, value or offset); SHORT = 3, LONG = 4.
        let short = |v: u16| u32::from(v);
        let mut entries = vec![
            (256u16, 4u16, 1u32, width),
            (257, 4, 1, height),
            (
                258,
                3,
                bits.len() as u32,
                if bits.len() <= 2 {
                    short(bits[0]) | (short(*bits.get(1).unwrap_or(&0)) << 16)
                } else {
                    bits_at
                },
            ),
            (259, 3, 1, 1),
            (262, 3, 1, short(photometric)),
            (273, 4, 1, data_at),
            (277, 3, 1, bits.len() as u32),
            (278, 4, 1, height),
            (279, 4, 1, data.len() as u32),
        ];
        if let (Some(map), Some(at)) = (colormap, map_at) {
            entries.push((320, 3, map.len() as u32, at));
        }
        if let Some(kind) = extra {
            entries.push((338, 3, 1, short(kind)));
        }
        if let Some(format) = sample_format {
            entries.push((339, 3, 1, short(format)));
        }
        out.extend((entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            out.extend(tag.to_le_bytes());
            out.extend(kind.to_le_bytes());
            out.extend(count.to_le_bytes());
            out.extend(value.to_le_bytes());
        }
        out.extend(0u32.to_le_bytes());
        out
    }

    /// A colour map of 256 entries: index `i` is red `i`, green `255 - i`,
    /// blue 7, as 16-bit values with a low byte that Pillow drops.
    fn colormap() -> Vec<u16> {
        let red = (0..256u16).map(|i| i << 8 | 0x55);
        let green = (0..256u16).map(|i| (255 - i) << 8 | 0x33);
        let blue = (0..256u16).map(|_| 7 << 8);
        red.chain(green).chain(blue).collect()
    }

    #[test]
    fn palette_and_la_tiffs_decode() {
        use crate::decode::{decode, decode_with_pil};
        let map = colormap();
        let palette = tiff_file((3, 1), 3, &[8], None, Some(&map), None, &[0, 10, 255]);
        let (_, pixels) = decode(&palette).unwrap();
        assert_eq!(pixels.mode, ColorMode::Rgb);
        assert_eq!(pixels.data, vec![0, 255, 7, 10, 245, 7, 255, 0, 7]);
        let pil = decode_with_pil(&palette).unwrap().pil.unwrap();
        assert_eq!(pil.mode, PilMode::P);
        assert_eq!(pil.u8_samples().unwrap(), &[0, 10, 255]);
        assert_eq!(pil.to_l()[2], crate::pil_image::luma_rgb([255, 0, 7]));

        let pa = tiff_file(
            (2, 1),
            3,
            &[8, 8],
            Some(2),
            Some(&map),
            None,
            &[4, 200, 5, 100],
        );
        let decoded = decode_with_pil(&pa).unwrap();
        assert_eq!(decoded.pixels.mode, ColorMode::Rgba);
        assert_eq!(decoded.pixels.data, vec![4, 251, 7, 200, 5, 250, 7, 100]);
        assert_eq!(decoded.pil.unwrap().mode, PilMode::Pa);

        let la = tiff_file((2, 1), 1, &[8, 8], Some(2), None, None, &[9, 200, 30, 100]);
        let decoded = decode_with_pil(&la).unwrap();
        assert_eq!(decoded.pixels.mode, ColorMode::La);
        assert_eq!(decoded.pixels.data, vec![9, 200, 30, 100]);
        assert_eq!(decoded.pil, None, "Pillow's LA image is the decoded one");
    }

    #[test]
    fn float_tiffs_decode_as_pillow_converts_them() {
        use crate::decode::decode_with_pil;
        let values: [f32; 3] = [-1.0, 17.9, 300.0];
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        // SampleFormat 3: IEEE floats.
        let file = tiff_file((3, 1), 1, &[32], None, None, Some(3), &data);
        let decoded = decode_with_pil(&file).unwrap();
        assert_eq!(decoded.pixels.mode, ColorMode::L);
        assert_eq!(decoded.pixels.data, vec![0, 17, 255]);
        let pil = decoded.pil.unwrap();
        assert_eq!(pil.mode, PilMode::F);
        assert_eq!(pil.samples, PilSamples::F32(values.to_vec()));
    }

    fn png_file(
        width: u32,
        height: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        palette: Option<&[u8]>,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(depth);
        if let Some(p) = palette {
            encoder.set_palette(p.to_vec());
        }
        encoder
            .write_header()
            .unwrap()
            .write_image_data(data)
            .unwrap();
        out
    }

    #[test]
    fn pngs_open_in_pillows_modes() {
        use crate::decode::decode_with_pil;
        use png::{BitDepth, ColorType};
        // Palette: indices 0 and 1, colours white and black.
        let file = png_file(
            2,
            1,
            ColorType::Indexed,
            BitDepth::Eight,
            Some(&[255, 255, 255, 0, 0, 0]),
            &[0, 1],
        );
        let decoded = decode_with_pil(&file).unwrap();
        assert_eq!(decoded.pixels.data, vec![255, 255, 255, 0, 0, 0]);
        let pil = decoded.pil.unwrap();
        assert_eq!(
            (pil.mode, pil.u8_samples().unwrap()),
            (PilMode::P, &[0u8, 1][..])
        );
        assert_eq!(pil.to_l(), vec![255, 0]);
        // 1-bit greyscale: mode 1.
        let file = png_file(
            3,
            1,
            ColorType::Grayscale,
            BitDepth::One,
            None,
            &[0b1010_0000],
        );
        let pil = decode_with_pil(&file).unwrap().pil.unwrap();
        assert_eq!(pil.mode, PilMode::One);
        assert_eq!(pil.numpy_bytes(), vec![1, 0, 1]);
        // 16-bit greyscale: I;16 with the values as stored.
        let file = png_file(
            2,
            1,
            ColorType::Grayscale,
            BitDepth::Sixteen,
            None,
            &[0x01, 0x02, 0xFF, 0x00],
        );
        let pil = decode_with_pil(&file).unwrap().pil.unwrap();
        assert_eq!(pil.samples, PilSamples::U16(vec![0x0102, 0xFF00]));
        assert_eq!(pil.to_l(), vec![255, 255]);
        // 8-bit RGB: Pillow's image is the decoded one.
        let file = png_file(1, 1, ColorType::Rgb, BitDepth::Eight, None, &[1, 2, 3]);
        assert_eq!(decode_with_pil(&file).unwrap().pil, None);
    }

    #[test]
    fn identity_grey_gif_palettes_are_dropped() {
        assert!(!gif_palette_needed(&[0, 0, 0, 1, 1, 1]));
        assert!(gif_palette_needed(&[0, 0, 0, 255, 255, 255]));
    }
}
