//! Images as Pillow 13 opens them: the mode and the samples of
//! `Image.open(path)`, before any conversion.
//!
//! [`decode`](crate::decode::decode) turns every file into 8-bit L, LA, RGB
//! or RGBA, which is what assay measures. Tools built on Pillow measure the
//! image in the mode Pillow gives it instead: a palette image by its
//! indices, mode "1" as 0/1 (NumPy's view), a 16-bit greyscale image by its
//! 16-bit values, CMYK as stored, a 16-bit colour PNG by the high bytes of
//! its samples. [`PilImage`] keeps that form for the files where it differs
//! from the decoded pixels ([`decode_with_pil`](crate::decode::decode_with_pil)),
//! with the two operations every such measure starts from: NumPy's bytes
//! of the image ([`PilImage::numpy_bytes`]) and Pillow's `convert("L")`
//! ([`PilImage::to_l`]).

use crate::decode::{ColorMode, Pixels};

/// Pillow's image modes that files open in (serialised as Pillow's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PilMode {
    /// "1": bilevel; Pillow stores 0 or 255, NumPy shows `False`/`True`.
    #[serde(rename = "1")]
    One,
    /// "L": 8-bit greyscale.
    L,
    /// "P": 8-bit palette indices.
    P,
    /// "PA": palette indices and alpha.
    #[serde(rename = "PA")]
    Pa,
    /// "LA": greyscale and alpha.
    #[serde(rename = "LA")]
    La,
    /// "RGB".
    #[serde(rename = "RGB")]
    Rgb,
    /// "RGBA".
    #[serde(rename = "RGBA")]
    Rgba,
    /// "CMYK", as stored (JPEG: inverted as Pillow reads Adobe files).
    #[serde(rename = "CMYK")]
    Cmyk,
    /// "I;16": 16-bit unsigned greyscale, little-endian in memory.
    #[serde(rename = "I;16")]
    I16,
    /// "I;16B": 16-bit unsigned greyscale, big-endian in memory.
    #[serde(rename = "I;16B")]
    I16B,
    /// "I": 32-bit signed integers.
    I,
    /// "F": 32-bit floats.
    F,
}

impl From<ColorMode> for PilMode {
    /// The Pillow mode of decoded pixels' layout.
    fn from(mode: ColorMode) -> PilMode {
        match mode {
            ColorMode::L => PilMode::L,
            ColorMode::La => PilMode::La,
            ColorMode::Rgb => PilMode::Rgb,
            ColorMode::Rgba => PilMode::Rgba,
        }
    }
}

impl PilMode {
    /// Pillow's name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            PilMode::One => "1",
            PilMode::L => "L",
            PilMode::P => "P",
            PilMode::Pa => "PA",
            PilMode::La => "LA",
            PilMode::Rgb => "RGB",
            PilMode::Rgba => "RGBA",
            PilMode::Cmyk => "CMYK",
            PilMode::I16 => "I;16",
            PilMode::I16B => "I;16B",
            PilMode::I => "I",
            PilMode::F => "F",
        }
    }

    /// Bands (NumPy's last axis; 1 for two-dimensional arrays).
    pub fn bands(self) -> usize {
        match self {
            PilMode::One
            | PilMode::L
            | PilMode::P
            | PilMode::I16
            | PilMode::I16B
            | PilMode::I
            | PilMode::F => 1,
            PilMode::Pa | PilMode::La => 2,
            PilMode::Rgb => 3,
            PilMode::Rgba | PilMode::Cmyk => 4,
        }
    }

    /// The mode of 8-bit decoded pixels of the same name, if there is one.
    pub fn color_mode(self) -> Option<ColorMode> {
        match self {
            PilMode::L => Some(ColorMode::L),
            PilMode::La => Some(ColorMode::La),
            PilMode::Rgb => Some(ColorMode::Rgb),
            PilMode::Rgba => Some(ColorMode::Rgba),
            _ => None,
        }
    }
}

/// The samples of an image, interleaved by band, rows top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum PilSamples {
    /// Modes 1 (0 or 255, as Pillow stores them), L, P, PA, LA, RGB, RGBA
    /// and CMYK.
    U8(Vec<u8>),
    /// Modes I;16 and I;16B, as numbers (the byte order is the mode's).
    U16(Vec<u16>),
    /// Mode I.
    I32(Vec<i32>),
    /// Mode F.
    F32(Vec<f32>),
}

/// A palette of 256 colours, as Pillow holds one: the file's entries, then
/// Pillow's grey ramp (entry `i` is `(i, i, i)`) for the rest.
pub type Palette = Box<[[u8; 3]; 256]>;

/// Builds a [`Palette`] from a file's RGB entries (at most 256 are used).
pub fn palette_from_rgb(entries: impl IntoIterator<Item = [u8; 3]>) -> Palette {
    let mut palette: Palette = Box::new(std::array::from_fn(|i| [i as u8; 3]));
    for (slot, rgb) in palette.iter_mut().zip(entries) {
        *slot = rgb;
    }
    palette
}

/// An image as Pillow opens it.
#[derive(Debug, Clone, PartialEq)]
pub struct PilImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Pillow's mode.
    pub mode: PilMode,
    /// `width * height * mode.bands()` samples.
    pub samples: PilSamples,
    /// Modes P and PA: the palette.
    pub palette: Option<Palette>,
}

impl PilImage {
    /// An 8-bit image.
    pub fn new_u8(width: usize, height: usize, mode: PilMode, data: Vec<u8>) -> PilImage {
        PilImage {
            width,
            height,
            mode,
            samples: PilSamples::U8(data),
            palette: None,
        }
    }

    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.width * self.height
    }

    /// Whether the image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The 8-bit samples (modes 1, L, P, PA, LA, RGB, RGBA, CMYK).
    pub fn u8_samples(&self) -> Option<&[u8]> {
        match &self.samples {
            PilSamples::U8(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this is exactly `pixels`: the same mode name and the same
    /// 8-bit samples (then Pillow and the decoder see the same image).
    pub fn same_as(&self, pixels: &Pixels) -> bool {
        self.mode.color_mode() == Some(pixels.mode)
            && (self.width, self.height) == (pixels.width, pixels.height)
            && self.u8_samples() == Some(pixels.data.as_slice())
    }

    /// `np.asarray(image).tobytes()`: mode 1 as one byte 0 or 1 a pixel,
    /// 16-bit modes in their own byte order, I and F little-endian (the
    /// machine order NumPy uses on x86-64 and ARM64).
    pub fn numpy_bytes(&self) -> Vec<u8> {
        match &self.samples {
            PilSamples::U8(v) if self.mode == PilMode::One => {
                v.iter().map(|&b| u8::from(b != 0)).collect()
            }
            PilSamples::U8(v) => v.clone(),
            PilSamples::U16(v) if self.mode == PilMode::I16B => {
                v.iter().flat_map(|x| x.to_be_bytes()).collect()
            }
            PilSamples::U16(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            PilSamples::I32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            PilSamples::F32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        }
    }

    /// `image.convert("L")`, as Pillow converts each mode: 1 to 0/255, P and
    /// PA through the palette, LA its L band, RGB and RGBA by ITU-R 601-2
    /// luma (alpha ignored), CMYK through Pillow's RGB, 16-bit values over
    /// 255 to 255, I and F clipped to 0..=255 (F truncated).
    pub fn to_l(&self) -> Vec<u8> {
        let bands = self.mode.bands();
        match (&self.samples, self.mode) {
            (PilSamples::U8(v), PilMode::One | PilMode::L) => v.clone(),
            (PilSamples::U8(v), PilMode::P | PilMode::Pa) => {
                let palette = self.palette.as_deref();
                v.chunks_exact(bands)
                    .map(|px| match palette {
                        Some(p) => luma_rgb(p[usize::from(px[0])]),
                        None => px[0],
                    })
                    .collect()
            }
            (PilSamples::U8(v), PilMode::La) => v.chunks_exact(2).map(|px| px[0]).collect(),
            (PilSamples::U8(v), PilMode::Rgb | PilMode::Rgba) => v
                .chunks_exact(bands)
                .map(|px| luma_rgb([px[0], px[1], px[2]]))
                .collect(),
            (PilSamples::U8(v), PilMode::Cmyk) => v
                .chunks_exact(4)
                .map(|px| luma_rgb(cmyk_to_rgb([px[0], px[1], px[2], px[3]])))
                .collect(),
            (PilSamples::U16(v), _) => v.iter().map(|&x| i16_to_l(x)).collect(),
            (PilSamples::I32(v), _) => v.iter().map(|&x| i32_to_l(x)).collect(),
            (PilSamples::F32(v), _) => v.iter().map(|&x| f32_to_l(x)).collect(),
            // Other pairings are not built by this crate.
            (PilSamples::U8(v), _) => v.chunks_exact(bands.max(1)).map(|px| px[0]).collect(),
        }
    }
}

/// PIL's `L24` luma of one colour (`rgb2l`, `p2l`).
#[inline]
pub fn luma_rgb([r, g, b]: [u8; 3]) -> u8 {
    ((u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16) as u8
}

/// `a * b / 255` rounded as PIL's `MULDIV255`.
#[inline]
fn muldiv255(a: u8, b: u8) -> u8 {
    let tmp = u32::from(a) * u32::from(b) + 128;
    (((tmp >> 8) + tmp) >> 8) as u8
}

/// Pillow 13's `cmyk2rgb`: each colour `(255 - c) * (255 - k) / 255`,
/// rounded.
#[inline]
pub fn cmyk_to_rgb([c, m, y, k]: [u8; 4]) -> [u8; 3] {
    let channel = |v: u8| muldiv255(255 - v, 255 - k);
    [channel(c), channel(m), channel(y)]
}

/// PIL's `I;16` to `L`: values over 255 become 255.
#[inline]
pub fn i16_to_l(v: u16) -> u8 {
    if v > 255 {
        255
    } else {
        v as u8
    }
}

/// PIL's `i2l`: clipped to 0..=255.
#[inline]
pub fn i32_to_l(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// PIL's `f2l`: clipped to 0..=255, truncated (NaN as x86-64's conversion
/// gives it, 0).
#[inline]
pub fn f32_to_l(v: f32) -> u8 {
    if v <= 0.0 {
        0
    } else if v >= 255.0 {
        255
    } else if v.is_nan() {
        0
    } else {
        v as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_match_pillow() {
        // Image.new("CMYK", (1, 1), (10, 200, 30, 40)).convert("RGB")
        // -> (207, 46, 190); .convert("L") -> 111
        assert_eq!(cmyk_to_rgb([10, 200, 30, 40]), [207, 46, 190]);
        assert_eq!(luma_rgb(cmyk_to_rgb([10, 200, 30, 40])), 111);
        assert_eq!(i16_to_l(256), 255);
        assert_eq!(i16_to_l(17), 17);
        assert_eq!(i32_to_l(-5), 0);
        assert_eq!(f32_to_l(254.9), 254);
        assert_eq!(f32_to_l(1.5), 1);
        assert_eq!(f32_to_l(-0.5), 0);
        assert_eq!(f32_to_l(f32::NAN), 0);
    }

    #[test]
    fn numpy_bytes_of_mode_1_are_zero_or_one() {
        let im = PilImage::new_u8(3, 1, PilMode::One, vec![0, 255, 255]);
        assert_eq!(im.numpy_bytes(), vec![0, 1, 1]);
        let be = PilImage {
            width: 1,
            height: 1,
            mode: PilMode::I16B,
            samples: PilSamples::U16(vec![0x0102]),
            palette: None,
        };
        assert_eq!(be.numpy_bytes(), vec![1, 2]);
    }

    #[test]
    fn palettes_continue_with_the_grey_ramp() {
        let p = palette_from_rgb([[9, 8, 7]]);
        assert_eq!(p[0], [9, 8, 7]);
        assert_eq!(p[200], [200, 200, 200]);
    }
}
